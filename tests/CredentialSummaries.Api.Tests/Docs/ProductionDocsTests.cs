using System.Net;
using System.Text.RegularExpressions;
using CredentialSummaries.Api.Tests.Fixtures;
using CredentialSummaries.Api.Tests.Hosting;

namespace CredentialSummaries.Api.Tests.Docs;

/// <summary>
/// docs/production.md, "Run in production": its two code blocks (publish, then start) run with bash as written, only their
/// placeholders replaced, and what starts is really Production: the log says so, a real <c>dotnet user-jwts</c> token
/// is a 401, <c>$metadata</c> answers anonymously, and without <c>AzureAd__ClientId</c> it stops with exit code 1.
/// </summary>
public sealed partial class ProductionDocsTests : IDisposable
{
    private const string Page = "docs/production.md";
    private const string Section = "## Run in production";
    private const string AppIdPlaceholder = "<api app id>";
    private const string DatabasePlaceholder = "/var/lib/credentialsummaries/summaries.db";
    private const string PublishDirectoryPlaceholder = "/opt/credentialsummaries";
    private const string PortPlaceholder = ":8080";
    private const string ClientIdSetting = "AzureAd__ClientId=" + AppIdPlaceholder + " ";

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    /// <summary>
    /// MSBuild's reused nodes and build server outlive <c>dotnet publish</c> holding its output pipes open, so that
    /// reading its output would wait for them; these switches change how the command builds, not what it builds.
    /// </summary>
    private static readonly Dictionary<string, string?> NoLingeringBuildProcesses = new()
    {
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
    };

    private readonly string directory = Path.Combine(Path.GetTempPath(), "credentialsummaries-tests", Guid.NewGuid().ToString("N"));
    private readonly string tenantId = Guid.NewGuid().ToString();

    [Fact]
    public async Task The_documented_production_commands_start_Production_which_refuses_user_jwts_tokens_and_requires_AzureAd_ClientId()
    {
        var (publish, start) = DocumentedBlocks();
        start.Should().Contain(ClientIdSetting, "the test removes exactly this to show the start-up check");
        Directory.CreateDirectory(directory);

        var (publishExit, publishOutput, publishErrors) = await ExternalTool.RunAsync(
            "bash", ["-c", Substitute(publish, port: 0)], PublishTimeout, ExternalTool.RepositoryRoot, NoLingeringBuildProcesses);
        publishExit.Should().Be(0, $"the documented publish command failed:\n{publishOutput}\n{publishErrors}");

        var port = ApiProcess.FreeLoopbackPort();
        await using (var api = ApiProcess.Start("bash", ["-c", Substitute(start, port)], new Dictionary<string, string?>(), ExternalTool.RepositoryRoot, port))
        {
            await api.WaitUntilAnsweringAsync(StartTimeout);
            api.Output.Should().Contain("Hosting environment: Production", api.Transcript);

            // A real token, made in a HOME of its own so as not to race other tests over the developer's user secrets.
            var userJwtsHome = Path.Combine(directory, "home");
            Directory.CreateDirectory(userJwtsHome);
            var token = await UserJwtsTool.CreateAsync(
                new Dictionary<string, string?> { ["HOME"] = userJwtsHome }, "--scope", GraphApi.ReadWrite, "--claim", $"tid={tenantId}");
            using var client = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            using var anonymousMetadata = await client.GetAsync($"{GraphApi.V1Root}/$metadata");
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
            using var list = await client.GetAsync(GraphApi.Summaries);
            using var post = await client.PostAsync(GraphApi.Summaries, GraphApi.SeedBody());

            anonymousMetadata.StatusCode.Should().Be(HttpStatusCode.OK);
            foreach (var refused in new[] { list, post })
            {
                await refused.ShouldBeGraphErrorAsync(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "Access token validation failure");
                refused.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().Contain("Bearer");
            }

            api.Transcript.Should().NotContain("Unable to retrieve document",
                "a dotnet user-jwts token is refused without fetching Entra ID's keys (the test stays on loopback)");
        }

        var withoutClientId = Substitute(start.Replace(ClientIdSetting, "", StringComparison.Ordinal), ApiProcess.FreeLoopbackPort());
        await using (var api = ApiProcess.Start("bash", ["-c", withoutClientId], new Dictionary<string, string?>(), ExternalTool.RepositoryRoot, 0))
        {
            (await api.WaitForExitAsync(StartTimeout)).Should().Be(1, api.Transcript);
            api.Errors.Should().Contain("'AzureAd:ClientId' is missing").And.Contain("Example: AzureAd__ClientId=");
            ConfigurationErrorProcessTests.ShouldHaveNoStackTrace(api);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // The OS temp cleaner takes it.
        }
    }

    /// <summary>The first two <c>bash</c> blocks of the page's "Run in production" section: publish, then start.</summary>
    private static (string Publish, string Start) DocumentedBlocks()
    {
        var page = File.ReadAllText(Path.Combine(ExternalTool.RepositoryRoot, Page)).ReplaceLineEndings("\n");
        var at = page.IndexOf("\n" + Section + "\n", StringComparison.Ordinal);
        at.Should().BeGreaterThan(0, $"{Page} has a section '{Section}'");
        var end = page.IndexOf("\n## ", at + Section.Length + 1, StringComparison.Ordinal);
        var section = end < 0 ? page[at..] : page[at..end];

        var blocks = BashBlock().Matches(section).Select(m => m.Groups["code"].Value).ToArray();
        blocks.Should().HaveCountGreaterThanOrEqualTo(2, "the section shows the publish command, then the start command");
        blocks[0].Should().Contain("dotnet publish").And.Contain(PublishDirectoryPlaceholder);
        blocks[1].Should().ContainAll(PublishDirectoryPlaceholder, AppIdPlaceholder, DatabasePlaceholder, PortPlaceholder, "ASPNETCORE_ENVIRONMENT=Production");
        return (blocks[0], blocks[1]);
    }

    /// <summary>Only the placeholders change: app id, database path, publish folder and port.</summary>
    private string Substitute(string block, int port) => block
        .Replace(AppIdPlaceholder, TokenMinter.ClientId, StringComparison.Ordinal)
        .Replace(DatabasePlaceholder, Path.Combine(directory, "data", "summaries.db"), StringComparison.Ordinal)
        .Replace(PublishDirectoryPlaceholder, Path.Combine(directory, "publish"), StringComparison.Ordinal)
        .Replace(PortPlaceholder, $":{port}", StringComparison.Ordinal);

    [GeneratedRegex(@"```bash\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();
}
