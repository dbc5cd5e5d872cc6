namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>
/// PowerShell 7 as the repository pins it: the local .NET tool of <c>.config/dotnet-tools.json</c>, started as
/// <c>dotnet tool run pwsh</c> from the repository root. A test that needs it fails, saying to run
/// <c>dotnet tool restore</c>, when it is missing; it never skips.
/// </summary>
public static class PowerShellTool
{
    public const string Version = "7.6.9";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Where the .NET CLI of the test run keeps its tool resolver cache (<c>$DOTNET_CLI_HOME/.dotnet</c>, else
    /// <c>$HOME/.dotnet</c>): <c>dotnet tool restore</c> filled it there, and a child given another <c>HOME</c> must
    /// still find the restored tool.
    /// </summary>
    public static string CliHome { get; } =
        Environment.GetEnvironmentVariable("DOTNET_CLI_HOME") is { Length: > 0 } cliHome ? cliHome
        : Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? home
        : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    /// <summary>Fails the test with what to do unless <c>dotnet tool run pwsh</c> starts PowerShell <see cref="Version"/>.</summary>
    public static async Task EnsureAvailableAsync()
    {
        var (exitCode, output, errors) = await ExternalTool.RunAsync(
            ExternalTool.DotnetHost(),
            ["tool", "run", "pwsh", "-NoProfile", "-NonInteractive", "-Command", "$PSVersionTable.PSVersion.ToString()"],
            ProbeTimeout,
            ExternalTool.RepositoryRoot);
        var because = $"PowerShell {Version} is the local tool in .config/dotnet-tools.json: run `dotnet tool restore` in the "
            + $"repository root ({ExternalTool.RepositoryRoot}) to install it. `dotnet tool run pwsh` exited with {exitCode} and wrote:\n{output}\n{errors}";
        exitCode.Should().Be(0, because);
        output.Trim().Should().Be(Version, because);
    }

    /// <summary>
    /// Runs <paramref name="scriptPath"/> in one <c>pwsh</c> session from the repository root, as a user runs pasted
    /// blocks, except that any error stops it (<c>$ErrorActionPreference = 'Stop'</c>, and a native command such as
    /// <c>dotnet user-jwts</c> that exits non-zero is an error): a failing line cannot scroll by unnoticed.
    /// </summary>
    public static Task<(int ExitCode, string Output, string Errors)> RunScriptAsync(
        string scriptPath, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(scriptPath);
        scriptPath.Should().NotContain("'", "the path is put into a single-quoted PowerShell string");
        var all = new Dictionary<string, string?>(environment) { ["DOTNET_CLI_HOME"] = CliHome, ["NO_COLOR"] = "1", ["TERM"] = "dumb" };
        var command = "$ErrorActionPreference = 'Stop'; $PSNativeCommandUseErrorActionPreference = $true; $ProgressPreference = 'SilentlyContinue'; "
            + $". '{scriptPath}'";
        return ExternalTool.RunAsync(
            ExternalTool.DotnetHost(), ["tool", "run", "pwsh", "-NoProfile", "-NonInteractive", "-Command", command], timeout, ExternalTool.RepositoryRoot, all);
    }
}
