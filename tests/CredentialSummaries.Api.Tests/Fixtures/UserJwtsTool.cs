using System.Diagnostics;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>Runs the SDK's real <c>dotnet user-jwts</c> against the API project, as the README tells a newcomer to.</summary>
public static class UserJwtsTool
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>The folder holding CredentialSummaries.sln, found by walking up from the test binaries.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string ApiProjectDirectory => Path.Combine(RepositoryRoot, "src", "CredentialSummaries.Api");

    /// <summary>
    /// <c>dotnet user-jwts create --project &lt;api&gt; {arguments} --output token</c>; returns the token it prints, or
    /// fails the test with the tool's output.
    /// </summary>
    public static async Task<string> CreateAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot,
        };
        foreach (var argument in new[] { "user-jwts", "create", "--project", ApiProjectDirectory }.Concat(arguments).Concat(["--output", "token"]))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start 'dotnet user-jwts'.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'dotnet user-jwts create' did not finish within {Timeout.TotalSeconds} s.");
        }

        var output = await stdout;
        var errors = await stderr;
        var because = $"'dotnet {string.Join(' ', start.ArgumentList)}' wrote:\n{output}\n{errors}";
        process.ExitCode.Should().Be(0, because);
        var token = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        token.Should().NotBeNull(because).And.MatchRegex(@"^[\w-]+\.[\w-]+\.[\w-]+$", because);
        return token!;
    }

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : "dotnet";
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CredentialSummaries.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No CredentialSummaries.sln above '{AppContext.BaseDirectory}'.");
    }
}
