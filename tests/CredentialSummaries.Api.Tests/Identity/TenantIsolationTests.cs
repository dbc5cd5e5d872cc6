using System.Net;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Identity;

/// <summary>
/// DESIGN §4: a summary belongs to the managing tenant (<c>tid</c>) that created it. Another tenant, even with full
/// ReadWrite, can neither see, count, change nor delete it, and no answer reveals that it exists.
/// </summary>
public sealed class TenantIsolationTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private readonly TestTenant owner = new(factory);
    private readonly TestTenant other = new(factory);

    [Fact]
    public async Task Another_tenants_list_is_empty()
    {
        await CreateOwnersSummariesAsync();

        using var response = await other.Writer.GetAsync(GraphApi.Summaries);

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        json.GetProperty("value").GetArrayLength().Should().Be(0);
        json.TryGetProperty("@odata.nextLink", out _).Should().BeFalse();
        await OwnerShouldSeeAsync(2);
    }

    [Fact]
    public async Task Another_tenants_counts_are_zero()
    {
        await CreateOwnersSummariesAsync();

        using var inline = await other.Writer.GetAsync($"{GraphApi.Summaries}?$count=true");
        using var segment = await other.Writer.GetAsync($"{GraphApi.Summaries}/$count");

        var json = await inline.ReadJsonAsync();
        inline.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        json.GetProperty("@odata.count").GetInt32().Should().Be(0);
        json.GetProperty("value").GetArrayLength().Should().Be(0);
        var text = await segment.Content.ReadAsStringAsync();
        segment.StatusCode.Should().Be(HttpStatusCode.OK, text);
        text.Should().Be("0");
        await OwnerShouldSeeAsync(2);
    }

    [Fact]
    public async Task Another_tenant_gets_404_for_the_owners_id_and_learns_nothing_about_it()
    {
        var (summary, _) = await CreateOwnersSummariesAsync();

        using var response = await other.Writer.GetAsync($"{GraphApi.Summaries}/{summary.Id()}");

        var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", summary.Id());
        ShouldNotReveal(error, summary);
    }

    [Fact]
    public async Task The_owners_id_gives_the_same_404_to_another_tenant_as_an_id_that_never_existed()
    {
        var (summary, _) = await CreateOwnersSummariesAsync();
        var neverExisted = Guid.NewGuid().ToString();

        using var existing = await other.Writer.GetAsync($"{GraphApi.Summaries}/{summary.Id()}");
        using var missing = await other.Writer.GetAsync($"{GraphApi.Summaries}/{neverExisted}");

        var existingError = await existing.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", summary.Id());
        var missingError = await missing.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", neverExisted);
        existingError.GetProperty("message").GetString()!.Replace(summary.Id(), "{id}", StringComparison.Ordinal)
            .Should().Be(missingError.GetProperty("message").GetString()!.Replace(neverExisted, "{id}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_tenants_patch_returns_404_and_leaves_the_owners_row_unchanged()
    {
        var (summary, _) = await CreateOwnersSummariesAsync();
        var url = $"{GraphApi.Summaries}/{summary.Id()}";

        using var response = await other.Writer.PatchAsync(url, new { tenantDisplayName = "Hijacked", totalUserCount = 1 });

        var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", summary.Id());
        ShouldNotReveal(error, summary);
        var stored = await OwnerReadsAsync(url);
        stored.GetProperty("tenantDisplayName").GetString().Should().Be(summary.GetProperty("tenantDisplayName").GetString());
        stored.GetProperty("totalUserCount").GetInt32().Should().Be(200);
        stored.GetProperty("lastRefreshedDateTime").GetString().Should().Be(summary.GetProperty("lastRefreshedDateTime").GetString());
    }

    [Fact]
    public async Task Another_tenants_delete_returns_404_and_the_owners_row_is_still_there()
    {
        var (summary, _) = await CreateOwnersSummariesAsync();
        var url = $"{GraphApi.Summaries}/{summary.Id()}";

        using var response = await other.Writer.DeleteAsync(url);

        var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", summary.Id());
        ShouldNotReveal(error, summary);
        (await OwnerReadsAsync(url)).Id().Should().Be(summary.Id());
        await OwnerShouldSeeAsync(2);
    }

    [Fact]
    public async Task Another_tenant_filtering_on_the_owners_tenant_id_finds_nothing()
    {
        var (summary, _) = await CreateOwnersSummariesAsync();
        var tenantId = summary.GetProperty("tenantId").GetString();

        using var response = await other.Writer.GetAsync($"{GraphApi.Summaries}?$filter=tenantId eq '{tenantId}'&$count=true");

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        json.GetProperty("value").GetArrayLength().Should().Be(0);
        json.GetProperty("@odata.count").GetInt32().Should().Be(0);

        using var asOwner = await owner.Reader.GetAsync($"{GraphApi.Summaries}?$filter=tenantId eq '{tenantId}'");
        (await asOwner.ReadJsonAsync()).GetProperty("value").EnumerateArray().Select(s => s.Id()).Should().Equal(summary.Id());
    }

    [Fact]
    public async Task Another_tenant_may_create_a_summary_with_the_owners_id_and_tenant_id_and_each_sees_only_its_own()
    {
        var tenantId = Guid.NewGuid().ToString();
        var ownersBody = GraphApi.SeedBody(tenantId);
        ownersBody["id"] = "shared-id";
        ownersBody["tenantDisplayName"] = "Owner's view of Contoso";
        await owner.Writer.CreateAsync(ownersBody);
        var othersBody = GraphApi.SeedBody(tenantId);
        othersBody["id"] = "shared-id";
        othersBody["tenantDisplayName"] = "Other's view of Contoso";
        othersBody["totalUserCount"] = 300;

        using var response = await other.Writer.PostAsync(GraphApi.Summaries, othersBody);

        var created = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Created, created.ToString());
        created.Id().Should().Be("shared-id");
        created.GetProperty("tenantId").GetString().Should().Be(tenantId);
        created.GetProperty("tenantDisplayName").GetString().Should().Be("Other's view of Contoso");
        response.Headers.Location.Should().Be(new Uri($"http://localhost{GraphApi.Summaries}/shared-id"));

        var url = $"{GraphApi.Summaries}/shared-id";
        (await ReadAsync(owner, url)).GetProperty("tenantDisplayName").GetString().Should().Be("Owner's view of Contoso");
        (await ReadAsync(other, url)).GetProperty("tenantDisplayName").GetString().Should().Be("Other's view of Contoso");
        (await ReadAsync(other, url)).GetProperty("totalUserCount").GetInt32().Should().Be(300);
        (await ListAsync(owner)).Select(s => s.GetProperty("tenantDisplayName").GetString()).Should().Equal("Owner's view of Contoso");
        (await ListAsync(other)).Select(s => s.GetProperty("tenantDisplayName").GetString()).Should().Equal("Other's view of Contoso");
    }

    [Fact]
    public async Task Changes_by_one_tenant_to_a_shared_id_never_touch_the_other_tenants_row()
    {
        var ownersBody = GraphApi.SeedBody();
        ownersBody["id"] = "twin";
        await owner.Writer.CreateAsync(ownersBody);
        var othersBody = GraphApi.SeedBody();
        othersBody["id"] = "twin";
        await other.Writer.CreateAsync(othersBody);
        var url = $"{GraphApi.Summaries}/twin";

        using var patch = await other.Writer.PatchAsync(url, new { tenantDisplayName = "Renamed by other" });
        using var delete = await other.Writer.DeleteAsync(url);

        patch.StatusCode.Should().Be(HttpStatusCode.OK, await patch.Content.ReadAsStringAsync());
        delete.StatusCode.Should().Be(HttpStatusCode.NoContent);
        using var gone = await other.Reader.GetAsync(url);
        await gone.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", "twin");
        var kept = await ReadAsync(owner, url);
        kept.GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Ltd");
        kept.GetProperty("tenantId").GetString().Should().Be((string)ownersBody["tenantId"]!);
    }

    /// <summary>The owner's two summaries; names and tenant ids are unique to this test.</summary>
    private async Task<(JsonElement First, JsonElement Second)> CreateOwnersSummariesAsync()
    {
        var first = GraphApi.SeedBody();
        first["tenantDisplayName"] = $"Owner Secret {Guid.NewGuid():N}";
        var second = GraphApi.SeedBody();
        second["tenantDisplayName"] = $"Owner Other {Guid.NewGuid():N}";
        return (await owner.Writer.CreateAsync(first), await owner.Writer.CreateAsync(second));
    }

    private static void ShouldNotReveal(JsonElement error, JsonElement summary)
    {
        var message = error.GetProperty("message").GetString();
        message.Should().NotContain(summary.GetProperty("tenantDisplayName").GetString())
            .And.NotContain(summary.GetProperty("tenantId").GetString())
            .And.NotContainEquivalentOf("tenant", "a 404 must not hint at another tenant")
            .And.NotContainEquivalentOf("forbidden");
    }

    private Task<JsonElement> OwnerReadsAsync(string url) => ReadAsync(owner, url);

    private static async Task<JsonElement> ReadAsync(TestTenant tenant, string url)
    {
        using var response = await tenant.Reader.GetAsync(url);
        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        return json;
    }

    private static async Task<JsonElement[]> ListAsync(TestTenant tenant)
    {
        using var response = await tenant.Reader.GetAsync(GraphApi.Summaries);
        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        return [.. json.GetProperty("value").EnumerateArray()];
    }

    private async Task OwnerShouldSeeAsync(int expected)
    {
        using var response = await owner.Reader.GetAsync($"{GraphApi.Summaries}/$count");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        text.Should().Be(expected.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
