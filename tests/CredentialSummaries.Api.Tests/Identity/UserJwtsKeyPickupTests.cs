using System.Net;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Identity;

/// <summary>
/// docs/identity.md, "Development tokens", in the order a newcomer follows it: the server already runs when the first
/// <c>dotnet user-jwts create</c> makes the signing key. The running server must accept that token without a restart.
/// </summary>
public sealed class UserJwtsKeyPickupTests : IDisposable
{
    private readonly string home = Path.Combine(Path.GetTempPath(), "credentialsummaries-tests", Guid.NewGuid().ToString("N"));
    private readonly string tenantId = Guid.NewGuid().ToString();
    private readonly TestDatabase database = TestDatabase.Create();

    [Fact]
    public async Task A_server_started_before_the_first_user_jwts_create_accepts_its_token_without_a_restart()
    {
        // A fresh HOME: no user secrets, so no signing key exists when the server starts.
        Directory.CreateDirectory(home);
        var environment = new Dictionary<string, string?> { ["HOME"] = home };
        await using var api = ApiProcess.StartBuiltApi(new Dictionary<string, string?>(environment.Concat(database.EnvironmentVariables))
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["AzureAd__ClientId"] = "",
        });
        await api.WaitUntilAnsweringAsync(TimeSpan.FromSeconds(60));

        var token = await UserJwtsTool.CreateAsync(environment, "--scope", GraphApi.ReadWrite, "--claim", $"tid={tenantId}");
        using var client = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        using var post = await client.PostAsync(GraphApi.Summaries, GraphApi.SeedBody());
        using var list = await client.GetAsync(GraphApi.Summaries);

        post.StatusCode.Should().Be(HttpStatusCode.Created, await post.Content.ReadAsStringAsync());
        list.StatusCode.Should().Be(HttpStatusCode.OK, await list.Content.ReadAsStringAsync());
        File.Exists(Path.Combine(home, ".microsoft", "usersecrets", "credentialsummaries-api-4f1c2a7e", "secrets.json"))
            .Should().BeTrue("the tool kept its key in the fresh HOME's user secrets, not in the developer's");
    }

    public void Dispose()
    {
        database.Dispose();
        try
        {
            Directory.Delete(home, recursive: true);
        }
        catch (IOException)
        {
            // The OS temp cleaner takes it.
        }
    }
}
