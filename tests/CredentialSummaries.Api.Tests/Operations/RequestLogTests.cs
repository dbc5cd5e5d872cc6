using System.Net;
using CredentialSummaries.Api.Operations;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.Extensions.Logging;

namespace CredentialSummaries.Api.Tests.Operations;

/// <summary>
/// One request-log line per request — direct, inside a Graph JSON batch, inside an OData <c>$batch</c> — carrying the
/// ids the response carries, the caller's tenant, the method, the path without its query, the status and a duration.
/// </summary>
public sealed class RequestLogTests(LogCapturingFactory factory) : IClassFixture<LogCapturingFactory>
{
    private readonly TestTenant tenant = new(factory);

    [Fact]
    public async Task Each_direct_request_logs_one_line_with_its_ids_tenant_method_path_status_and_duration()
    {
        var created = await tenant.Writer.CreateAsync();
        var item = $"{GraphApi.Summaries}/{created.Id()}";

        using var get = await tenant.Reader.SendAsync(GraphApi.Request(HttpMethod.Get, item + "?$select=tenantDisplayName", null,
            ("client-request-id", "get-7f3a")));
        get.StatusCode.Should().Be(HttpStatusCode.OK);
        var line = await SingleLineForAsync(get);
        line.Values["ClientRequestId"].Should().Be("get-7f3a");
        line.Values["OwnerTenant"].Should().Be(tenant.Id);
        line.Values["Method"].Should().Be("GET");
        line.Values["Route"].Should().Be(item, "the path is logged, never the query string");
        line.Values["StatusCode"].Should().Be(200);
        line.Values["DurationMs"].Should().BeOfType<double>().Which.Should().BeGreaterThanOrEqualTo(0);
        line.Level.Should().Be(LogLevel.Information);
        line.Message.Should().Be(
            $"GET {item} answered 200 in {line.Values["DurationMs"]} ms (request-id {RequestId(get)}, client-request-id get-7f3a, tenant {tenant.Id})");

        using var patch = await tenant.Writer.PatchAsync(item, new { mfaRegisteredUserCount = 150 });
        patch.StatusCode.Should().Be(HttpStatusCode.OK);
        var patched = await SingleLineForAsync(patch);
        patched.Values["Method"].Should().Be("PATCH");
        patched.Values["StatusCode"].Should().Be(200);
        patched.Values["ClientRequestId"].Should().Be(RequestId(patch), "without a client-request-id the request-id stands in");

        using var missing = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/no-such-id");
        (await SingleLineForAsync(missing)).Values["StatusCode"].Should().Be(404);
    }

    [Fact]
    public async Task A_request_without_a_token_logs_its_401_with_no_tenant()
    {
        using var anonymous = factory.ClientFor(null);
        using var response = await anonymous.GetAsync(GraphApi.Summaries + "?$top=1");
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        var line = await SingleLineForAsync(response);
        line.Values["OwnerTenant"].Should().Be("none");
        line.Values["StatusCode"].Should().Be(401);
        line.Values["Route"].Should().Be(GraphApi.Summaries);
    }

    [Fact]
    public async Task Each_request_of_a_graph_json_batch_logs_one_line_with_its_own_ids()
    {
        var answers = await tenant.Writer.BatchAsync(
        [
            GraphBatch.Request("1", "POST", GraphBatch.Summaries, GraphApi.SeedBody(), headers: new() { ["client-request-id"] = "batch-one" }),
            GraphBatch.Request("2", "GET", GraphBatch.Summaries + "?$count=true", dependsOn: ["1"]),
            GraphBatch.Request("3", "DELETE", GraphBatch.Summaries + "/not-there"),
        ]);

        var post = await SingleLineForAsync(answers["1"].Header("request-id")!);
        post.Values["ClientRequestId"].Should().Be("batch-one");
        post.Values["Method"].Should().Be("POST");
        post.Values["Route"].Should().Be(GraphApi.Summaries);
        post.Values["StatusCode"].Should().Be(201);
        post.Values["OwnerTenant"].Should().Be(tenant.Id);

        var list = await SingleLineForAsync(answers["2"].Header("request-id")!);
        list.Values["Method"].Should().Be("GET");
        list.Values["Route"].Should().Be(GraphApi.Summaries);
        list.Values["StatusCode"].Should().Be(200);
        list.Values["ClientRequestId"].Should().Be(answers["2"].Header("client-request-id"));

        var delete = await SingleLineForAsync(answers["3"].Header("request-id")!);
        delete.Values["Method"].Should().Be("DELETE");
        delete.Values["StatusCode"].Should().Be(404);
        delete.Values["OwnerTenant"].Should().Be(tenant.Id);
    }

    [Fact]
    public async Task A_batch_itself_logs_one_line_of_its_own_for_either_form()
    {
        using var graph = await tenant.Writer.PostBatchAsync([GraphBatch.Request("1", "GET", GraphBatch.Summaries)]);
        using var odata = await tenant.Writer.PostAsync(ODataBatch.V1Batch, ODataBatch.Multipart(new MultipartRequest("GET", GraphApi.Summaries)));

        foreach (var (response, route) in new[] { (graph, GraphBatch.V1Batch), (odata, ODataBatch.V1Batch) })
        {
            response.StatusCode.Should().Be(System.Net.HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            var line = await SingleLineForAsync(response);
            line.Values["Method"].Should().Be("POST");
            line.Values["Route"].Should().Be(route);
            line.Values["StatusCode"].Should().Be(200);
        }
    }

    [Fact]
    public async Task Each_request_of_an_odata_batch_logs_one_line_with_its_own_ids()
    {
        var created = await tenant.Writer.CreateAsync();
        using var response = await tenant.Reader.PostAsync(ODataBatch.V1Batch, ODataBatch.Multipart(
            new MultipartRequest("GET", $"{GraphApi.Summaries}/{created.Id()}"),
            new MultipartRequest("GET", $"{GraphApi.Summaries}?$top=1")));
        var parts = await ODataBatch.ReadMultipartAsync(response);

        parts.Should().HaveCount(2);
        foreach (var part in parts)
        {
            var line = await SingleLineForAsync(part.Headers["request-id"]);
            line.Values["StatusCode"].Should().Be(part.Status);
            line.Values["OwnerTenant"].Should().Be(tenant.Id);
            line.Values["Route"].Should().BeOfType<string>().Which.Should().StartWith(GraphApi.Summaries).And.NotContain("?");
        }
    }

    private static string RequestId(HttpResponseMessage response) => response.Headers.GetValues("request-id").Single();

    private Task<LogEntry> SingleLineForAsync(HttpResponseMessage response) => SingleLineForAsync(RequestId(response));

    /// <summary>The request-log line of <paramref name="requestId"/>: exactly one, waited for at most 5 s.</summary>
    private async Task<LogEntry> SingleLineForAsync(string requestId)
    {
        requestId.Should().NotBeNullOrEmpty();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        List<LogEntry> lines;
        while ((lines = LinesFor(requestId)).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        lines.Should().ContainSingle($"request {requestId} should log exactly one request line");
        var line = lines[0];
        line.Category.Should().Be(RequestLogging.Category);
        line.Level.Should().Be(LogLevel.Information);
        line.Values["RequestId"].Should().Be(requestId);
        return line;
    }

    private List<LogEntry> LinesFor(string requestId) => factory.Entries
        .Where(e => e.EventId == RequestLogging.RequestCompletedEventId && e.Category == RequestLogging.Category)
        .Where(e => Equals(e.Values.GetValueOrDefault("RequestId"), requestId))
        .ToList();
}
