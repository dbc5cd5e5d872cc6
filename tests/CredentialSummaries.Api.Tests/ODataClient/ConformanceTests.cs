using System.Net;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.ODataClient;

/// <summary>The OData 4.01 conformance rows of docs/conformance.md that no feature-specific test already proves.</summary>
public sealed class ConformanceTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private readonly TestTenant tenant = new(factory);

    [Fact]
    public async Task The_service_document_lists_the_entity_set_anonymously()
    {
        using var response = await factory.ClientFor(token: null).GetAsync($"{GraphApi.V1Root}/");

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.GetValues("OData-Version").Should().Equal("4.0");
        json.GetProperty("@odata.context").GetString().Should().Be($"http://localhost{GraphApi.V1Root}/$metadata");
        // The summaries, their history (issue 11) and the built-in collector's statuses (issue 20).
        json.GetProperty("value").EnumerateArray().Select(s => (s.GetProperty("name").GetString(), s.GetProperty("kind").GetString()))
            .Should().Equal(("credentialUserRegistrationsSummaries", "EntitySet"), ("credentialUserRegistrationsSummarySnapshots", "EntitySet"),
                ("tenantCollectionStatuses", "EntitySet"));
    }

    [Theory]
    [InlineData("$filter=totalUserCount eq @total&@total=20", "Twenty")]
    [InlineData("$filter=tenantDisplayName in ('Twenty','Nobody')", "Twenty")]
    [InlineData("$filter=tenantDisplayName EQ 'Twenty'", "Twenty")]
    [InlineData("$filter=CONTAINS(tenantDisplayName,'went')", "Twenty")]
    [InlineData("$filter=startswith(tolower(tenantDisplayName),'tw') and length(tenantDisplayName) eq 6", "Twenty")]
    [InlineData("$filter=year(lastRefreshedDateTime) eq 2026 and totalUserCount ne 10", "Twenty")]
    [InlineData("$filter=not (totalUserCount lt 20) or tenantDisplayName eq 'Ten'", "Ten", "Twenty")]
    [InlineData("$filter=totalUserCount add 5 gt 20 and totalUserCount mod 2 eq 0", "Twenty")]
    [InlineData("$filter=tenantLicenseType eq null and securityDefaultsEnabled", "Ten", "Twenty")]
    public async Task Filter_supports_aliases_in_operators_and_canonical_functions_in_any_case(string query, params string[] expected)
    {
        await tenant.Writer.CreateAsync(new { tenantId = Guid.NewGuid().ToString(), tenantDisplayName = "Ten", totalUserCount = 10, securityDefaultsEnabled = true });
        await tenant.Writer.CreateAsync(new { tenantId = Guid.NewGuid().ToString(), tenantDisplayName = "Twenty", totalUserCount = 20, securityDefaultsEnabled = true });

        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?{query}");

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        json.GetProperty("value").EnumerateArray().Select(e => e.GetProperty("tenantDisplayName").GetString()).Should().BeEquivalentTo(expected);
    }

    [Fact]
    public async Task An_unsupported_filter_operator_fails_the_request()
    {
        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?$filter=totalUserCount divby 2 eq 5");

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "$filter");
    }

    [Fact]
    public async Task Odata_max_version_below_4_fails_the_request_and_4_0_or_4_01_is_served()
    {
        using var old = await tenant.Reader.SendAsync(GraphApi.Request(HttpMethod.Get, GraphApi.Summaries, null, ("OData-MaxVersion", "3.0")));
        using var v40 = await tenant.Reader.SendAsync(GraphApi.Request(HttpMethod.Get, GraphApi.Summaries, null, ("OData-MaxVersion", "4.0")));
        using var v401 = await tenant.Reader.SendAsync(GraphApi.Request(HttpMethod.Get, GraphApi.Summaries, null, ("OData-MaxVersion", "4.01")));

        await old.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "OData-MaxVersion", "3.0");
        v40.StatusCode.Should().Be(HttpStatusCode.OK);
        v40.Headers.GetValues("OData-Version").Should().Equal("4.0");
        v401.StatusCode.Should().Be(HttpStatusCode.OK);
        v401.Headers.GetValues("OData-Version").Should().Equal("4.0");
        (await v401.ReadJsonAsync()).GetProperty("@odata.context").GetString().Should().EndWith("$metadata#credentialUserRegistrationsSummaries");
    }

    [Theory]
    [InlineData("OData-MaxVersion", "99999999999999999999", HttpStatusCode.OK)]
    [InlineData("OData-MaxVersion", ", 4.0", HttpStatusCode.BadRequest)]
    [InlineData("OData-MaxVersion", "four", HttpStatusCode.BadRequest)]
    [InlineData("OData-Version", "5.0", HttpStatusCode.BadRequest)]
    [InlineData("OData-Version", "3.0", HttpStatusCode.BadRequest)]
    public async Task Odata_version_headers_are_judged_before_anything_else_on_every_route(string header, string value, HttpStatusCode expected)
    {
        foreach (var url in new[] { GraphApi.Summaries, GraphApi.V1Root, GraphApi.V1Root + "/$metadata", ODataBatch.V1Batch })
        {
            var method = url == ODataBatch.V1Batch ? HttpMethod.Post : HttpMethod.Get;
            using var request = GraphApi.Request(method, url, url == ODataBatch.V1Batch ? new { requests = new[] { new { id = "1", method = "GET", url = "credentialUserRegistrationsSummaries" } } } : null, (header, value));

            using var response = await tenant.Reader.SendAsync(request);

            if (expected == HttpStatusCode.OK)
            {
                response.StatusCode.Should().Be(HttpStatusCode.OK, $"{url}: {await response.Content.ReadAsStringAsync()}");
                response.Headers.GetValues("OData-Version").Should().Equal("4.0");
            }
            else
            {
                await response.ShouldBeGraphErrorAsync(expected, "BadRequest", header);
            }
        }
    }

    [Fact]
    public async Task Full_metadata_writes_ids_and_edit_links_in_key_as_segment_form()
    {
        var created = await tenant.Writer.CreateAsync();
        using var request = GraphApi.Request(HttpMethod.Get, $"{GraphApi.Summaries}?$select=tenantDisplayName");
        request.Headers.Accept.ParseAdd("application/json;odata.metadata=full");

        using var response = await tenant.Reader.SendAsync(request);

        var entity = (await response.ReadJsonAsync()).GetProperty("value").EnumerateArray().Single();
        var link = $"http://localhost{GraphApi.Summaries}/{created.Id()}";
        entity.GetProperty("@odata.id").GetString().Should().Be(link);
        entity.GetProperty("@odata.editLink").GetString().Should().Be(link);
        entity.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
    }

    [Fact]
    public async Task Minimal_metadata_leaves_edit_links_implicit()
    {
        await tenant.Writer.CreateAsync();

        using var response = await tenant.Reader.GetAsync(GraphApi.Summaries);

        var entity = (await response.ReadJsonAsync()).GetProperty("value").EnumerateArray().Single();
        entity.TryGetProperty("@odata.editLink", out _).Should().BeFalse("the canonical URL is the set plus the key");
        entity.TryGetProperty("@odata.id", out _).Should().BeFalse();
    }

    [Fact]
    public async Task Patch_of_an_id_that_does_not_exist_is_404_not_an_upsert()
    {
        using var response = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/upsert-candidate", GraphApi.SeedBody());

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", "upsert-candidate");
        using var count = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/$count");
        (await count.Content.ReadAsStringAsync()).Should().Be("0");
    }
}
