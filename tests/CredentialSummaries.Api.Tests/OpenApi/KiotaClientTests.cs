using System.Net;
using System.Text.Json.Nodes;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.OpenApi;

/// <summary>
/// The served document is true to the wire as Microsoft's own SDK generator reads it: Kiota (the
/// <c>microsoft.openapi.kiota</c> tool in .config/dotnet-tools.json) generates a C# client from the document the
/// running app serves, without a warning; a small console harness (OpenApi/KiotaHarness) compiled against it creates,
/// patches (reading the returned entity), pages through 250 summaries by the typed next link, and reads a typed 404.
/// </summary>
public sealed class KiotaClientTests : IAsyncLifetime
{
    private static readonly string HarnessSources =
        Path.Combine(ExternalTool.RepositoryRoot, "tests", "CredentialSummaries.Api.Tests", "OpenApi", "KiotaHarness");

    private DevelopmentApiProcess? app;

    public async Task InitializeAsync() => app = await DevelopmentApiProcess.StartAsync("kiota-");

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_kiota_client_generated_from_the_served_document_creates_patches_pages_and_reads_a_typed_404()
    {
        var server = app!.Api;
        var token = app.Token(Guid.NewGuid().ToString(), GraphApi.ReadWrite);

        // The document as a developer gets it: anonymously, from the running instance.
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var documentPath = Path.Combine(app!.Work.FullName, "openapi.json");
        using (var response = await http.GetAsync("/v1.0/openapi.json"))
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            var text = await response.Content.ReadAsStringAsync();
            ((string?)JsonNode.Parse(text)!["servers"]![0]!["url"]).Should().Be($"http://127.0.0.1:{server.Port}/v1.0");
            await File.WriteAllTextAsync(documentPath, text);
        }

        var harness = Directory.CreateDirectory(Path.Combine(app!.Work.FullName, "harness")).FullName;
        await RunAsync("dotnet tool restore", ExternalTool.DotnetHost(), ["tool", "restore"], ExternalTool.RepositoryRoot, TimeSpan.FromMinutes(3));
        var (_, generated, _) = await RunAsync("kiota generate", ExternalTool.DotnetHost(),
            ["tool", "run", "kiota", "generate", "-l", "CSharp", "-d", documentPath, "-o", Path.Combine(harness, "Client"),
             "-c", "GraphClient", "-n", "Summaries.Client", "--exclude-backward-compatible", "--clean-output", "--log-level", "Warning"],
            ExternalTool.RepositoryRoot, TimeSpan.FromMinutes(3));
        generated.Should().NotContainEquivalentOf("warn", "Kiota's warnings about a document are where it lies")
            .And.NotContainEquivalentOf("fail").And.Contain($"Client base url set to http://127.0.0.1:{server.Port}/v1.0");

        File.Copy(Path.Combine(HarnessSources, "Harness.csproj.txt"), Path.Combine(harness, "Harness.csproj"));
        File.Copy(Path.Combine(HarnessSources, "Program.cs.txt"), Path.Combine(harness, "Program.cs"));
        await RunAsync("dotnet build (the harness)", ExternalTool.DotnetHost(), ["build", "-nologo", "-v", "q", "-c", "Release"], harness, TimeSpan.FromMinutes(5));
        var (_, output, _) = await RunAsync("the harness", ExternalTool.DotnetHost(),
            [Path.Combine(harness, "bin", "Release", "net10.0", "Harness.dll"), token], harness, TimeSpan.FromMinutes(3));

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToDictionary(line => line.Split(' ')[0], line => line.Split(' ').Skip(1).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]));
        var created = lines["created"];
        created["type"].Should().Be(GraphApi.ODataType, "the created entity carries @odata.type, typed");
        created["etag"].Should().MatchRegex("^(W/)?\"[^\"]+\"$", "the entity carries @odata.etag, typed");
        created["name"].Should().Be("Contoso");
        var patched = lines["patched"];
        patched["id"].Should().Be(created["id"], "PATCH answers 200 with the entity, which the client reads");
        patched["name"].Should().Be("Fabrikam");
        patched["total"].Should().Be("200", "the returned entity is the whole summary, not only what was sent");
        patched["etagChanged"].Should().Be("True");
        lines["paged"].Should().BeEquivalentTo(new Dictionary<string, string> { ["summaries"] = "250", ["pages"] = "3", ["count"] = "250" },
            "the typed @odata.nextLink leads through 3 pages of 100, and @odata.count is read as an integer");
        var missing = lines["missing"];
        missing["status"].Should().Be("404");
        missing["code"].Should().Be("ResourceNotFound");
        missing["request-id"].Should().MatchRegex("^[0-9a-f-]{36}$").And.Be(missing["header-request-id"], "innerError's request-id is the response header's");
        missing["date"].Should().MatchRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$");
    }

    private async Task<(int ExitCode, string Output, string Errors)> RunAsync(
        string what, string fileName, string[] arguments, string directory, TimeSpan timeout)
    {
        var result = await ExternalTool.RunAsync(fileName, arguments, timeout, directory, new Dictionary<string, string?>
        {
            // Offline: no look-up of a newer Kiota on GitHub (its failure would read as a warning).
            ["KIOTA_UPDATE_DISABLED"] = "true",
            ["KIOTA_OFFLINE_ENABLED"] = "true",
        });
        result.ExitCode.Should().Be(0, $"{what} wrote:\n{result.Output}\n{result.Errors}\n{app?.Api.Transcript}");
        return result;
    }
}
