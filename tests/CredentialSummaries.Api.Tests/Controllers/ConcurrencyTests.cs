using System.Net;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Controllers;

public sealed class ConcurrencyTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private readonly TestTenant tenant = new(factory);

    [Fact]
    public async Task Create_and_get_carry_the_same_etag_in_the_header_and_as_odata_etag()
    {
        using var created = await tenant.Writer.PostAsync(GraphApi.Summaries, GraphApi.SeedBody());
        var createdJson = await created.ReadJsonAsync();
        var etag = created.Headers.ETag!.ToString();
        etag.Should().MatchRegex("^W/\"[0-9a-f]{32}\"$");
        createdJson.GetProperty("@odata.etag").GetString().Should().Be(etag);

        using var fetched = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{createdJson.Id()}");

        fetched.Headers.ETag!.ToString().Should().Be(etag);
        (await fetched.ReadJsonAsync()).GetProperty("@odata.etag").GetString().Should().Be(etag);
    }

    [Fact]
    public async Task Every_entity_of_a_list_carries_its_etag_with_or_without_select()
    {
        var first = await tenant.Writer.CreateAsync();
        var second = await tenant.Writer.CreateAsync();
        var expected = new Dictionary<string, string?>
        {
            [first.Id()] = first.GetProperty("@odata.etag").GetString(),
            [second.Id()] = second.GetProperty("@odata.etag").GetString(),
        };

        foreach (var query in new[] { "", "?$select=tenantDisplayName", "?$select=id,totalUserCount&$orderby=tenantId" })
        {
            using var response = await tenant.Reader.GetAsync(GraphApi.Summaries + query);
            var items = (await response.ReadJsonAsync()).GetProperty("value").EnumerateArray().ToArray();

            items.Should().HaveCount(2, query);
            items.Select(i => i.GetProperty("@odata.etag").GetString()).Should().BeEquivalentTo(expected.Values, query);
            items.Should().AllSatisfy(i => i.TryGetProperty("concurrencyStamp", out _).Should().BeFalse());
        }
    }

    [Fact]
    public async Task Patch_with_the_current_etag_succeeds_and_issues_a_new_etag()
    {
        var created = await tenant.Writer.CreateAsync();
        var etag = created.GetProperty("@odata.etag").GetString()!;

        using var response = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{created.Id()}", new { totalUserCount = 300 }, ("If-Match", etag));

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        var newEtag = json.GetProperty("@odata.etag").GetString();
        newEtag.Should().NotBe(etag);
        response.Headers.ETag!.ToString().Should().Be(newEtag);
    }

    [Fact]
    public async Task Patch_with_a_stale_etag_returns_412_and_changes_nothing()
    {
        var created = await tenant.Writer.CreateAsync();
        var stale = created.GetProperty("@odata.etag").GetString()!;
        (await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{created.Id()}", new { tenantDisplayName = "First change" }))
            .StatusCode.Should().Be(HttpStatusCode.OK);

        using var response = await tenant.Writer.PatchAsync(
            $"{GraphApi.Summaries}/{created.Id()}", new { tenantDisplayName = "Lost update" }, ("If-Match", stale));

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.PreconditionFailed, "PreconditionFailed", created.Id(), "If-Match");
        (await tenant.Reader.GetSummaryAsync(created.Id())).GetProperty("tenantDisplayName").GetString().Should().Be("First change");
    }

    [Fact]
    public async Task Two_clients_patching_with_the_same_etag_get_one_200_and_one_412_and_only_the_winner_is_stored()
    {
        var created = await tenant.Writer.CreateAsync();
        var etag = created.GetProperty("@odata.etag").GetString()!;
        var url = $"{GraphApi.Summaries}/{created.Id()}";
        using var secondClient = tenant.With(TokenMinter.Application(tenant.Id, GraphApi.ReadWrite));

        var responses = await Task.WhenAll(
            Send(tenant.Writer, "Client A", 201),
            Send(secondClient, "Client B", 202));

        responses.Select(r => r.Status).Should().BeEquivalentTo([HttpStatusCode.OK, HttpStatusCode.PreconditionFailed]);
        var winner = responses.Single(r => r.Status == HttpStatusCode.OK);
        var loser = responses.Single(r => r.Status == HttpStatusCode.PreconditionFailed);
        JsonDocument.Parse(loser.Body).RootElement.GetProperty("error").GetProperty("code").GetString().Should().Be("PreconditionFailed");
        var stored = await tenant.Reader.GetSummaryAsync(created.Id());
        stored.GetProperty("tenantDisplayName").GetString().Should().Be(winner.Name);
        stored.GetProperty("totalUserCount").GetInt32().Should().Be(winner.Total);
        stored.GetProperty("@odata.etag").GetString().Should().Be(JsonDocument.Parse(winner.Body).RootElement.GetProperty("@odata.etag").GetString());

        async Task<(HttpStatusCode Status, string Body, string Name, int Total)> Send(HttpClient client, string name, int total)
        {
            using var response = await client.PatchAsync(url, new { tenantDisplayName = name, totalUserCount = total }, ("If-Match", etag));
            return (response.StatusCode, await response.Content.ReadAsStringAsync(), name, total);
        }
    }

    [Fact]
    public async Task If_match_star_requires_only_that_the_entity_exists()
    {
        var created = await tenant.Writer.CreateAsync();

        using var existing = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{created.Id()}", new { totalUserCount = 250 }, ("If-Match", "*"));
        using var absent = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/not-there", new { totalUserCount = 250 }, ("If-Match", "*"));

        existing.StatusCode.Should().Be(HttpStatusCode.OK);
        (await existing.ReadJsonAsync()).GetProperty("totalUserCount").GetInt32().Should().Be(250);
        await absent.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", "not-there");
    }

    [Fact]
    public async Task Delete_with_a_stale_etag_returns_412_and_keeps_the_row_and_with_the_current_one_deletes_it()
    {
        var created = await tenant.Writer.CreateAsync();
        var stale = created.GetProperty("@odata.etag").GetString()!;
        using var patched = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{created.Id()}", new { totalUserCount = 260 });
        var current = patched.Headers.ETag!.ToString();

        using var refused = await tenant.Writer.SendAsync(GraphApi.Request(HttpMethod.Delete, $"{GraphApi.Summaries}/{created.Id()}", null, ("If-Match", stale)));
        await refused.ShouldBeGraphErrorAsync(HttpStatusCode.PreconditionFailed, "PreconditionFailed", created.Id());
        (await tenant.Reader.GetSummaryAsync(created.Id())).GetProperty("totalUserCount").GetInt32().Should().Be(260);

        using var deleted = await tenant.Writer.SendAsync(GraphApi.Request(HttpMethod.Delete, $"{GraphApi.Summaries}/{created.Id()}", null, ("If-Match", current)));
        deleted.StatusCode.Should().Be(HttpStatusCode.NoContent);
        using var gone = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{created.Id()}");
        gone.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Get_with_if_none_match_of_the_current_etag_returns_304_without_a_body()
    {
        var created = await tenant.Writer.CreateAsync();
        var etag = created.GetProperty("@odata.etag").GetString()!;

        using var notModified = await tenant.Reader.SendAsync(GraphApi.Request(HttpMethod.Get, $"{GraphApi.Summaries}/{created.Id()}", null, ("If-None-Match", etag)));

        notModified.StatusCode.Should().Be(HttpStatusCode.NotModified);
        (await notModified.Content.ReadAsStringAsync()).Should().BeEmpty();
        notModified.Headers.ETag!.ToString().Should().Be(etag);
        notModified.Headers.GetValues("request-id").Should().ContainSingle();

        await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{created.Id()}", new { totalUserCount = 201 });
        using var modified = await tenant.Reader.SendAsync(GraphApi.Request(HttpMethod.Get, $"{GraphApi.Summaries}/{created.Id()}", null, ("If-None-Match", etag)));
        modified.StatusCode.Should().Be(HttpStatusCode.OK);
        (await modified.ReadJsonAsync()).GetProperty("totalUserCount").GetInt32().Should().Be(201);
    }
}
