using System.Net;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Controllers;

public sealed class UpdateSummaryTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private readonly TestTenant tenant = new(factory);

    [Fact]
    public async Task Patch_of_the_seed_body_returns_200_with_the_updated_entity()
    {
        var created = await tenant.Writer.CreateAsync();
        var body = GraphApi.SeedBody(created.GetProperty("tenantId").GetString());
        body["tenantDisplayName"] = "Contoso Holdings";
        body["mfaRegisteredUserCount"] = 180;
        body["securityDefaultsEnabled"] = false;
        body["lastRefreshedDateTime"] = "2026-11-25T08:15:30Z";

        using var response = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{created.Id()}", body);

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        response.Headers.GetValues("OData-Version").Should().Equal("4.0");
        json.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
        json.Id().Should().Be(created.Id());
        json.GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Holdings");
        json.GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(180);
        json.GetProperty("securityDefaultsEnabled").GetBoolean().Should().BeFalse();
        json.GetProperty("lastRefreshedDateTime").GetString().Should().Be("2026-11-25T08:15:30Z");

        var stored = await tenant.Reader.GetSummaryAsync(created.Id());
        stored.GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Holdings");
        stored.GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(180);
    }

    [Fact]
    public async Task Patch_changes_only_the_properties_it_sends_and_stamps_the_refresh_time()
    {
        var created = await tenant.Writer.CreateAsync();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        using var response = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{created.Id()}", new { ssprEnabledUserCount = 5 });

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        json.GetProperty("ssprEnabledUserCount").GetInt32().Should().Be(5);
        foreach (var unchanged in new[] { "tenantId", "tenantDisplayName", "mfaConditionalAccessPolicyState" })
        {
            json.GetProperty(unchanged).GetString().Should().Be(created.GetProperty(unchanged).GetString(), unchanged);
        }

        foreach (var unchanged in new[] { "mfaAndSsprCapableUserCount", "mfaRegisteredUserCount", "ssprRegisteredUserCount", "totalUserCount" })
        {
            json.GetProperty(unchanged).GetInt32().Should().Be(created.GetProperty(unchanged).GetInt32(), unchanged);
        }

        var refreshed = DateTimeOffset.Parse(json.GetProperty("lastRefreshedDateTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        refreshed.Should().BeOnOrAfter(before);
        (await tenant.Reader.GetSummaryAsync(created.Id())).GetProperty("ssprEnabledUserCount").GetInt32().Should().Be(5);
    }

    [Fact]
    public async Task Patch_that_sends_the_same_id_and_tenant_id_is_accepted()
    {
        var created = await tenant.Writer.CreateAsync();
        var tenantId = created.GetProperty("tenantId").GetString()!;

        using var response = await tenant.Writer.PatchAsync(
            $"{GraphApi.Summaries}/{created.Id()}", new { id = created.Id(), tenantId = tenantId.ToUpperInvariant(), totalUserCount = 250 });

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        json.GetProperty("tenantId").GetString().Should().Be(tenantId);
        json.GetProperty("totalUserCount").GetInt32().Should().Be(250);
    }

    [Fact]
    public async Task Patch_that_changes_the_id_returns_400_and_changes_nothing()
    {
        var created = await tenant.Writer.CreateAsync();

        using var response = await tenant.Writer.PatchAsync(
            $"{GraphApi.Summaries}/{created.Id()}", new { id = "another-id", tenantDisplayName = "Renamed" });

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "Property 'id' cannot be changed");
        await ShouldBeUnchangedAsync(created);
    }

    [Fact]
    public async Task Patch_that_changes_the_tenant_id_returns_400_and_changes_nothing()
    {
        var created = await tenant.Writer.CreateAsync();

        using var response = await tenant.Writer.PatchAsync(
            $"{GraphApi.Summaries}/{created.Id()}", new { tenantId = Guid.NewGuid().ToString(), tenantDisplayName = "Renamed" });

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "Property 'tenantId' cannot be changed");
        await ShouldBeUnchangedAsync(created);
    }

    [Fact]
    public async Task Patch_of_one_count_is_judged_against_the_stored_total()
    {
        var created = await tenant.Writer.CreateAsync();

        using var response = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{created.Id()}", new { mfaRegisteredUserCount = 201 });

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest",
            "Property 'mfaRegisteredUserCount' (201) cannot exceed 'totalUserCount' (200).");
        await ShouldBeUnchangedAsync(created);
    }

    [Fact]
    public async Task Patch_lowering_the_total_below_a_stored_count_returns_400()
    {
        var created = await tenant.Writer.CreateAsync();

        using var response = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{created.Id()}", new { totalUserCount = 100 });

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "'totalUserCount' (100)");
        await ShouldBeUnchangedAsync(created);
    }

    [Fact]
    public async Task Patch_breaking_several_rules_reports_each_in_details_and_changes_nothing()
    {
        var created = await tenant.Writer.CreateAsync();

        using var response = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{created.Id()}",
            new { id = "other-id", totalUserCount = 100, tenantLicenseType = new string('x', 65) });

        var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "Property 'id' cannot be changed");
        error.GetProperty("details").EnumerateArray()
            .Select(d => (d.GetProperty("code").GetString(), d.GetProperty("target").GetString()))
            .Should().Equal(
                ("ReadOnlyProperty", "id"),
                ("InvalidValue", "tenantLicenseType"),
                ("InvalidValue", "mfaAndSsprCapableUserCount"),
                ("InvalidValue", "ssprEnabledUserCount"),
                ("InvalidValue", "mfaRegisteredUserCount"),
                ("InvalidValue", "ssprRegisteredUserCount"));
        await ShouldBeUnchangedAsync(created);
    }

    [Theory]
    [InlineData("{\"tenantDisplayName\": null}", "Property 'tenantDisplayName' cannot be null.")]
    [InlineData("{\"tenantDisplayName\": \" \"}", "Property 'tenantDisplayName' must be 1 to 256 characters and not blank.")]
    [InlineData("{\"ownerTenantId\": \"x\"}", "Property 'ownerTenantId' does not exist")]
    [InlineData("{\"ssprRegisteredUserCount\": -3}", "Property 'ssprRegisteredUserCount' must be 0 or more; got -3.")]
    public async Task Patch_breaking_a_rule_returns_400_naming_the_property_and_changes_nothing(string body, string message)
    {
        var created = await tenant.Writer.CreateAsync();

        using var response = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{created.Id()}", body);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", message);
        await ShouldBeUnchangedAsync(created);
    }

    [Fact]
    public async Task Patch_with_prefer_return_minimal_returns_204_and_applies_the_change()
    {
        var created = await tenant.Writer.CreateAsync();

        using var response = await tenant.Writer.PatchAsync(
            $"{GraphApi.Summaries}/{created.Id()}", new { tenantLicenseType = "AADPremium2" }, ("Prefer", "return=minimal"));

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await response.Content.ReadAsStringAsync()).Should().BeEmpty();
        response.Headers.GetValues("Preference-Applied").Should().Equal("return=minimal");
        response.Headers.Location.Should().BeNull();
        (await tenant.Reader.GetSummaryAsync(created.Id())).GetProperty("tenantLicenseType").GetString().Should().Be("AADPremium2");
    }

    [Fact]
    public async Task Patch_in_the_parentheses_key_form_updates_the_same_entity()
    {
        var created = await tenant.Writer.CreateAsync();

        using var response = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}('{created.Id()}')", new { tenantDisplayName = "Via parentheses" });

        (await response.ReadJsonAsync()).GetProperty("tenantDisplayName").GetString().Should().Be("Via parentheses");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Patch_of_an_unknown_id_returns_404()
    {
        using var response = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/no-such-summary", new { totalUserCount = 1 });

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", "no-such-summary");
    }

    private async Task ShouldBeUnchangedAsync(System.Text.Json.JsonElement created)
    {
        var stored = await tenant.Reader.GetSummaryAsync(created.Id());
        foreach (var property in created.EnumerateObject().Where(p => !p.Name.StartsWith('@')))
        {
            stored.GetProperty(property.Name).ToString().Should().Be(property.Value.ToString(), property.Name);
        }
    }
}
