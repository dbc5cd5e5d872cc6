using System.Net;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Controllers;

/// <summary>
/// A request the service refuses writes nothing: content negotiation, preconditions and the body are judged before
/// the write, directly and inside both kinds of batch.
/// </summary>
public sealed class RefusedWriteTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private readonly TestTenant tenant = new(factory);

    public static TheoryData<string> UnanswerableAccepts => new()
    {
        "text/html",
        "application/xml",
        "text/plain",
        "image/png, text/*",
        "application/json;odata.metadata=bogus",
    };

    [Theory]
    [MemberData(nameof(UnanswerableAccepts))]
    public async Task Patch_with_an_accept_the_service_cannot_answer_returns_406_and_changes_nothing(string accept)
    {
        var created = await tenant.Writer.CreateAsync();

        using var response = await tenant.Writer.PatchAsync(
            $"{GraphApi.Summaries}/{created.Id()}", new { mfaRegisteredUserCount = 7 }, ("Accept", accept));

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.NotAcceptable, "NotAcceptable", "application/json");
        await ShouldBeUnchangedAsync(created);
    }

    [Theory]
    [MemberData(nameof(UnanswerableAccepts))]
    public async Task Post_with_an_accept_the_service_cannot_answer_returns_406_and_stores_nothing(string accept)
    {
        var body = GraphApi.SeedBody();

        using var response = await tenant.Writer.PostAsync(GraphApi.Summaries, body, ("Accept", accept));

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.NotAcceptable, "NotAcceptable", "application/json");
        await ShouldHaveCountAsync(0);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json;odata.metadata=minimal")]
    [InlineData("application/json;odata.metadata=none;odata.streaming=true")]
    [InlineData("*/*")]
    [InlineData("text/html, application/json;q=0.5")]
    public async Task Patch_with_an_accept_that_allows_json_is_applied(string accept)
    {
        var created = await tenant.Writer.CreateAsync();

        using var response = await tenant.Writer.PatchAsync(
            $"{GraphApi.Summaries}/{created.Id()}", new { mfaRegisteredUserCount = 7 }, ("Accept", accept));

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        json.GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(7);
        (await tenant.Reader.GetSummaryAsync(created.Id())).GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(7);
    }

    [Fact]
    public async Task Patch_with_if_none_match_star_returns_412_and_changes_nothing()
    {
        var created = await tenant.Writer.CreateAsync();

        using var response = await tenant.Writer.PatchAsync(
            $"{GraphApi.Summaries}/{created.Id()}", new { mfaRegisteredUserCount = 7 }, ("If-None-Match", "*"));

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.PreconditionFailed, "PreconditionFailed", "If-None-Match");
        await ShouldBeUnchangedAsync(created);
    }

    [Fact]
    public async Task Delete_with_if_none_match_of_the_current_etag_returns_412_and_keeps_the_row()
    {
        var created = await tenant.Writer.CreateAsync();
        var etag = created.GetProperty("@odata.etag").GetString()!;

        using var response = await tenant.Writer.SendAsync(
            GraphApi.Request(HttpMethod.Delete, $"{GraphApi.Summaries}/{created.Id()}", headers: ("If-None-Match", etag)));

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.PreconditionFailed, "PreconditionFailed");
        await ShouldBeUnchangedAsync(created);
    }

    [Fact]
    public async Task Graph_json_batch_refuses_writes_with_an_unanswerable_accept_and_writes_nothing()
    {
        var created = await tenant.Writer.CreateAsync();
        var html = new Dictionary<string, string> { ["Accept"] = "text/html", ["Content-Type"] = "application/json" };

        var answers = await tenant.Writer.BatchAsync(
        [
            GraphBatch.Request("1", "PATCH", $"{GraphBatch.Summaries}/{created.Id()}", new { mfaRegisteredUserCount = 7 }, headers: html),
            GraphBatch.Request("2", "POST", GraphBatch.Summaries, GraphApi.SeedBody(), headers: html),
        ]);

        answers["1"].ShouldBeGraphError(406, "NotAcceptable");
        answers["2"].ShouldBeGraphError(406, "NotAcceptable");
        await ShouldBeUnchangedAsync(created);
        await ShouldHaveCountAsync(1);
    }

    [Fact]
    public async Task OData_json_batch_refuses_writes_with_an_unanswerable_accept_and_writes_nothing()
    {
        var created = await tenant.Writer.CreateAsync();
        var html = new Dictionary<string, string> { ["accept"] = "text/html", ["content-type"] = "application/json" };
        var requests = new object[]
        {
            new Dictionary<string, object?>
            {
                ["id"] = "1", ["method"] = "PATCH", ["url"] = $"{GraphApi.Summaries}/{created.Id()}", ["headers"] = html,
                ["body"] = new { mfaRegisteredUserCount = 7 },
            },
            new Dictionary<string, object?>
            {
                ["id"] = "2", ["method"] = "POST", ["url"] = GraphApi.Summaries, ["headers"] = html, ["body"] = GraphApi.SeedBody(),
            },
        };

        using var response = await tenant.Writer.PostAsync(ODataBatch.V1Batch, GraphApi.Json(new { requests }));

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        var answers = json.GetProperty("responses").EnumerateArray().ToList();
        answers.Select(a => a.GetProperty("status").GetInt32()).Should().Equal(406, 406);
        answers.Should().AllSatisfy(a =>
            a.GetProperty("body").GetProperty("error").GetProperty("code").GetString().Should().Be("NotAcceptable"));
        await ShouldBeUnchangedAsync(created);
        await ShouldHaveCountAsync(1);
    }

    private async Task ShouldBeUnchangedAsync(JsonElement created)
    {
        var stored = await tenant.Reader.GetSummaryAsync(created.Id());
        foreach (var property in created.EnumerateObject().Where(p => p.Name != "@odata.context"))
        {
            stored.GetProperty(property.Name).ToString().Should().Be(property.Value.ToString(), property.Name);
        }
    }

    private async Task ShouldHaveCountAsync(int expected)
    {
        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/$count");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        text.Should().Be(expected.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
