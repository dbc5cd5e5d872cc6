using System.Globalization;
using System.Text.Json.Nodes;
using CredentialSummaries.Api.Model;
using CredentialSummaries.Api.OpenApi;
using CredentialSummaries.Api.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.OpenApi;

/// <summary>
/// Each operation of the OpenAPI document, called as documented with a token, is answered with a 2xx the document
/// describes: status, headers, content type and the body's properties.
/// </summary>
public sealed class OpenApiOperationTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private const string ODataBatchPath = "/tenantRelationships/managedTenants/$batch";
    private const string SnapshotsPath = "/tenantRelationships/managedTenants/credentialUserRegistrationsSummarySnapshots";
    private const string CollectionStatusesPath = "/tenantRelationships/managedTenants/tenantCollectionStatuses";

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
                    // Writes both ways: the default (the entity) and Prefer: return=minimal (204), each documented.
                    // By the alternate key, a PATCH is also tried as the upsert that creates (Prefer: create-if-missing).
                    var prefers = (method, template) switch
                    {
                        ("patch", _) when template.Contains("{tenantId}", StringComparison.Ordinal) => new[] { "", "return=minimal", "create-if-missing" },
                        ("post" or "patch", _) when template.StartsWith(OpenApiDrift.EntityPath, StringComparison.Ordinal) => ["", "return=minimal"],
                        _ => [""],
                    };
                    foreach (var prefer in prefers)
                    {
                        // A fresh summary with every property set, so that a 404 can only mean a missing route.
                        var created = await tenant.Writer.CreateAsync(FullBody());
                        var id = template.StartsWith(SnapshotsPath, StringComparison.Ordinal) ? await SnapshotIdAsync(tenant, created.Id())
                            : template.StartsWith(CollectionStatusesPath, StringComparison.Ordinal) ? await CollectionStatusIdAsync(tenant) : created.Id();
                        var tenantId = prefer == "create-if-missing" ? Guid.NewGuid().ToString() : created.GetProperty("tenantId").GetString()!;
                        var url = "/v1.0" + template.Replace("{id}", id, StringComparison.Ordinal)
                            .Replace("{tenantId}", tenantId, StringComparison.Ordinal).Replace("{property}", property, StringComparison.Ordinal);
                        using var request = GraphApi.Request(new HttpMethod(method.ToUpperInvariant()), url, BodyFor(template, method));
                        if (template == ODataBatchPath)
                        {
                            request.Content = ODataBatch.Multipart(new MultipartRequest("GET", "credentialUserRegistrationsSummaries/$count"));
                        }
                        if (prefer.Length > 0)
                        {
                            request.Headers.TryAddWithoutValidation("Prefer", prefer);
                        }

                        using var response = await tenant.Writer.SendAsync(request);

                        var text = await response.Content.ReadAsStringAsync();
                        var what = $"{method.ToUpperInvariant()} {url} {prefer} is in the document: {(int)response.StatusCode} {text}";
                        ((int)response.StatusCode).Should().BeInRange(200, 299, what);
                        ShouldBeAsDocumented(document, pathItem[method]!, response, text, what);
                        called.Add($"{method} {template}");
                    }
                }
            }
        }

        called.Distinct().Should().HaveCount(18, "the document has eighteen operations");
        called.Should().HaveCount(18 + 2 + (2 * properties.Length), "writes are tried both ways (the upsert three ways) and each property is read");
    }

    [Fact]
    public async Task An_error_is_the_documented_graph_error_with_innerError()
    {
        var tenant = new TestTenant(factory);
        var document = OpenApiDocumentEndpoint.Document;
        var schemas = document["components"]!["schemas"]!;
        var get = document["paths"]![$"{OpenApiDrift.EntityPath}/{{id}}"]!["get"]!;
        ((string?)get["responses"]!["4XX"]!["$ref"]).Should().Be("#/components/responses/error");

        using var response = await tenant.Reader.GetAsync($"/v1.0{OpenApiDrift.EntityPath}/no-such-summary");

        var error = await response.ShouldBeGraphErrorAsync(System.Net.HttpStatusCode.NotFound, "ResourceNotFound");
        var documented = document["components"]!["responses"]!["error"]!;
        documented["headers"]!.AsObject().Select(h => h.Key).Should().BeSubsetOf(response.Headers.Select(h => h.Key.ToLowerInvariant()));
        ((string?)documented["content"]!["application/json"]!["schema"]!["$ref"]).Should().Be("#/components/schemas/microsoft.graph.ODataErrors.ODataError");
        var mainError = schemas["microsoft.graph.ODataErrors.MainError"]!["properties"]!.AsObject();
        error.EnumerateObject().Select(p => p.Name).Should().BeSubsetOf(mainError.Select(p => p.Key)).And.Contain("innerError");
        var innerError = schemas["microsoft.graph.ODataErrors.InnerError"]!;
        error.GetProperty("innerError").EnumerateObject().Select(p => p.Name)
            .Should().BeEquivalentTo(innerError["required"]!.AsArray().Select(n => (string)n!), "innerError is exactly request-id, date and client-request-id")
            .And.BeEquivalentTo(innerError["properties"]!.AsObject().Select(p => p.Key));
    }

    /// <summary>
    /// The answer is one the document describes: its status is listed, with every header listed for it, a content type
    /// it lists, and a JSON body with no property its schema lacks (in the entities of a collection too).
    /// </summary>
    private static void ShouldBeAsDocumented(JsonObject document, JsonNode operation, HttpResponseMessage response, string text, string what)
    {
        var documented = operation["responses"]![((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)];
        documented.Should().NotBeNull($"the status is documented: {what}");
        foreach (var (header, _) in documented!["headers"]?.AsObject() ?? [])
        {
            // Preference-Applied and OData-EntityId answer a Prefer header, which only some calls send.
            var conditional = header is "Preference-Applied" or "OData-EntityId" && !response.RequestMessage!.Headers.Contains("Prefer");
            var sent = response.Headers.Contains(header) || response.Content.Headers.Contains(header);
            if (!conditional)
            {
                sent.Should().BeTrue($"the document lists the {header} header: {what}");
            }
        }

        if (documented["content"] is not JsonObject content)
        {
            text.Should().BeEmpty($"the document lists no body: {what}");
            return;
        }

        var mediaType = response.Content.Headers.ContentType!.MediaType!;
        content.Select(c => c.Key).Should().Contain(mediaType, what);
        if (mediaType == "application/json" && Resolve(document, content[mediaType]!["schema"]!) is { } schema)
        {
            ShouldHaveOnlyDocumentedProperties(document, schema, JsonNode.Parse(text)!.AsObject(), what);
        }
    }

    private static void ShouldHaveOnlyDocumentedProperties(JsonObject document, JsonNode schema, JsonObject body, string what)
    {
        var properties = Properties(document, schema);
        body.Select(p => p.Key).Should().BeSubsetOf(properties.Select(p => p.Key), $"the schema has every property sent: {what}");
        if (body["value"] is JsonArray items && Resolve(document, properties.Single(p => p.Key == "value").Value!["items"]) is { } itemSchema)
        {
            foreach (var item in items)
            {
                ShouldHaveOnlyDocumentedProperties(document, itemSchema, item!.AsObject(), what);
            }
        }
    }

    /// <summary>A schema's properties, with those of every schema it is made of (allOf: a delta item is the entity and @removed).</summary>
    private static List<KeyValuePair<string, JsonNode?>> Properties(JsonObject document, JsonNode schema) =>
        [.. schema["properties"]?.AsObject() ?? [],
            .. (schema["allOf"]?.AsArray() ?? []).SelectMany(part => Properties(document, Resolve(document, part)!))];

    private static JsonNode? Resolve(JsonObject document, JsonNode? schema) =>
        schema?["$ref"] is { } reference ? document["components"]!["schemas"]![((string)reference!).Split('/')[^1]] : schema;

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
        ["$deltatoken"] = "latest",
        ["$apply"] = "groupby((tenantId),aggregate(totalUserCount with max as largestTotalUserCount))",
    };

    /// <summary>The collection statuses' own properties for the samples that name the summaries'.</summary>
    private static readonly Dictionary<string, string> CollectionStatusSamples = new()
    {
        ["$filter"] = "lastUserCount gt 100",
        ["$select"] = "tenantDisplayName,lastOutcome,lastUserCount",
    };

    [Fact]
    public async Task Every_documented_query_option_is_accepted_where_the_document_lists_it()
    {
        var tenant = new TestTenant(factory);
        var created = await tenant.Writer.CreateAsync(FullBody());
        var (summaryId, tenantId) = (created.Id(), created.GetProperty("tenantId").GetString()!);
        var snapshotId = await SnapshotIdAsync(tenant, summaryId);
        var statusId = await CollectionStatusIdAsync(tenant);
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
                var statuses = template.StartsWith(CollectionStatusesPath, StringComparison.Ordinal);
                var id = template.StartsWith(SnapshotsPath, StringComparison.Ordinal) ? snapshotId : statuses ? statusId : summaryId;
                var sample = statuses ? CollectionStatusSamples.GetValueOrDefault(name, QueryOptionSamples[name]) : QueryOptionSamples[name];
                var url = $"/v1.0{template.Replace("{id}", id, StringComparison.Ordinal).Replace("{tenantId}", tenantId, StringComparison.Ordinal)}?{name}={Uri.EscapeDataString(sample)}";
                using var response = await tenant.Reader.GetAsync(url);

                response.StatusCode.Should().Be(System.Net.HttpStatusCode.OK, $"GET {url}: {await response.Content.ReadAsStringAsync()}");
                tried.Add(name);
            }
        }

        tried.Distinct().Should().BeEquivalentTo(QueryOptionSamples.Keys, "every sample is of an option the document lists");
    }

    /// <summary>A managed tenant's status as the built-in collector records it, for the tenant as its owner (a new one each call).</summary>
    private async Task<string> CollectionStatusIdAsync(TestTenant tenant)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<SummariesDbContext>>().CreateDbContextAsync();
        var managed = Guid.NewGuid().ToString();
        db.CollectionStatuses.Add(new TenantCollectionStatus
        {
            OwnerTenantId = tenant.Id, Id = managed, TenantId = managed, TenantDisplayName = "Contoso", LastOutcome = CollectionOutcomes.Collected,
            LastAttemptDateTime = DateTime.UtcNow, LastCompletedDateTime = DateTime.UtcNow, LastCollectedDateTime = DateTime.UtcNow,
            LastDurationMilliseconds = 1200, LastUserCount = 250,
        });
        await db.SaveChangesAsync();
        return managed;
    }

    /// <summary>The id of the snapshot the summary's create recorded.</summary>
    private static async Task<string> SnapshotIdAsync(TestTenant tenant, string summaryId)
    {
        using var response = await tenant.Reader.GetAsync($"/v1.0{SnapshotsPath}?$filter=summaryId eq '{summaryId}'&$select=id");
        var json = await response.ReadJsonAsync();
        return json.GetProperty("value").EnumerateArray().Single().Id();
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
