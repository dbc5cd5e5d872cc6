using CredentialSummaries.Api.OpenApi;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.OpenApi;

/// <summary>Each operation of the OpenAPI document, called as documented with a token, is answered with a 2xx.</summary>
public sealed class OpenApiOperationTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    [Fact]
    public async Task Every_operation_in_the_document_is_answered_by_the_service()
    {
        var tenant = new TestTenant(factory);
        var document = OpenApiDocumentEndpoint.Document;
        var properties = document["components"]!["parameters"]!["property"]!["schema"]!["enum"]!.AsArray().Select(p => (string)p!).ToArray();
        var called = new List<string>();

        foreach (var (template, pathItem) in document["paths"]!.AsObject())
        {
            foreach (var (method, _) in pathItem!.AsObject().Where(o => o.Key != "parameters"))
            {
                foreach (var property in template.Contains("{property}", StringComparison.Ordinal) ? properties : [""])
                {
                    // A fresh summary with every property set, so that a 404 can only mean a missing route.
                    var id = (await tenant.Writer.CreateAsync(FullBody())).Id();
                    var url = "/v1.0" + template.Replace("{id}", id, StringComparison.Ordinal).Replace("{property}", property, StringComparison.Ordinal);
                    using var request = GraphApi.Request(new HttpMethod(method.ToUpperInvariant()), url, BodyFor(template, method));
                    using var response = await tenant.Writer.SendAsync(request);

                    var text = await response.Content.ReadAsStringAsync();
                    ((int)response.StatusCode).Should().BeInRange(200, 299, $"{method.ToUpperInvariant()} {url} is in the document: {text}");
                    called.Add($"{method} {template}");
                }
            }
        }

        called.Distinct().Should().HaveCount(9, "the document has nine operations");
    }

    /// <summary>A value of each query option the document lists; a new option without one here fails the test below.</summary>
    private static readonly Dictionary<string, string> QueryOptionSamples = new()
    {
        ["$top"] = "2",
        ["$skip"] = "1",
        ["$search"] = "\"contoso\"",
        ["$filter"] = "totalUserCount gt 100",
        ["$count"] = "true",
        ["$orderby"] = "tenantDisplayName desc",
        ["$select"] = "tenantDisplayName,totalUserCount",
    };

    [Fact]
    public async Task Every_documented_query_option_is_accepted_where_the_document_lists_it()
    {
        var tenant = new TestTenant(factory);
        var id = (await tenant.Writer.CreateAsync(FullBody())).Id();
        var document = OpenApiDocumentEndpoint.Document;
        var parameters = document["components"]!["parameters"]!.AsObject();
        var tried = new List<string>();

        foreach (var (template, pathItem) in document["paths"]!.AsObject())
        {
            if (pathItem!["get"] is not { } get || template.Contains("{property}", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var parameter in get["parameters"]?.AsArray() ?? [])
            {
                var resolved = parameter!["$ref"] is { } reference ? parameters[((string)reference!).Split('/')[^1]]! : parameter;
                if ((string?)resolved["in"] != "query")
                {
                    continue;
                }

                var name = (string)resolved["name"]!;
                QueryOptionSamples.Should().ContainKey(name, $"the document lists {name} on GET {template}: give it a sample to try");
                var url = $"/v1.0{template.Replace("{id}", id, StringComparison.Ordinal)}?{name}={Uri.EscapeDataString(QueryOptionSamples[name])}";
                using var response = await tenant.Reader.GetAsync(url);

                response.StatusCode.Should().Be(System.Net.HttpStatusCode.OK, $"GET {url}: {await response.Content.ReadAsStringAsync()}");
                tried.Add(name);
            }
        }

        tried.Distinct().Should().BeEquivalentTo(QueryOptionSamples.Keys, "every sample is of an option the document lists");
    }

    private static Dictionary<string, object?> FullBody()
    {
        var body = GraphApi.SeedBody();
        body["tenantLicenseType"] = "Microsoft 365 Business Premium";
        body["mfaExcludedUserCount"] = 3;
        return body;
    }

    private static object? BodyFor(string template, string method) => (template, method) switch
    {
        (OpenApiDrift.EntityPath, "post") => FullBody(),
        (_, "patch") => new Dictionary<string, object?> { ["tenantDisplayName"] = "Fabrikam" },
        ("/$batch", _) => new { requests = new[] { new { id = "1", method = "GET", url = OpenApiDrift.EntityPath } } },
        _ => null,
    };
}
