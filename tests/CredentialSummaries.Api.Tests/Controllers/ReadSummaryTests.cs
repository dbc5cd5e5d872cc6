using System.Net;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Controllers;

public sealed class ReadSummaryTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private readonly TestTenant tenant = new(factory);

    [Fact]
    public async Task Get_by_id_returns_the_entity_with_odata_type_in_both_key_forms()
    {
        var created = await tenant.Writer.CreateAsync();

        foreach (var url in new[] { $"{GraphApi.Summaries}/{created.Id()}", $"{GraphApi.Summaries}('{created.Id()}')" })
        {
            using var response = await tenant.Reader.GetAsync(url);

            var json = await response.ReadJsonAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, url);
            response.Headers.GetValues("OData-Version").Should().Equal("4.0");
            json.GetProperty("@odata.context").GetString().Should().EndWith("$metadata#credentialUserRegistrationsSummaries/$entity");
            json.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
            foreach (var property in created.EnumerateObject().Where(p => !p.Name.StartsWith('@')))
            {
                json.GetProperty(property.Name).ToString().Should().Be(property.Value.ToString(), property.Name);
            }
        }
    }

    [Fact]
    public async Task Get_by_id_with_select_returns_only_those_properties_and_odata_type()
    {
        var created = await tenant.Writer.CreateAsync();

        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{created.Id()}?$select=tenantDisplayName,totalUserCount");

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        json.EnumerateObject().Select(p => p.Name).Should()
            .BeEquivalentTo("@odata.context", "@odata.type", "@odata.etag", "tenantDisplayName", "totalUserCount");
        json.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
        json.GetProperty("totalUserCount").GetInt32().Should().Be(200);
    }

    [Fact]
    public async Task Get_of_an_unknown_id_returns_404_graph_error()
    {
        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/does-not-exist");

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", "does-not-exist");
    }

    [Fact]
    public async Task List_returns_context_and_every_entity_with_odata_type()
    {
        var first = await tenant.Writer.CreateAsync();
        var second = await tenant.Writer.CreateAsync();

        using var response = await tenant.Reader.GetAsync(GraphApi.Summaries);

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        json.GetProperty("@odata.context").GetString().Should()
            .Be("http://localhost/v1.0/tenantRelationships/managedTenants/$metadata#credentialUserRegistrationsSummaries");
        var items = json.GetProperty("value").EnumerateArray().ToArray();
        items.Select(i => i.Id()).Should().BeEquivalentTo(first.Id(), second.Id());
        items.Should().AllSatisfy(i => i.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType));
        json.TryGetProperty("@odata.nextLink", out _).Should().BeFalse();
    }

    [Fact]
    public async Task List_applies_filter_orderby_select_top_skip_and_count()
    {
        var names = new[] { "Delta", "Alpha", "Echo", "Bravo", "Charlie" };
        for (var i = 0; i < names.Length; i++)
        {
            var body = GraphApi.SeedBody();
            body["tenantDisplayName"] = names[i];
            body["totalUserCount"] = 200 + i;
            body["securityDefaultsEnabled"] = i % 2 == 0;
            await tenant.Writer.CreateAsync(body);
        }

        using var response = await tenant.Reader.GetAsync(
            $"{GraphApi.Summaries}?$filter=securityDefaultsEnabled eq true&$orderby=tenantDisplayName desc&$select=tenantDisplayName,totalUserCount&$top=2&$skip=1&$count=true");

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        json.GetProperty("@odata.count").GetInt32().Should().Be(3);
        json.GetProperty("@odata.context").GetString().Should().EndWith("#credentialUserRegistrationsSummaries(tenantDisplayName,totalUserCount)");
        var items = json.GetProperty("value").EnumerateArray().ToArray();
        items.Select(i => i.GetProperty("tenantDisplayName").GetString()).Should().Equal("Delta", "Charlie");
        items.Should().AllSatisfy(i =>
        {
            i.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
            i.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo("@odata.type", "@odata.etag", "tenantDisplayName", "totalUserCount");
        });
    }

    [Fact]
    public async Task Count_segment_returns_the_callers_number_of_summaries_as_text()
    {
        await tenant.Writer.CreateAsync();
        await tenant.Writer.CreateAsync();

        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/$count");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        (await response.Content.ReadAsStringAsync()).Should().Be("2");
    }

    [Fact]
    public async Task List_pages_at_100_with_a_next_link_that_keeps_the_query_and_the_service_root()
    {
        const int total = 130;
        await Task.WhenAll(Enumerable.Range(0, total).Select(i =>
        {
            var body = GraphApi.SeedBody();
            body["tenantDisplayName"] = $"Tenant {i:D3}";
            return tenant.Writer.CreateAsync(body);
        }));

        var url = $"{GraphApi.BetaSummaries}?$filter=totalUserCount eq 200&$orderby=tenantDisplayName&$count=true";
        var seen = new List<string>();
        var pages = 0;
        while (url is not null)
        {
            using var response = await tenant.Reader.GetAsync(url);
            var json = await response.ReadJsonAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
            var page = json.GetProperty("value").EnumerateArray().Select(i => i.GetProperty("tenantDisplayName").GetString()!).ToArray();
            page.Length.Should().BeLessThanOrEqualTo(100);
            seen.AddRange(page);
            pages++;
            if (pages == 1)
            {
                json.GetProperty("@odata.count").GetInt32().Should().Be(total);
            }

            url = json.TryGetProperty("@odata.nextLink", out var next) ? next.GetString() : null;
            if (url is not null)
            {
                var link = Uri.UnescapeDataString(url);
                link.Should().StartWith($"http://localhost{GraphApi.BetaSummaries}?");
                link.Should().Contain("$filter=totalUserCount eq 200").And.Contain("$orderby=tenantDisplayName");
                link.Should().NotContain("('");
            }
        }

        pages.Should().Be(2);
        seen.Should().Equal(Enumerable.Range(0, total).Select(i => $"Tenant {i:D3}"));
    }

    [Fact]
    public async Task List_accepts_top_999_and_refuses_top_1000()
    {
        using var accepted = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?$top=999");
        accepted.StatusCode.Should().Be(HttpStatusCode.OK);

        using var refused = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?$top=1000");

        await refused.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "999", "Top");
    }

    [Fact]
    public async Task List_filters_and_sorts_on_the_refresh_time_in_utc()
    {
        foreach (var time in new[] { "2026-03-01T10:00:00+05:00", "2026-01-15T23:30:00Z", "2025-12-31T23:00:00-02:00" })
        {
            var body = GraphApi.SeedBody();
            body["lastRefreshedDateTime"] = time;
            await tenant.Writer.CreateAsync(body);
        }

        using var response = await tenant.Reader.GetAsync(
            $"{GraphApi.Summaries}?$filter=lastRefreshedDateTime ge 2026-01-01T00:00:00Z&$orderby=lastRefreshedDateTime desc&$select=lastRefreshedDateTime");

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        json.GetProperty("value").EnumerateArray().Select(i => i.GetProperty("lastRefreshedDateTime").GetString())
            .Should().Equal("2026-03-01T05:00:00Z", "2026-01-15T23:30:00Z", "2026-01-01T01:00:00Z");
    }

    [Fact]
    public async Task List_of_a_new_tenant_is_empty()
    {
        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?$count=true");

        var json = await response.ReadJsonAsync();
        json.GetProperty("value").GetArrayLength().Should().Be(0);
        json.GetProperty("@odata.count").GetInt32().Should().Be(0);
        json.GetProperty("value").ValueKind.Should().Be(JsonValueKind.Array);
    }
}
