using System.Net;
using CredentialSummaries.Api.Tests.Fixtures;
using static CredentialSummaries.Api.Tests.Fixtures.GraphBatch;

namespace CredentialSummaries.Api.Tests.Graph;

public sealed class GraphJsonBatchTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private readonly TestTenant tenant = new(factory);

    [Fact]
    public async Task A_batch_of_20_mixed_requests_answers_each_as_it_would_alone_honouring_dependsOn()
    {
        var a = await tenant.Writer.CreateAsync();
        var b = await tenant.Writer.CreateAsync();
        var c = await tenant.Writer.CreateAsync();
        var d = await tenant.Writer.CreateAsync();
        var created = GraphApi.SeedBody();
        var breaksRule = GraphApi.SeedBody();
        breaksRule["mfaRegisteredUserCount"] = 500;
        var sameTenant = GraphApi.SeedBody((string)created["tenantId"]!);
        var chained = GraphApi.SeedBody();
        chained["id"] = "batch-chain";

        var answers = await tenant.Writer.BatchAsync(
        [
            Request("create", "POST", Summaries, created),
            Request("createChain", "POST", Summaries, chained),
            Request("patchChain", "PATCH", $"{Summaries}/batch-chain", new { tenantDisplayName = "Chained" }, ["createChain"]),
            Request("getChain", "GET", $"{Summaries}/batch-chain", dependsOn: ["patchChain"]),
            Request("deleteChain", "DELETE", $"{Summaries}/batch-chain", dependsOn: ["getChain"]),
            Request("getA", "GET", $"{Summaries}/{a.Id()}"),
            Request("getB", "GET", $"{Summaries.TrimStart('/')}/{b.Id()}"),
            Request("patchC", "PATCH", $"{Summaries}/{c.Id()}", new { mfaRegisteredUserCount = 10 }),
            Request("getC", "GET", $"{Summaries}/{c.Id()}", dependsOn: ["patchC"]),
            Request("deleteD", "DELETE", $"{Summaries}/{d.Id()}"),
            Request("getUnknown", "GET", $"{Summaries}/no-such-summary"),
            Request("breaksRule", "POST", Summaries, breaksRule),
            Request("afterFailure", "PATCH", $"{Summaries}/{a.Id()}", new { tenantDisplayName = "Never" }, ["breaksRule"]),
            Request("afterDependentFailure", "GET", $"{Summaries}/{a.Id()}", dependsOn: ["afterFailure"]),
            Request("afterNotFound", "DELETE", $"{Summaries}/{a.Id()}", dependsOn: ["getUnknown"]),
            Request("list", "GET", $"{Summaries}?$filter=tenantId eq '{a.GetProperty("tenantId").GetString()}'&$count=true"),
            Request("select", "GET", $"{Summaries}/{b.Id()}?$select=tenantDisplayName"),
            Request("minimal", "POST", Summaries, GraphApi.SeedBody(), headers: new() { ["Prefer"] = "return=minimal" }),
            Request("conflict", "POST", Summaries, sameTenant, ["create"]),
            Request("changeTenantId", "PATCH", $"{Summaries}/{b.Id()}", new { tenantId = Guid.NewGuid().ToString() }),
        ]);

        answers.Should().HaveCount(20);
        answers.Values.Select(r => r.Header("request-id")).Should().OnlyHaveUniqueItems().And.NotContainNulls();

        var create = answers["create"];
        create.Status().Should().Be(201);
        create.Header("Content-Type").Should().StartWith("application/json");
        create.Body().GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
        create.Body().GetProperty("tenantId").GetString().Should().Be((string)created["tenantId"]!);
        create.Header("Location").Should().Be($"http://localhost{GraphApi.Summaries}/{create.Body().Id()}");

        answers["createChain"].Status().Should().Be(201);
        answers["patchChain"].Status().Should().Be(200);
        answers["patchChain"].Body().GetProperty("tenantDisplayName").GetString().Should().Be("Chained");
        answers["getChain"].Status().Should().Be(200);
        answers["getChain"].Body().GetProperty("tenantDisplayName").GetString().Should().Be("Chained");
        answers["deleteChain"].Status().Should().Be(204);
        answers["deleteChain"].TryGetProperty("body", out _).Should().BeFalse();

        answers["getA"].Status().Should().Be(200);
        answers["getA"].Body().GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
        answers["getA"].Body().Id().Should().Be(a.Id());
        answers["getB"].Status().Should().Be(200);
        answers["getB"].Body().Id().Should().Be(b.Id());
        answers["patchC"].Status().Should().Be(200);
        answers["getC"].Body().GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(10);
        answers["deleteD"].Status().Should().Be(204);

        answers["getUnknown"].ShouldBeGraphError(404, "ResourceNotFound", "no-such-summary");
        answers["breaksRule"].ShouldBeGraphError(400, "BadRequest", "mfaRegisteredUserCount");
        answers["afterFailure"].ShouldBeGraphError(424, "FailedDependency", "'breaksRule'", "400");
        answers["afterDependentFailure"].ShouldBeGraphError(424, "FailedDependency", "'afterFailure'", "424");
        answers["afterNotFound"].ShouldBeGraphError(424, "FailedDependency", "'getUnknown'", "404");

        var list = answers["list"];
        list.Status().Should().Be(200);
        list.Body().GetProperty("@odata.count").GetInt32().Should().Be(1);
        list.Body().GetProperty("value")[0].Id().Should().Be(a.Id());

        answers["select"].Body().EnumerateObject().Select(p => p.Name).Should()
            .BeEquivalentTo("@odata.context", "@odata.type", "@odata.etag", "tenantDisplayName");
        answers["minimal"].Status().Should().Be(204);
        answers["minimal"].Header("Location").Should().StartWith($"http://localhost{GraphApi.Summaries}/");
        answers["conflict"].ShouldBeGraphError(409, "Conflict", (string)created["tenantId"]!);
        answers["changeTenantId"].ShouldBeGraphError(400, "BadRequest", "tenantId");

        using var stillA = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{a.Id()}");
        (await stillA.ReadJsonAsync()).GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Ltd");
        using var goneD = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{d.Id()}");
        goneD.StatusCode.Should().Be(HttpStatusCode.NotFound);
        using var goneChain = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/batch-chain");
        goneChain.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await CountAsync(tenant.Reader)).Should().Be(5, "A, B, C, the created one and the minimal one remain");
    }

    [Fact]
    public async Task A_dependsOn_chain_runs_in_dependency_order_whatever_the_order_sent()
    {
        var answers = await tenant.Writer.BatchAsync(
        [
            Request("3", "PATCH", $"{Summaries}/ordered", new { tenantDisplayName = "Third" }, ["2"]),
            Request("2", "PATCH", $"{Summaries}/ordered", new { tenantDisplayName = "Second" }, ["1"]),
            Request("1", "POST", Summaries, new Dictionary<string, object?>(GraphApi.SeedBody()) { ["id"] = "ordered" }),
        ]);

        answers["1"].Status().Should().Be(201);
        answers["2"].Body().GetProperty("tenantDisplayName").GetString().Should().Be("Second");
        answers["3"].Body().GetProperty("tenantDisplayName").GetString().Should().Be("Third");
        using var stored = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/ordered");
        (await stored.ReadJsonAsync()).GetProperty("tenantDisplayName").GetString().Should().Be("Third");
    }

    [Fact]
    public async Task A_batch_of_21_requests_returns_400_and_runs_none_of_them()
    {
        var requests = Enumerable.Range(1, 21).Select(i => (object)Request($"{i}", "POST", Summaries, GraphApi.SeedBody()));

        using var response = await tenant.Writer.PostBatchAsync(requests);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "21", "at most 20");
        (await CountAsync(tenant.Reader)).Should().Be(0);
    }

    public static TheoryData<string, object[], string> MalformedBatches => new()
    {
        { "duplicate ids", [Request("1", "GET", Summaries), Request("1", "GET", Summaries)], "'1' is used more than once" },
        { "unknown dependsOn", [Request("1", "GET", Summaries, dependsOn: ["9"])], "'9', which is not a request of this batch" },
        { "no method", [new { id = "1", url = Summaries }], "'1' has no 'method'" },
        { "no url", [new { id = "1", method = "GET" }], "'1' has no 'url'" },
        { "no id", [new { method = "GET", url = Summaries }], "has no 'id'" },
        { "cycle", [Request("1", "GET", Summaries, dependsOn: ["2"]), Request("2", "GET", Summaries, dependsOn: ["1"])], "cycle" },
        { "self dependency", [Request("1", "GET", Summaries, dependsOn: ["1"])], "depends on itself" },
        { "absolute url", [Request("1", "GET", "https://graph.microsoft.com/v1.0/me")], "relative to the version root" },
        { "nested batch", [Request("1", "POST", "/$batch")], "nested" },
        { "no requests", [], "no requests" },
    };

    [Theory]
    [MemberData(nameof(MalformedBatches))]
    public async Task A_malformed_batch_returns_400_naming_the_fault_and_runs_nothing(string fault, object[] requests, string mention)
    {
        var withWrite = requests.Append(Request("write", "POST", Summaries, GraphApi.SeedBody()));

        using var response = await tenant.Writer.PostBatchAsync(fault == "no requests" ? requests : withWrite);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", mention);
        (await CountAsync(tenant.Reader)).Should().Be(0);
    }

    [Fact]
    public async Task A_batch_body_that_is_not_json_returns_400_and_one_that_is_not_application_json_415()
    {
        using var broken = await tenant.Writer.PostAsync(V1Batch, GraphApi.Json("{\"requests\": ["));
        await broken.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "not valid JSON");

        using var text = await tenant.Writer.PostAsync(V1Batch, new StringContent("{}", System.Text.Encoding.UTF8, "text/plain"));
        await text.ShouldBeGraphErrorAsync(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", "text/plain");

        using var get = await tenant.Writer.GetAsync(V1Batch);
        await get.ShouldBeGraphErrorAsync(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed");
    }

    [Fact]
    public async Task A_batch_naming_another_tenants_ids_leaks_nothing_and_changes_nothing()
    {
        var other = new TestTenant(factory);
        var theirs = await other.Writer.CreateAsync();
        var id = theirs.Id();

        var answers = await tenant.Writer.BatchAsync(
        [
            Request("get", "GET", $"{Summaries}/{id}"),
            Request("patch", "PATCH", $"{Summaries}/{id}", new { tenantDisplayName = "Hijacked" }),
            Request("delete", "DELETE", $"{Summaries}/{id}"),
            Request("list", "GET", $"{Summaries}?$filter=id eq '{id}'&$count=true"),
            Request("unknown", "GET", $"{Summaries}/{id[..^1]}x"),
        ]);

        string[] namingTheirs = ["get", "patch", "delete"];
        var messages = namingTheirs.Select(name => answers[name].ShouldBeGraphError(404, "ResourceNotFound", id).GetProperty("message").GetString());
        var unknown = answers["unknown"].ShouldBeGraphError(404, "ResourceNotFound").GetProperty("message").GetString()!;
        messages.Should().AllBe(unknown.Replace($"{id[..^1]}x", id, StringComparison.Ordinal));
        answers["list"].Body().GetProperty("@odata.count").GetInt32().Should().Be(0);
        answers["list"].Body().GetProperty("value").GetArrayLength().Should().Be(0);

        using var stored = await other.Reader.GetAsync($"{GraphApi.Summaries}/{id}");
        var json = await stored.ReadJsonAsync();
        stored.StatusCode.Should().Be(HttpStatusCode.OK);
        json.GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Ltd");
    }

    [Fact]
    public async Task A_request_carrying_a_read_only_token_gets_403_while_the_others_succeed()
    {
        var readOnly = $"Bearer {TokenMinter.Delegated(tenant.Id, GraphApi.Read)}";

        var answers = await tenant.Writer.BatchAsync(
        [
            Request("denied", "POST", Summaries, GraphApi.SeedBody(), headers: new() { ["Authorization"] = readOnly }),
            Request("allowed", "POST", Summaries, GraphApi.SeedBody()),
            Request("readWithReadOnly", "GET", Summaries, headers: new() { ["Authorization"] = readOnly }, dependsOn: ["allowed"]),
        ]);

        answers["denied"].ShouldBeGraphError(403, "Authorization_RequestDenied", GraphApi.ReadWrite);
        answers["allowed"].Status().Should().Be(201);
        answers["readWithReadOnly"].Status().Should().Be(200);
        answers["readWithReadOnly"].Body().GetProperty("value").GetArrayLength().Should().Be(1);
        (await CountAsync(tenant.Reader)).Should().Be(1);
    }

    [Fact]
    public async Task Without_an_outer_token_each_request_without_its_own_gets_401_and_one_with_its_own_succeeds()
    {
        using var anonymous = factory.ClientFor(token: null);
        var existing = await tenant.Writer.CreateAsync();

        var answers = await anonymous.BatchAsync(
        [
            Request("list", "GET", Summaries),
            Request("get", "GET", $"{Summaries}/{existing.Id()}"),
            Request("create", "POST", Summaries, GraphApi.SeedBody()),
            Request("delete", "DELETE", $"{Summaries}/{existing.Id()}"),
            Request("own", "GET", $"{Summaries}/{existing.Id()}",
                headers: new() { ["Authorization"] = $"Bearer {TokenMinter.Delegated(tenant.Id, GraphApi.Read)}" }),
        ]);

        string[] withoutToken = ["list", "get", "create", "delete"];
        foreach (var name in withoutToken)
        {
            answers[name].ShouldBeGraphError(401, "InvalidAuthenticationToken", "Access token is empty.");
            answers[name].Header("WWW-Authenticate").Should().StartWith("Bearer");
        }

        answers["own"].Status().Should().Be(200);
        (await CountAsync(tenant.Reader)).Should().Be(1);
    }

    [Fact]
    public async Task Each_answer_carries_its_own_request_id_and_echoes_its_own_client_request_id()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, BetaBatch)
        {
            Content = GraphApi.Json(new
            {
                requests = new[]
                {
                    Request("1", "GET", Summaries, headers: new() { ["client-request-id"] = "sub-request-1" }),
                    Request("2", "GET", $"{Summaries}/missing"),
                },
            }),
        };
        request.Headers.Add("client-request-id", "the-batch");

        using var response = await tenant.Writer.SendAsync(request);

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.GetValues("client-request-id").Should().Equal("the-batch");
        var outerId = response.Headers.GetValues("request-id").Single();
        var answers = json.GetProperty("responses").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!);
        answers["1"].Header("client-request-id").Should().Be("sub-request-1");
        answers["1"].Body().GetProperty("@odata.context").GetString().Should()
            .Be("http://localhost/beta/tenantRelationships/managedTenants/$metadata#credentialUserRegistrationsSummaries");
        var error = answers["2"].ShouldBeGraphError(404, "ResourceNotFound", "missing");
        error.GetProperty("innerError").GetProperty("client-request-id").GetString().Should().Be(answers["2"].Header("request-id"));
        new[] { outerId, answers["1"].Header("request-id"), answers["2"].Header("request-id") }.Should().OnlyHaveUniqueItems();
    }

    private static async Task<int> CountAsync(HttpClient reader)
    {
        using var response = await reader.GetAsync($"{GraphApi.Summaries}/$count");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }
}
