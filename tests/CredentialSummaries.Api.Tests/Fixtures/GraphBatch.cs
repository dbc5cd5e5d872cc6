using System.Net;
using System.Text.Json;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>Graph JSON batches: building the requests, posting them, reading the per-request answers.</summary>
public static class GraphBatch
{
    public const string V1Batch = "/v1.0/$batch";
    public const string BetaBatch = "/beta/$batch";

    /// <summary>The summaries collection relative to the version root, as batched urls are.</summary>
    public const string Summaries = "/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries";

    public static Dictionary<string, object?> Request(
        string id, string method, string url, object? body = null, string[]? dependsOn = null, Dictionary<string, string>? headers = null)
    {
        var request = new Dictionary<string, object?> { ["id"] = id, ["method"] = method, ["url"] = url };
        if (body is not null)
        {
            request["body"] = body;
        }

        if (dependsOn is not null)
        {
            request["dependsOn"] = dependsOn;
        }

        if (headers is not null)
        {
            request["headers"] = headers;
        }

        return request;
    }

    public static async Task<HttpResponseMessage> PostBatchAsync(this HttpClient client, IEnumerable<object> requests, string url = V1Batch) =>
        await client.PostAsync(url, GraphApi.Json(new { requests }));

    /// <summary>Posts the batch, expects 200 and returns the answers by id.</summary>
    public static async Task<Dictionary<string, JsonElement>> BatchAsync(this HttpClient client, IEnumerable<object> requests, string url = V1Batch)
    {
        using var response = await client.PostBatchAsync(requests, url);
        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        response.Headers.Contains("request-id").Should().BeTrue();
        return json.GetProperty("responses").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!);
    }

    public static int Status(this JsonElement answer) => answer.GetProperty("status").GetInt32();

    public static string? Header(this JsonElement answer, string name) =>
        answer.GetProperty("headers").EnumerateObject()
            .Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            .Select(h => h.Value.GetString())
            .FirstOrDefault();

    public static JsonElement Body(this JsonElement answer) => answer.GetProperty("body");

    /// <summary>Graph's error contract inside one answer of a batch: status, code, message, and its own request ids.</summary>
    public static JsonElement ShouldBeGraphError(this JsonElement answer, int status, string code, params string[] mentions)
    {
        answer.Status().Should().Be(status, answer.ToString());
        answer.Header("Content-Type").Should().StartWith("application/json");
        var error = answer.Body().GetProperty("error");
        error.GetProperty("code").GetString().Should().Be(code);
        var message = error.GetProperty("message").GetString();
        foreach (var mention in mentions)
        {
            message.Should().Contain(mention);
        }

        message.Should().NotContainAny("   at ", "Exception", "SELECT ", "/work/", ".cs:line");
        var inner = error.GetProperty("innerError");
        inner.GetProperty("request-id").GetString().Should().Be(answer.Header("request-id")).And.NotBeNullOrEmpty();
        inner.GetProperty("client-request-id").GetString().Should().Be(answer.Header("client-request-id"));
        return error.Clone();
    }
}
