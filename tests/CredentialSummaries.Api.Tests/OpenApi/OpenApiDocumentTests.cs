using System.Net;
using System.Text.Json.Nodes;
using CredentialSummaries.Api.OpenApi;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OData.Edm;

namespace CredentialSummaries.Api.Tests.OpenApi;

/// <summary>
/// docs/openapi.md, "OpenAPI document": <c>{root}/openapi.json</c> is served anonymously, names the instance it was read from,
/// is the committed file, and stays true to <c>$metadata</c> and to the routes the service has. Nothing here reads
/// the store (OpenApiOperationTests calls each documented operation on both stores).
/// </summary>
public sealed class OpenApiDocumentTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private static readonly string CommittedPath =
        Path.Combine(ExternalTool.RepositoryRoot, "src", "CredentialSummaries.Api", "OpenApi", "openapi.json");

    public static TheoryData<string> Roots => new() { "/v1.0", "/beta" };

    [Theory]
    [MemberData(nameof(Roots))]
    public async Task The_document_is_served_anonymously_with_a_server_of_the_requests_own_scheme_host_port_and_root(string root)
    {
        using var client = factory.ClientFor(token: null);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{root}/openapi.json");
        request.Headers.Host = "summaries.contoso.test:8443";

        using var response = await client.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        response.Headers.CacheControl!.Public.Should().BeTrue();
        response.Headers.CacheControl.MaxAge.Should().Be(TimeSpan.FromMinutes(5));
        response.Headers.ETag.Should().NotBeNull();
        response.Headers.GetValues("request-id").Single().Should().NotBeNullOrEmpty("it passes the request-id middleware");
        var document = JsonNode.Parse(text)!.AsObject();
        ((string?)document["openapi"]).Should().StartWith("3.");
        document["servers"]!.AsArray().Select(s => (string?)s!["url"]).Should().Equal($"http://summaries.contoso.test:8443{root}");
    }

    [Fact]
    public async Task The_server_follows_the_request_the_default_host_and_a_bad_token_changes_nothing()
    {
        using var client = factory.ClientFor("not.a.jwt");

        using var response = await client.GetAsync("/beta/openapi.json");

        response.StatusCode.Should().Be(HttpStatusCode.OK, "the document is public, whatever the token");
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        ((string?)document["servers"]![0]!["url"]).Should().Be($"{client.BaseAddress!.GetLeftPart(UriPartial.Authority)}/beta");
    }

    [Fact]
    public async Task The_etag_answers_a_revalidation_with_304_and_no_body()
    {
        using var client = factory.ClientFor(token: null);
        using var first = await client.GetAsync("/v1.0/openapi.json");
        var etag = first.Headers.ETag!.Tag;

        using var again = new HttpRequestMessage(HttpMethod.Get, "/v1.0/openapi.json");
        again.Headers.TryAddWithoutValidation("If-None-Match", etag);
        using var response = await client.SendAsync(again);

        response.StatusCode.Should().Be(HttpStatusCode.NotModified);
        (await response.Content.ReadAsByteArrayAsync()).Should().BeEmpty();
        response.Headers.ETag!.Tag.Should().Be(etag);
    }

    [Fact]
    public async Task The_served_document_is_the_committed_file_but_for_its_servers()
    {
        using var client = factory.ClientFor(token: null);
        var served = JsonNode.Parse(await client.GetStringAsync("/v1.0/openapi.json"))!.AsObject();
        var committed = JsonNode.Parse(await File.ReadAllTextAsync(CommittedPath))!.AsObject();

        served.Remove("servers");
        committed.Remove("servers");

        JsonNode.DeepEquals(served, committed).Should().BeTrue("the app embeds OpenApi/openapi.json and changes only servers");
    }

    [Theory]
    [MemberData(nameof(Roots))]
    public async Task The_entity_schema_and_key_match_metadata(string root)
    {
        using var client = factory.ClientFor(token: null);
        var model = await client.ReadCsdlXmlAsync($"{root}/tenantRelationships/managedTenants");
        var document = JsonNode.Parse(await client.GetStringAsync($"{root}/openapi.json"))!.AsObject();

        OpenApiDrift.Differences(EntityType(model), document).Should().BeEmpty();
    }

    [Fact]
    public async Task The_drift_comparer_names_each_kind_of_drift_on_a_mutated_copy()
    {
        using var client = factory.ClientFor(token: null);
        var entityType = EntityType(await client.ReadCsdlXmlAsync(GraphApi.V1Root));
        var document = OpenApiDocumentEndpoint.Document;
        var properties = document["components"]!["schemas"]![OpenApiDrift.EntitySchema]!["properties"]!.AsObject();

        properties.Remove("totalUserCount");
        properties["ssprEnabledUserCount"]!["format"] = "int64";
        properties["tenantDisplayName"]!["nullable"] = true;
        properties["lastRefreshedDateTime"]!["type"] = "integer";
        properties["riskyUserCount"] = new JsonObject { ["type"] = "integer" };
        var paths = document["paths"]!.AsObject();
        var item = paths[$"{OpenApiDrift.EntityPath}/{{id}}"]!.DeepClone();
        paths.Remove($"{OpenApiDrift.EntityPath}/{{id}}");
        paths[$"{OpenApiDrift.EntityPath}/{{tenantId}}"] = item;

        OpenApiDrift.Differences(entityType, document).Should().BeEquivalentTo(
            "'totalUserCount' is in $metadata but not in the schema",
            "'ssprEnabledUserCount' is Edm.Int32 in $metadata, so format 'int32', but the schema says 'int64'",
            "'tenantDisplayName' is Nullable=false in $metadata but the schema says nullable: true",
            "'lastRefreshedDateTime' is Edm.DateTimeOffset in $metadata, so type 'string', but the schema says 'integer'",
            "'riskyUserCount' is in the schema but not in $metadata",
            $"the key is (id) in $metadata but the document has no path '{OpenApiDrift.EntityPath}/{{id}}'");
        OpenApiDrift.Differences(entityType, OpenApiDocumentEndpoint.Document).Should().BeEmpty("the mutations were on a copy");
    }

    [Fact]
    public void Every_route_of_the_entity_set_is_in_the_document_in_key_as_segment_form()
    {
        var document = OpenApiDocumentEndpoint.Document;
        var documented = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Where(o => o.Key != "parameters").Select(o => $"{o.Key.ToUpperInvariant()} {p.Key}"))
            .ToHashSet();
        var properties = document["components"]!["parameters"]!["property"]!["schema"]!["enum"]!.AsArray().Select(p => (string)p!).ToHashSet();
        const string root = "v1.0";

        var routes = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Pattern: e.RoutePattern.RawText ?? "", Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(r => r.Pattern.StartsWith(root + OpenApiDrift.EntityPath, StringComparison.Ordinal))
            // The parenthesised key, credentialUserRegistrationsSummaries('{id}'), is OData's other spelling of the same routes,
            // as the namespace-qualified delta function, …/microsoft.graph.delta(), is of …/delta(); the alternate key,
            // (tenantId={tenantId}), is a route of its own.
            .Where(r => !r.Pattern.Contains("({key})", StringComparison.Ordinal) && !r.Pattern.Contains("/microsoft.graph.", StringComparison.Ordinal))
            .SelectMany(r => r.Methods.Select(m => $"{m} {Normalize(r.Pattern[root.Length..], properties)}"))
            .ToHashSet();

        routes.Should().NotBeEmpty();
        routes.Should().BeSubsetOf(documented);
        documented.Where(o => o.Contains("credentialUserRegistrationsSummaries", StringComparison.Ordinal)).Should().BeSubsetOf(routes);
    }

    private const string AlternateKeyRoute = "(tenantId={tenantId})";

    private static string Normalize(string path, HashSet<string> properties) => string.Join('/', path.Split('/').Select(segment => segment switch
    {
        "{key}" => "{id}",
        _ when segment.EndsWith(AlternateKeyRoute, StringComparison.Ordinal) => segment.Replace(AlternateKeyRoute, "(tenantId='{tenantId}')", StringComparison.Ordinal),
        _ when properties.Contains(segment) => "{property}",
        _ => segment,
    }));

    private static IEdmEntityType EntityType(IEdmModel model) =>
        model.SchemaElements.OfType<IEdmEntityType>().Single(t => t.Name == "credentialUserRegistrationsSummary");
}
