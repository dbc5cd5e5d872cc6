namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>Runs the SDK's real <c>dotnet user-jwts</c> against the API project, as the README tells a newcomer to.</summary>
public static class UserJwtsTool
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public static string RepositoryRoot => ExternalTool.RepositoryRoot;

    public static string ApiProjectDirectory => Path.Combine(RepositoryRoot, "src", "CredentialSummaries.Api");

    /// <summary>
    /// <c>dotnet user-jwts create --project &lt;api&gt; {arguments} --output token</c>; returns the token it prints, or
    /// fails the test with the tool's output.
    /// </summary>
    public static Task<string> CreateAsync(params string[] arguments) => CreateAsync(new Dictionary<string, string?>(), arguments);

    /// <summary>As <see cref="CreateAsync(string[])"/>, with <paramref name="environment"/> (e.g. another <c>HOME</c>, so other user secrets).</summary>
    public static async Task<string> CreateAsync(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        string[] all = ["user-jwts", "create", "--project", ApiProjectDirectory, .. arguments, "--output", "token"];
        var (exitCode, output, errors) = await ExternalTool.RunAsync(ExternalTool.DotnetHost(), all, Timeout, environment: environment);

        var because = $"'dotnet {string.Join(' ', all)}' wrote:\n{output}\n{errors}";
        exitCode.Should().Be(0, because);
        var token = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        token.Should().NotBeNull(because).And.MatchRegex(@"^[\w-]+\.[\w-]+\.[\w-]+$", because);
        return token!;
    }
}
