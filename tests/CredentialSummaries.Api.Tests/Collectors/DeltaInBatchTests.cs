using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Collectors;

/// <summary>
/// Delta inside a Graph JSON <c>$batch</c>, as a dashboard that batches its refreshes sends it: the round's pages and
/// its delta link are those of a direct request (links absolute, on the batch's own root), a later round that follows
/// the link after writes in the same batch reports them, and a bad link or option is that request's own Graph error.
/// </summary>
public sealed class DeltaInBatchTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private const string Delta = GraphBatch.Summaries + "/delta()";

    private readonly TestTenant tenant = new(factory);

    [Theory]
    [InlineData("v1.0")]
    [InlineData("beta")]
    public async Task A_delta_round_walked_through_json_batches_reports_the_writes_batched_before_its_link(string version)
    {
        var batch = $"/{version}/$batch";
        var root = $"http://localhost/{version}";
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await tenant.Writer.CreateAsync(Body($"Batched {i}", 100 + i))).Id());
        }

        // The first round, a page of two per batch: the links are absolute, on the batch's root.
        var pageSize = new Dictionary<string, string> { ["Prefer"] = "odata.maxpagesize=2" };
        var first = (await tenant.Reader.BatchAsync([GraphBatch.Request("1", "GET", Delta, headers: pageSize)], batch))["1"];
        first.Status().Should().Be(200, first.ToString());
        first.Header("Preference-Applied").Should().Be("odata.maxpagesize=2");
        var nextLink = first.Body().GetProperty("@odata.nextLink").GetString()!;
        nextLink.Should().StartWith($"{root}/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries/delta()?");
        first.Body().TryGetProperty("@odata.deltaLink", out _).Should().BeFalse("a page has a next link or a delta link, never both");
        var second = (await tenant.Reader.BatchAsync([GraphBatch.Request("2", "GET", nextLink[root.Length..], headers: pageSize)], batch))["2"];
        second.Status().Should().Be(200, second.ToString());
        var deltaLink = second.Body().GetProperty("@odata.deltaLink").GetString()!;
        deltaLink.Should().StartWith($"{root}/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries/delta()?$deltatoken=");
        Entries(first).Concat(Entries(second)).Select(e => e.Id()).Should().Equal(ids.Order(StringComparer.Ordinal));
        Entries(first).Concat(Entries(second)).Should().AllSatisfy(e => e.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType));

        // One batch: a patch, a delete, a create, then the delta link once they have run.
        var answers = await tenant.Writer.BatchAsync(
        [
            GraphBatch.Request("patch", "PATCH", $"{GraphBatch.Summaries}/{ids[0]}", new { tenantDisplayName = "Batched 0 (renamed)" }),
            GraphBatch.Request("delete", "DELETE", $"{GraphBatch.Summaries}/{ids[1]}"),
            GraphBatch.Request("create", "POST", GraphBatch.Summaries, Body("Batched new", 300)),
            GraphBatch.Request("delta", "GET", deltaLink[root.Length..], dependsOn: ["patch", "delete", "create"]),
        ], batch);

        answers["patch"].Status().Should().Be(200);
        answers["delete"].Status().Should().Be(204);
        answers["create"].Status().Should().Be(201);
        var created = answers["create"].Body().Id();
        answers["delta"].Status().Should().Be(200, answers["delta"].ToString());
        answers["delta"].Header("Content-Type").Should().StartWith("application/json");

        // The round keeps its page size of two (its links carry it): follow its next links, in batches too.
        var round = await WalkAsync(answers["delta"], root, batch);
        round.DeltaLink.Should().StartWith(root).And.NotBe(deltaLink);
        var changed = round.Entries.Where(e => !e.TryGetProperty("@removed", out _))
            .ToDictionary(e => e.Id(), e => e.GetProperty("tenantDisplayName").GetString());
        changed.Should().BeEquivalentTo(new Dictionary<string, string?> { [ids[0]] = "Batched 0 (renamed)", [created] = "Batched new" });
        round.Entries.Where(e => e.TryGetProperty("@removed", out _)).Select(e => (e.Id(), e.GetProperty("@removed").GetProperty("reason").GetString()))
            .Should().Equal((ids[1], "deleted"));
    }

    [Fact]
    public async Task A_forged_delta_token_or_an_option_graph_refuses_on_delta_is_that_batched_requests_own_400()
    {
        await tenant.Writer.CreateAsync(Body("Refusals", 10));

        var answers = await tenant.Reader.BatchAsync(
        [
            GraphBatch.Request("forged", "GET", $"{Delta}?$deltatoken=not-a-token"),
            GraphBatch.Request("top", "GET", $"{Delta}?$top=2"),
            GraphBatch.Request("ok", "GET", Delta),
        ]);

        answers["forged"].ShouldBeGraphError(400, "BadRequest", "delta");
        answers["top"].ShouldBeGraphError(400, "BadRequest", "'$top'");
        answers["ok"].Status().Should().Be(200);
        Entries(answers["ok"]).Select(e => e.GetProperty("tenantDisplayName").GetString()).Should().Equal("Refusals");
        answers["ok"].Body().GetProperty("@odata.deltaLink").GetString().Should().Contain("$deltatoken=");
    }

    /// <summary>The rest of a round from its first answer: each next link sent in a batch of its own, to the delta link.</summary>
    private async Task<(List<JsonElement> Entries, string DeltaLink)> WalkAsync(JsonElement answer, string root, string batch)
    {
        var entries = new List<JsonElement>(Entries(answer));
        for (var pages = 1; answer.Body().TryGetProperty("@odata.nextLink", out var next); pages++)
        {
            pages.Should().BeLessThan(10, "a round of three changes ends");
            answer = (await tenant.Reader.BatchAsync([GraphBatch.Request("next", "GET", next.GetString()![root.Length..])], batch))["next"];
            answer.Status().Should().Be(200, answer.ToString());
            entries.AddRange(Entries(answer));
        }

        return (entries, answer.Body().GetProperty("@odata.deltaLink").GetString()!);
    }

    private static JsonElement[] Entries(JsonElement answer) => [.. answer.Body().GetProperty("value").EnumerateArray()];

    private static Dictionary<string, object?> Body(string displayName, int total) => new()
    {
        ["tenantId"] = Guid.NewGuid().ToString(),
        ["tenantDisplayName"] = displayName,
        ["totalUserCount"] = total,
    };
}
