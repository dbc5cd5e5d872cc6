using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Edm;

/// <summary>
/// The OASIS odata-openapi converter (npm), run on the real <c>$metadata</c>, emits exactly the operations the service
/// has: the capabilities annotations are what tell it so.
/// </summary>
public sealed class OpenApiGenerationTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private const string ConverterPackage = "odata-openapi@0.29.0";
    private static readonly string ToolFolder = Path.Combine(ExternalTool.RepositoryRoot, ".ci", "node");
    private static readonly string Converter = Path.Combine(ToolFolder, "node_modules", ".bin", "odata-openapi3");

    [Fact]
    public async Task The_odata_openapi_converter_emits_exactly_the_services_operations_in_key_as_segment_form()
    {
        await EnsureConverterAsync();
        var directory = Directory.CreateTempSubdirectory("openapi-");
        var metadata = Path.Combine(directory.FullName, "metadata.xml");
        using (var response = await factory.ClientFor(token: null).GetAsync($"{GraphApi.V1Root}/$metadata"))
        {
            await File.WriteAllBytesAsync(metadata, await response.Content.ReadAsByteArrayAsync());
        }

        var (exitCode, output, errors) = await ExternalTool.RunAsync(
            Converter, ["-p", "--basePath", GraphApi.V1Root, metadata], TimeSpan.FromSeconds(60), directory.FullName);

        exitCode.Should().Be(0, $"the converter wrote:\n{output}\n{errors}");
        using var openApi = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory.FullName, "metadata.openapi3.json")));
        var operations = openApi.RootElement.GetProperty("paths").EnumerateObject().ToDictionary(
            path => path.Name,
            path => path.Value.EnumerateObject().Select(o => o.Name).Where(IsHttpMethod).Order(StringComparer.Ordinal).ToArray());
        operations.Should().BeEquivalentTo(new Dictionary<string, string[]>
        {
            ["/credentialUserRegistrationsSummaries"] = ["get", "post"],
            ["/credentialUserRegistrationsSummaries/{id}"] = ["delete", "get", "patch"],
            ["/credentialUserRegistrationsSummaries/microsoft.graph.delta()"] = ["get"],
            ["/$batch"] = ["post"],
            // The history: read-only, so the annotations leave only its reads.
            ["/credentialUserRegistrationsSummarySnapshots"] = ["get"],
            ["/credentialUserRegistrationsSummarySnapshots/{id}"] = ["get"],
            // The collector's statuses (issue 20): read-only too.
            ["/tenantCollectionStatuses"] = ["get"],
            ["/tenantCollectionStatuses/{id}"] = ["get"],
        });
        var listParameters = openApi.RootElement.GetProperty("paths").GetProperty("/credentialUserRegistrationsSummaries").GetProperty("get")
            .GetProperty("parameters").EnumerateArray().Select(p => p.TryGetProperty("$ref", out var r) ? r.GetString()!.Split('/')[^1] : p.GetProperty("name").GetString()!);
        listParameters.Should().NotContain(p => p.Contains("expand", StringComparison.OrdinalIgnoreCase), "nothing can be expanded");
        directory.Delete(recursive: true);
    }

    private static bool IsHttpMethod(string name) => name is "get" or "post" or "put" or "patch" or "delete";

    /// <summary>.ci/run installs the converter; a developer's first run installs it the same way.</summary>
    private static async Task EnsureConverterAsync()
    {
        if (File.Exists(Converter))
        {
            return;
        }

        var (exitCode, output, errors) = await ExternalTool.RunAsync(
            "npm", ["install", "--prefix", ToolFolder, ConverterPackage, "--no-audit", "--no-fund"], TimeSpan.FromSeconds(180));
        exitCode.Should().Be(0, $"npm install {ConverterPackage} wrote:\n{output}\n{errors}");
    }
}
