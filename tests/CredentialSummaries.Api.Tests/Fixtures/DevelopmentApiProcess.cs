using System.Security.Cryptography;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>
/// The built app as a real process in Development for one test class, with everything of its own: a database, a
/// work folder whose <c>home/</c> is its HOME (user secrets), and a <c>dotnet user-jwts</c> signing key, so that the
/// tests mint tokens it accepts (<see cref="Token"/>). Disposing it stops the process and removes them all.
/// </summary>
public sealed class DevelopmentApiProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly byte[] signingKey;
    private readonly TestDatabase database;

    private DevelopmentApiProcess(byte[] signingKey, TestDatabase database, DirectoryInfo work, ApiProcess api)
    {
        this.signingKey = signingKey;
        this.database = database;
        Work = work;
        Api = api;
    }

    public ApiProcess Api { get; }

    /// <summary>The process's database (a collector run against the same store writes into it).</summary>
    public TestDatabase Database => database;

    /// <summary>A temporary folder of the test's own (its <c>home/</c> is the app's HOME).</summary>
    public DirectoryInfo Work { get; }

    /// <param name="workPrefix">The start of the work folder's name, saying whose it is.</param>
    public static async Task<DevelopmentApiProcess> StartAsync(string workPrefix)
    {
        var signingKey = RandomNumberGenerator.GetBytes(32);
        var work = Directory.CreateTempSubdirectory(workPrefix);
        var database = TestDatabase.Create();
        try
        {
            var home = Directory.CreateDirectory(Path.Combine(work.FullName, "home")).FullName;
            var api = await ApiProcess.StartDevelopmentAsync(signingKey, home, database.EnvironmentVariables, StartTimeout);
            return new DevelopmentApiProcess(signingKey, database, work, api);
        }
        catch
        {
            database.Dispose();
            work.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>A <c>dotnet user-jwts</c> token of <paramref name="tenantId"/> with <paramref name="scope"/> that this process accepts.</summary>
    public string Token(string tenantId, string scope) =>
        TokenMinter.UserJwt(signingKey, DevelopmentApiFactory.UserJwtsAudience, tenantId, scope);

    /// <summary>A token like <see cref="Token"/> that this process's key signed but that expired at <paramref name="expires"/>.</summary>
    public string ExpiredToken(string tenantId, string scope, DateTime expires) =>
        TokenMinter.ExpiredUserJwt(signingKey, DevelopmentApiFactory.UserJwtsAudience, tenantId, scope, expires);

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        database.Dispose();
        Work.Delete(recursive: true);
    }
}
