using System.Net;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Graph;

public sealed class ODataBatchTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private const string EntitySet = "credentialUserRegistrationsSummaries";
    private readonly TestTenant tenant = new(factory);

    [Fact]
    public async Task Multipart_change_set_of_two_valid_posts_persists_both()
    {
        var first = GraphApi.SeedBody();
        var second = GraphApi.SeedBody();

        using var response = await tenant.Writer.PostAsync(ODataBatch.V1Batch, ODataBatch.Multipart(
            new ChangeSet(new("POST", EntitySet, first), new("POST", EntitySet, second)),
            new MultipartRequest("GET", $"{EntitySet}/$count")));

        var parts = await ODataBatch.ReadMultipartAsync(response);
        parts.Should().HaveCount(3);
        parts[0].ChangeSet.Should().Be(1);
        parts[1].ChangeSet.Should().Be(1);
        parts[2].ChangeSet.Should().BeNull();
        var created = parts.Take(2).Select(p =>
        {
            p.Status.Should().Be(201, p.Body);
            var json = p.Json();
            json.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
            p.Headers["Location"].Should().Be($"http://localhost{GraphApi.Summaries}/{json.Id()}");
            p.Headers.Should().ContainKey("request-id");
            return json;
        }).ToList();
        created.Select(c => c.GetProperty("tenantId").GetString()).Should().Equal((string)first["tenantId"]!, (string)second["tenantId"]!);
        parts[2].Status.Should().Be(200);
        parts[2].Body.Should().Be("2", "the change set committed before the next request ran");
        response.Headers.Should().ContainKey("request-id");

        await ShouldHaveCountAsync(2);
        foreach (var summary in created)
        {
            using var stored = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{summary.Id()}");
            stored.StatusCode.Should().Be(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task Multipart_change_set_whose_second_post_breaks_a_rule_rolls_back_the_first()
    {
        var breaksRule = GraphApi.SeedBody();
        breaksRule["ssprEnabledUserCount"] = 900;

        using var response = await tenant.Writer.PostAsync(ODataBatch.V1Batch, ODataBatch.Multipart(
            new ChangeSet(new("POST", EntitySet, GraphApi.SeedBody()), new("POST", EntitySet, breaksRule)),
            new MultipartRequest("GET", $"{EntitySet}/$count")));

        var parts = await ODataBatch.ReadMultipartAsync(response);
        parts.Should().HaveCount(2, "a failed change set answers with its failure alone");
        parts[0].ChangeSet.Should().Be(1);
        parts[0].ShouldBeGraphError(400, "BadRequest", "ssprEnabledUserCount");
        parts[1].Status.Should().Be(200);
        parts[1].Body.Should().Be("0");
        await ShouldHaveCountAsync(0);
    }

    [Fact]
    public async Task Multipart_change_set_that_conflicts_with_itself_answers_409_and_rolls_back()
    {
        var tenantId = Guid.NewGuid().ToString();

        using var response = await tenant.Writer.PostAsync(ODataBatch.V1Batch, ODataBatch.Multipart(
            new ChangeSet(new("POST", EntitySet, GraphApi.SeedBody(tenantId)), new("POST", EntitySet, GraphApi.SeedBody(tenantId)))));

        var parts = await ODataBatch.ReadMultipartAsync(response);
        parts.Should().ContainSingle().Which.ShouldBeGraphError(409, "Conflict", tenantId);
        await ShouldHaveCountAsync(0);
    }

    [Fact]
    public async Task Multipart_change_set_can_patch_what_it_created_through_its_content_id()
    {
        using var response = await tenant.Writer.PostAsync(ODataBatch.V1Batch, ODataBatch.Multipart(
            new ChangeSet(new("POST", EntitySet, GraphApi.SeedBody()), new("PATCH", "$1", new { tenantDisplayName = "Renamed" }))));

        var parts = await ODataBatch.ReadMultipartAsync(response);
        parts.Select(p => p.Status).Should().Equal(201, 200);
        var id = parts[0].Json().Id();
        parts[1].Json().Id().Should().Be(id);
        parts[1].Json().GetProperty("tenantDisplayName").GetString().Should().Be("Renamed");
        using var stored = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{id}");
        (await stored.ReadJsonAsync()).GetProperty("tenantDisplayName").GetString().Should().Be("Renamed");
    }

    [Fact]
    public async Task Multipart_requests_outside_a_change_set_are_not_atomic()
    {
        var breaksRule = GraphApi.SeedBody();
        breaksRule["tenantDisplayName"] = " ";

        using var response = await tenant.Writer.PostAsync(ODataBatch.V1Batch, ODataBatch.Multipart(
            new MultipartRequest("POST", EntitySet, GraphApi.SeedBody()),
            new MultipartRequest("POST", EntitySet, breaksRule)));

        var parts = await ODataBatch.ReadMultipartAsync(response);
        parts[0].Status.Should().Be(201);
        parts[1].ShouldBeGraphError(400, "BadRequest", "tenantDisplayName");
        await ShouldHaveCountAsync(1);
    }

    [Fact]
    public async Task Json_batch_atomicity_group_of_two_valid_posts_persists_both()
    {
        var answers = await JsonBatchAsync(
            JsonRequest("1", "POST", EntitySet, GraphApi.SeedBody(), "group"),
            JsonRequest("2", "POST", EntitySet, GraphApi.SeedBody(), "group"));

        answers.Should().HaveCount(2);
        answers.Select(a => a.GetProperty("atomicityGroup").GetString()).Distinct().Should().ContainSingle("both answers belong to one group");
        foreach (var answer in answers)
        {
            answer.GetProperty("status").GetInt32().Should().Be(201, answer.ToString());
            answer.GetProperty("body").GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
        }

        await ShouldHaveCountAsync(2);
    }

    [Fact]
    public async Task A_batch_answered_in_json_carries_text_answers_as_json_strings()
    {
        var created = await tenant.Writer.CreateAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, ODataBatch.V1Batch)
        {
            Content = ODataBatch.Multipart(new MultipartRequest("GET", $"{GraphApi.Summaries}/{created.Id()}/tenantDisplayName/$value")),
        };
        request.Headers.Accept.ParseAdd("application/json");

        using var response = await tenant.Writer.SendAsync(request);

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        var answer = json.GetProperty("responses")[0];
        answer.GetProperty("status").GetInt32().Should().Be(200);
        answer.GetProperty("body").GetString().Should().Be("Contoso Ltd");
    }

    [Theory]
    [InlineData("{\"requests\":[{\"id\":\"1\",\"method\":\"GET\",\"url\":\"credentialUserRegistrationsSummaries\",\"body\":\"x\",\"headers\":{\"content-type\":\"application/octet-stream\"}}]}")]
    [InlineData("{\"requests\":[{\"id\":\"1\",\"method\":\"GET\",\"url\":\"\\u00ff\\xC3\"}]}")]
    [InlineData("{\"requests\":[{\"id\":\"1\",\"method\":\"POST\",\"url\":\"credentialUserRegistrationsSummaries\",\"body\":null,\"headers\":{\"If-Match\":\"W/\\u00220\\u0022\",\"Content-Type\":\"application/json\"},\"dependsOn\":[\"9\"]},{\"id\":\"x\",\"method\":\"GET\",\"url\":\"credentialUserRegistrationsSummaries/$count\",\"headers\":{\"Accept\":\"\\u00E9\"},\"atomicityGroup\":\"g\"}]}")]
    public async Task A_json_batch_the_reader_cannot_read_is_a_400(string body)
    {
        using var content = new ByteArrayContent(System.Text.Encoding.Latin1.GetBytes(body));
        content.Headers.ContentType = new("application/json");

        using var response = await tenant.Writer.PostAsync(ODataBatch.V1Batch, content);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "The batch request could not be read");
    }

    [Theory]
    [InlineData("4.01")]
    [InlineData("4.0")]
    public async Task Json_batch_declaring_its_odata_version_is_read_and_answered(string version)
    {
        var created = await tenant.Writer.CreateAsync();
        var requests = new object[]
        {
            JsonRequest("1", "POST", EntitySet, GraphApi.SeedBody(), "group"),
            JsonRequest("2", "GET", $"{EntitySet}/{created.Id()}"),
        };
        using var request = GraphApi.Request(HttpMethod.Post, ODataBatch.V1Batch, new { requests }, ("OData-Version", version), ("OData-MaxVersion", "4.01"));

        using var response = await tenant.Writer.SendAsync(request);

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        response.Headers.GetValues("OData-Version").Should().Equal("4.0");
        var answers = json.GetProperty("responses").EnumerateArray().ToList();
        answers.Select(a => a.GetProperty("status").GetInt32()).Should().Equal([201, 200], json.ToString());
        answers[0].GetProperty("body").GetProperty("@odata.context").GetString().Should().EndWith("$metadata#credentialUserRegistrationsSummaries/$entity");
        answers[1].GetProperty("body").GetProperty("id").GetString().Should().Be(created.Id());
        answers[1].GetProperty("body").GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
        await ShouldHaveCountAsync(2);
    }

    [Theory]
    [InlineData("OData-Version", "4.01")]
    [InlineData("OData-MaxVersion", "4.01")]
    public async Task A_post_declaring_odata_4_01_is_read_and_answered_in_4_0_json_with_odata_prefixed_annotations(string header, string version)
    {
        using var request = GraphApi.Request(HttpMethod.Post, GraphApi.Summaries, GraphApi.SeedBody(), (header, version));

        using var response = await tenant.Writer.SendAsync(request);

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Created, json.ToString());
        response.Headers.GetValues("OData-Version").Should().Equal("4.0");
        json.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
    }

    [Fact]
    public async Task Json_batch_atomicity_group_whose_second_post_breaks_a_rule_rolls_back_the_first()
    {
        var breaksRule = GraphApi.SeedBody();
        breaksRule["mfaExcludedUserCount"] = 201;

        var answers = await JsonBatchAsync(
            JsonRequest("1", "POST", EntitySet, GraphApi.SeedBody(), "group"),
            JsonRequest("2", "POST", EntitySet, breaksRule, "group"),
            JsonRequest("3", "POST", EntitySet, GraphApi.SeedBody()));

        answers.Should().HaveCount(2, "a failed atomicity group answers with its failure alone");
        answers[0].GetProperty("status").GetInt32().Should().Be(400);
        var error = answers[0].GetProperty("body").GetProperty("error");
        error.GetProperty("code").GetString().Should().Be("BadRequest");
        error.GetProperty("message").GetString().Should().Contain("mfaExcludedUserCount");
        answers[1].GetProperty("status").GetInt32().Should().Be(201, "requests outside the group still run");
        await ShouldHaveCountAsync(1);
    }

    [Fact]
    public async Task Change_set_cannot_reach_another_tenants_rows()
    {
        var other = new TestTenant(factory);
        var theirs = await other.Writer.CreateAsync();

        using var response = await tenant.Writer.PostAsync(ODataBatch.V1Batch, ODataBatch.Multipart(
            new ChangeSet(
                new("POST", EntitySet, GraphApi.SeedBody()),
                new("PATCH", $"{EntitySet}/{theirs.Id()}", new { tenantDisplayName = "Hijacked" }))));

        var parts = await ODataBatch.ReadMultipartAsync(response);
        parts.Should().ContainSingle().Which.ShouldBeGraphError(404, "ResourceNotFound", theirs.Id());
        await ShouldHaveCountAsync(0);
        using var stored = await other.Reader.GetAsync($"{GraphApi.Summaries}/{theirs.Id()}");
        (await stored.ReadJsonAsync()).GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Ltd");
    }

    [Fact]
    public async Task Batch_without_a_token_answers_each_request_401()
    {
        using var anonymous = factory.ClientFor(token: null);

        using var response = await anonymous.PostAsync(ODataBatch.V1Batch, ODataBatch.Multipart(
            new MultipartRequest("GET", EntitySet),
            new ChangeSet(new MultipartRequest("POST", EntitySet, GraphApi.SeedBody()))));

        var parts = await ODataBatch.ReadMultipartAsync(response);
        parts.Should().HaveCount(2);
        parts.Should().AllSatisfy(p => p.ShouldBeGraphError(401, "InvalidAuthenticationToken"));
    }

    [Fact]
    public async Task Batch_with_an_unsupported_content_type_returns_a_graph_415()
    {
        using var response = await tenant.Writer.PostAsync(ODataBatch.V1Batch, new StringContent("x", System.Text.Encoding.UTF8, "text/plain"));

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", "multipart/mixed");
    }

    [Fact]
    public async Task Batch_odatalib_cannot_read_returns_a_graph_400_and_runs_nothing()
    {
        var content = new StringContent("--b\r\nContent-Type: application/http\r\n\r\nnot a request line\r\n--b--\r\n");
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/mixed; boundary=b");

        using var response = await tenant.Writer.PostAsync(ODataBatch.V1Batch, content);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "The batch request could not be read");
    }

    private static Dictionary<string, object?> JsonRequest(string id, string method, string url, object? body = null, string? atomicityGroup = null)
    {
        var request = new Dictionary<string, object?>
        {
            ["id"] = id,
            ["method"] = method,
            ["url"] = url,
            ["headers"] = new Dictionary<string, string> { ["content-type"] = "application/json" },
        };
        if (body is not null)
        {
            request["body"] = body;
        }

        if (atomicityGroup is not null)
        {
            request["atomicityGroup"] = atomicityGroup;
        }

        return request;
    }

    private async Task<List<JsonElement>> JsonBatchAsync(params object[] requests)
    {
        using var response = await tenant.Writer.PostAsync(ODataBatch.V1Batch, GraphApi.Json(new { requests }));
        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        return json.GetProperty("responses").EnumerateArray().ToList();
    }

    private async Task ShouldHaveCountAsync(int expected)
    {
        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/$count");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        text.Should().Be(expected.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
