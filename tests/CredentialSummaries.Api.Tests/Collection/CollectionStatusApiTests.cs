using System.Net;
using System.Text.Json;
using CredentialSummaries.Api.Model;
using CredentialSummaries.Api.Persistence;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CredentialSummaries.Api.Tests.Collection;

/// <summary>
/// <c>…/tenantCollectionStatuses</c> as an API: the collector's last round per managed tenant, readable by its owner
/// only, with the list's query options, and read-only. (The collector filling it: CollectorRoundTests.)
/// </summary>
public sealed class CollectionStatusApiTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private const string Statuses = GraphApi.V1Root + "/tenantCollectionStatuses";
    private const string ODataType = "#microsoft.graph.managedTenants.tenantCollectionStatus";

    [Fact]
    public async Task The_owner_reads_each_tenants_last_round_with_graphs_type_and_no_lease_columns()
    {
        var owner = new TestTenant(factory);
        var (collected, skipped) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        await SeedAsync(owner.Id, Status(collected, CollectionOutcomes.Collected, users: 5000), Status(skipped, CollectionOutcomes.Skipped, error: "Authorization_RequestDenied"));

        using var response = await owner.Reader.GetAsync($"{Statuses}?$orderby=lastOutcome&$count=true");
        var json = await response.ReadJsonAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        json.GetProperty("@odata.count").GetInt32().Should().Be(2);
        var rows = json.GetProperty("value").EnumerateArray().ToArray();
        rows.Select(r => r.GetProperty("@odata.type").GetString()).Should().AllBe(ODataType);
        rows.Select(r => r.Id()).Should().Equal(collected, skipped);
        rows[0].GetProperty("tenantId").GetString().Should().Be(collected);
        rows[0].GetProperty("lastUserCount").GetInt32().Should().Be(5000);
        rows[0].GetProperty("lastErrorCode").ValueKind.Should().Be(JsonValueKind.Null);
        rows[1].GetProperty("lastErrorCode").GetString().Should().Be("Authorization_RequestDenied");
        rows[1].GetProperty("lastCollectedDateTime").ValueKind.Should().Be(JsonValueKind.Null);
        foreach (var row in rows)
        {
            row.EnumerateObject().Select(p => p.Name).Should().NotContain(["ownerTenantId", "leaseHolder", "leaseExpiresDateTime"]);
        }

        using var one = await owner.Reader.GetAsync($"{Statuses}/{skipped}?$select=lastOutcome,lastErrorCode");
        var single = await one.ReadJsonAsync();
        one.StatusCode.Should().Be(HttpStatusCode.OK, single.ToString());
        single.GetProperty("@odata.type").GetString().Should().Be(ODataType);
        single.GetProperty("lastOutcome").GetString().Should().Be("skipped");
        single.TryGetProperty("lastUserCount", out _).Should().BeFalse("$select chose two properties");

        using var filtered = await owner.Reader.GetAsync($"{Statuses}?$filter=lastOutcome eq 'skipped'&$select=id");
        (await filtered.ReadJsonAsync()).GetProperty("value").EnumerateArray().Select(r => r.Id()).Should().Equal(skipped);
    }

    [Fact]
    public async Task Another_tenant_sees_none_of_the_owners_statuses()
    {
        var owner = new TestTenant(factory);
        var stranger = new TestTenant(factory);
        var managed = Guid.NewGuid().ToString();
        await SeedAsync(owner.Id, Status(managed, CollectionOutcomes.Collected, users: 10));

        using var list = await stranger.Reader.GetAsync($"{Statuses}?$count=true");
        var json = await list.ReadJsonAsync();
        list.StatusCode.Should().Be(HttpStatusCode.OK);
        json.GetProperty("@odata.count").GetInt32().Should().Be(0);
        json.GetProperty("value").GetArrayLength().Should().Be(0);

        using var one = await stranger.Reader.GetAsync($"{Statuses}/{managed}");
        await one.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", managed);
    }

    [Theory]
    [InlineData("POST", "")]
    [InlineData("PATCH", "/{id}")]
    [InlineData("PUT", "/{id}")]
    [InlineData("DELETE", "/{id}")]
    [InlineData("PATCH", "('{id}')")]
    [InlineData("DELETE", "('{id}')")]
    public async Task The_statuses_are_read_only_every_write_is_a_405_with_allow_get(string method, string path)
    {
        var owner = new TestTenant(factory);
        var managed = Guid.NewGuid().ToString();
        await SeedAsync(owner.Id, Status(managed, CollectionOutcomes.Collected, users: 10));

        using var response = await owner.Writer.SendAsync(GraphApi.Request(new HttpMethod(method), Statuses + path.Replace("{id}", managed, StringComparison.Ordinal),
            new { lastOutcome = "collected" }));

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", method);
        response.Content.Headers.Allow.Should().Equal("GET");
        (await (await owner.Reader.GetAsync($"{Statuses}/{managed}")).ReadJsonAsync()).GetProperty("lastUserCount").GetInt32().Should().Be(10);
    }

    [Fact]
    public async Task Reading_the_statuses_needs_a_token()
    {
        using var response = await factory.ClientFor(token: null).GetAsync(Statuses);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    private static TenantCollectionStatus Status(string tenantId, string outcome, int? users = null, string? error = null)
    {
        var now = DateTime.UtcNow;
        return new TenantCollectionStatus
        {
            Id = tenantId,
            TenantId = tenantId,
            TenantDisplayName = "Tenant " + tenantId[..8],
            LastOutcome = outcome,
            LastAttemptDateTime = now.AddSeconds(-3),
            LastCompletedDateTime = now,
            LastCollectedDateTime = outcome == CollectionOutcomes.Collected ? now : null,
            LastErrorCode = error,
            LastErrorMessage = error is null ? null : "Insufficient privileges to complete the operation.",
            LastDurationMilliseconds = 3000,
            LastUserCount = users,
            LeaseHolder = "elsewhere/1/abc",
        };
    }

    private async Task SeedAsync(string owner, params TenantCollectionStatus[] statuses)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<SummariesDbContext>>().CreateDbContextAsync();
        foreach (var status in statuses)
        {
            status.OwnerTenantId = owner;
            db.CollectionStatuses.Add(status);
        }

        await db.SaveChangesAsync();
    }
}
