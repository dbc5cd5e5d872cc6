using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>
/// What the PowerShell examples of README.md and docs/ run against, as a newcomer runs them: the built app as a real
/// process in Development on the examples' address, http://localhost:5139, with a fresh database and a fresh HOME
/// that pwsh shares, so that the examples' own <c>dotnet user-jwts create</c> makes the signing key and the token.
/// The blocks are read from the markdown file verbatim: each <c>powershell</c> block that an
/// <c>&lt;!-- powershell-example: name --&gt;</c> comment follows. The fixed port allows one session at a time: the tests that use it share
/// <see cref="ReadmeAddress"/>.
/// </summary>
public sealed partial class ReadmePowerShellSession : IAsyncDisposable
{
    public const int Port = 5139;

    private readonly TestDatabase database;

    private ReadmePowerShellSession(ApiProcess api, string home, TestDatabase database)
    {
        Api = api;
        Home = home;
        this.database = database;
    }

    public ApiProcess Api { get; }

    /// <summary>The HOME the server and pwsh share (user secrets, the signing key, the script's own files).</summary>
    public string Home { get; }

    public IReadOnlyDictionary<string, string?> SharedHome => new Dictionary<string, string?> { ["HOME"] = Home };

    public static async Task<ReadmePowerShellSession> StartAsync()
    {
        await PowerShellTool.EnsureAvailableAsync();
        EnsureReadmePortIsFree();
        var home = Path.Combine(Path.GetTempPath(), "credentialsummaries-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(home);
        var database = TestDatabase.Create();
        var api = ApiProcess.Start(
            ExternalTool.DotnetHost(),
            [ApiProcess.BuiltApiPath, "--urls", $"http://localhost:{Port}"],
            new Dictionary<string, string?>(database.EnvironmentVariables)
            {
                ["HOME"] = home,
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["AzureAd__ClientId"] = "",
                ["Throttling__Enabled"] = "false",
            },
            ApiProcess.BuiltApiDirectory,
            Port);
        var session = new ReadmePowerShellSession(api, home, database);
        await api.WaitUntilAnsweringAsync(TimeSpan.FromSeconds(60));
        api.HasExited.Should().BeFalse($"the API, not another process that took port {Port} meanwhile, must answer.\n{api.Transcript}");
        api.Output.Should().Contain($"Now listening on: http://localhost:{Port}", api.Transcript);
        return session;
    }

    /// <summary>A token for the examples' managing tenant, made as the examples make it (user-jwts in the shared HOME).</summary>
    public Task<string> TokenAsync(string managingTenant, string scope) =>
        UserJwtsTool.CreateAsync(SharedHome, "--scope", scope, "--claim", $"tid={managingTenant}");

    /// <summary>Runs the blocks in one pwsh session from the repository root; the output's lines, trimmed and without empty ones.</summary>
    public async Task<(int ExitCode, string[] Lines, string Because)> RunAsync(IEnumerable<(string Name, string Script)> blocks, TimeSpan timeout)
    {
        var list = blocks.ToList();
        var script = Path.Combine(Home, $"example-{Guid.NewGuid():N}.ps1");
        await File.WriteAllTextAsync(script, string.Join("\n", list.Select(b => b.Script)));
        var (exitCode, output, errors) = await PowerShellTool.RunScriptAsync(script, SharedHome, timeout);
        var because = $"pwsh ran the blocks ({string.Join(", ", list.Select(b => b.Name))}) and wrote:\n" +
            $"--- stdout ---\n{output}\n--- stderr ---\n{errors}\n--- server ---\n{Api.Transcript}";
        errors.Should().BeEmpty(because);
        var lines = output.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (exitCode, lines, because);
    }

    /// <summary>
    /// The marked <c>powershell</c> blocks of one section (a <c>##</c> or <c>###</c> heading) of a markdown file of the
    /// repository (<c>README.md</c>, <c>docs/clients.md</c>, …), verbatim and in order.
    /// </summary>
    public static List<(string Name, string Script)> DocBlocks(string file, string section, params string[] expected)
    {
        var markdown = File.ReadAllText(Path.Combine(ExternalTool.RepositoryRoot, file)).ReplaceLineEndings("\n");
        var at = markdown.IndexOf("\n" + section + "\n", StringComparison.Ordinal);
        at.Should().BeGreaterThan(0, $"{file} has a section '{section}'");
        var level = section[..(section.IndexOf(' ', StringComparison.Ordinal) + 1)];
        var end = markdown.IndexOf("\n" + level, at + 1, StringComparison.Ordinal);
        var parent = level == "### " ? markdown.IndexOf("\n## ", at + 1, StringComparison.Ordinal) : -1;
        end = end < 0 || (parent >= 0 && parent < end) ? parent : end;
        var text = end < 0 ? markdown[at..] : markdown[at..end];
        var blocks = MarkedBlock().Matches(text).Select(m => (m.Groups["name"].Value, m.Groups["script"].Value)).ToList();
        blocks.Select(b => b.Item1).Should().Equal(expected, $"{file} marks these PowerShell examples for this test, in this order");
        return blocks;
    }

    private static void EnsureReadmePortIsFree()
    {
        foreach (var address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            using var listener = new TcpListener(address, Port);
            try
            {
                listener.Start();
                listener.Stop();
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new InvalidOperationException(
                    $"Port {Port} on {address} is taken: the docs' PowerShell examples call http://localhost:{Port}, so this test "
                    + "starts the API there. Stop whatever listens on it (a `dotnet run` of the API, say) and run the test again.", e);
            }
            catch (SocketException) when (address.Equals(IPAddress.IPv6Loopback))
            {
                // No IPv6 loopback on this machine: localhost is 127.0.0.1 only.
            }
        }
    }

    [GeneratedRegex(@"```powershell\n(?<script>.*?)```\n<!-- powershell-example: (?<name>[\w-]+) -->", RegexOptions.Singleline)]
    private static partial Regex MarkedBlock();

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        database.Dispose();
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
            // The OS temp cleaner takes it.
        }
    }
}

/// <summary>The tests that run the docs' examples on their fixed address run one after another.</summary>
[CollectionDefinition(nameof(ReadmeAddress))]
public sealed class ReadmeAddress;
