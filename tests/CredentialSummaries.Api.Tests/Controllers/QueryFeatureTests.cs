using System.Net;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Controllers;

public sealed class QueryFeatureTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private readonly TestTenant tenant = new(factory);

    [Theory]
    [InlineData("$search=\"contoso\"", "Contoso Ltd", "contoso east")]
    [InlineData("$search=\"CONTOSO\"", "Contoso Ltd", "contoso east")]
    [InlineData("$search=\"tenantDisplayName:fab\"", "Fabrikam")]
    [InlineData("$search=\"contoso\" AND NOT \"east\"", "Contoso Ltd")]
    [InlineData("$search=\"fabrikam\" OR \"east\"", "Fabrikam", "contoso east")]
    [InlineData("$search=\"contoso\"&$filter=totalUserCount gt 15", "contoso east")]
    [InlineData("$search=\"nobody\"")]
    public async Task Search_matches_tenant_display_names_ignoring_case(string query, params string[] expected)
    {
        await CreateNamedAsync(("Contoso Ltd", 10), ("Fabrikam", 10), ("contoso east", 20));

        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?{query}&$select=tenantDisplayName");

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        json.GetProperty("value").EnumerateArray().Select(e => e.GetProperty("tenantDisplayName").GetString())
            .Should().BeEquivalentTo(expected);
    }

    [Theory]
    [InlineData("$search=\"ÉCOLE\"")]
    [InlineData("$search=\"école\"")]
    [InlineData("$filter=contains(tolower(tenantDisplayName),'école')")]
    [InlineData("$filter=contains(toupper(tenantDisplayName),'ÉCOLE')")]
    public async Task Case_is_ignored_for_every_letter_not_only_ascii(string query)
    {
        // SQLite's own lower() folds ASCII only; the store folds case by Unicode, as PostgreSQL does.
        await CreateNamedAsync(("École Polytechnique", 10), ("Ecole normale", 10));

        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?{query}&$select=tenantDisplayName");

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        json.GetProperty("value").EnumerateArray().Select(e => e.GetProperty("tenantDisplayName").GetString())
            .Should().Equal("École Polytechnique");
    }

    [Theory]
    [InlineData("$filter=startswith(tenantDisplayName,'contoso')", "contoso east")]
    [InlineData("$filter=endswith(tenantDisplayName,'LTD')")]
    [InlineData("$filter=contains(tenantDisplayName,'Contoso')", "Contoso Ltd")]
    public async Task String_functions_of_filter_respect_case(string query, params string[] expected)
    {
        await CreateNamedAsync(("Contoso Ltd", 10), ("contoso east", 20));

        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?{query}&$select=tenantDisplayName");

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        json.GetProperty("value").EnumerateArray().Select(e => e.GetProperty("tenantDisplayName").GetString())
            .Should().BeEquivalentTo(expected);
    }

    [Fact]
    public async Task Search_never_reaches_another_tenants_summaries()
    {
        await CreateNamedAsync(("Contoso Ltd", 10));
        var other = new TestTenant(factory);
        await other.Writer.CreateAsync(new { tenantId = Guid.NewGuid().ToString(), tenantDisplayName = "Contoso (someone else's)" });

        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?$search=\"contoso\"&$count=true");

        var json = await response.ReadJsonAsync();
        json.GetProperty("@odata.count").GetInt32().Should().Be(1);
        json.GetProperty("value").EnumerateArray().Single().GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Ltd");
    }

    [Fact]
    public async Task Compute_adds_a_computed_property_that_select_and_orderby_can_use()
    {
        await CreateNamedAsync(("Small gap", 10), ("Large gap", 50));

        using var response = await tenant.Reader.GetAsync(
            $"{GraphApi.Summaries}?$compute=totalUserCount sub mfaRegisteredUserCount as mfaGap&$select=tenantDisplayName,mfaGap&$orderby=mfaGap desc");

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        var items = json.GetProperty("value").EnumerateArray().ToArray();
        items.Select(e => (e.GetProperty("tenantDisplayName").GetString(), e.GetProperty("mfaGap").GetInt32()))
            .Should().Equal(("Large gap", 47), ("Small gap", 7));
        items.Should().AllSatisfy(e => e.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType));
    }

    [Theory]
    [InlineData("select=tenantDisplayName&filter=totalUserCount eq 20")]
    [InlineData("$SELECT=tenantDisplayName&$FILTER=totalUserCount eq 20")]
    [InlineData("Select=tenantDisplayName&Filter=TotalUserCount eq 20")]
    [InlineData("$select=TENANTDISPLAYNAME&$filter=totalusercount eq 20")]
    public async Task Query_options_work_without_dollar_and_in_any_case(string query)
    {
        await CreateNamedAsync(("Ten", 10), ("Twenty", 20));

        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?{query}");

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        var item = json.GetProperty("value").EnumerateArray().Should().ContainSingle().Subject;
        item.GetProperty("tenantDisplayName").GetString().Should().Be("Twenty");
        item.TryGetProperty("totalUserCount", out _).Should().BeFalse("$select applied");
    }

    [Fact]
    public async Task Count_segment_honours_filter_and_search()
    {
        await CreateNamedAsync(("Contoso Ltd", 10), ("Fabrikam", 20), ("contoso east", 20));

        using var filtered = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/$count?$filter=totalUserCount eq 20");
        using var searched = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/$count?$search=\"contoso\"");

        (await filtered.Content.ReadAsStringAsync()).Should().Be("2");
        (await searched.Content.ReadAsStringAsync()).Should().Be("2");
        filtered.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
    }

    [Fact]
    public async Task A_property_is_readable_on_its_own_and_as_a_raw_value()
    {
        var created = await tenant.Writer.CreateAsync();
        var url = $"{GraphApi.Summaries}/{created.Id()}";

        using var property = await tenant.Reader.GetAsync($"{url}/tenantDisplayName");
        using var raw = await tenant.Reader.GetAsync($"{url}/tenantDisplayName/$value");
        using var rawCount = await tenant.Reader.GetAsync($"{url}/totalUserCount/$value");
        using var rawTime = await tenant.Reader.GetAsync($"{url}/lastRefreshedDateTime/$value");

        var json = await property.ReadJsonAsync();
        property.StatusCode.Should().Be(HttpStatusCode.OK);
        json.GetProperty("value").GetString().Should().Be("Contoso Ltd");
        json.GetProperty("@odata.context").GetString().Should().EndWith("/tenantDisplayName");
        property.Headers.ETag!.ToString().Should().Be(created.GetProperty("@odata.etag").GetString());
        raw.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        (await raw.Content.ReadAsStringAsync()).Should().Be("Contoso Ltd");
        (await rawCount.Content.ReadAsStringAsync()).Should().Be("200");
        (await rawTime.Content.ReadAsStringAsync()).Should().Be("2026-11-24T07:00:00Z");
    }

    [Fact]
    public async Task A_null_property_is_204_and_its_raw_value_is_404()
    {
        var created = await tenant.Writer.CreateAsync();

        using var property = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{created.Id()}/tenantLicenseType");
        using var raw = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{created.Id()}/tenantLicenseType/$value");

        property.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await property.Content.ReadAsStringAsync()).Should().BeEmpty();
        await raw.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", "tenantLicenseType");
    }

    [Fact]
    public async Task A_property_of_another_tenants_summary_or_an_unknown_property_is_404()
    {
        var created = await tenant.Writer.CreateAsync();
        var other = new TestTenant(factory);

        using var foreign = await other.Reader.GetAsync($"{GraphApi.Summaries}/{created.Id()}/tenantDisplayName");
        using var unknown = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{created.Id()}/favouriteColour");

        await foreign.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", created.Id());
        (await foreign.Content.ReadAsStringAsync()).Should().NotContain("Contoso");
        await unknown.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", "favouriteColour");
    }

    private async Task CreateNamedAsync(params (string Name, int Total)[] rows)
    {
        foreach (var (name, total) in rows)
        {
            await tenant.Writer.CreateAsync(new { tenantId = Guid.NewGuid().ToString(), tenantDisplayName = name, totalUserCount = total, mfaRegisteredUserCount = 3 });
        }
    }
}
