using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>URLs, bodies and response readers shared by every test.</summary>
public static class GraphApi
{
    public const string V1Root = "/v1.0/tenantRelationships/managedTenants";
    public const string BetaRoot = "/beta/tenantRelationships/managedTenants";
    public const string Summaries = V1Root + "/credentialUserRegistrationsSummaries";
    public const string BetaSummaries = BetaRoot + "/credentialUserRegistrationsSummaries";
    public const string ODataType = "#microsoft.graph.managedTenants.credentialUserRegistrationsSummary";

    public const string ReadWrite = "ManagedTenants.ReadWrite.All";
    public const string Read = "ManagedTenants.Read.All";
    public const string ReportsRead = "Reports.Read.All";

    /// <summary>The seed page's create body with real values in place of its type names.</summary>
    public static Dictionary<string, object?> SeedBody(string? tenantId = null) => new()
    {
        ["@odata.type"] = ODataType,
        ["tenantId"] = tenantId ?? Guid.NewGuid().ToString(),
        ["tenantDisplayName"] = "Contoso Ltd",
        ["mfaAndSsprCapableUserCount"] = 120,
        ["ssprEnabledUserCount"] = 150,
        ["mfaRegisteredUserCount"] = 140,
        ["ssprRegisteredUserCount"] = 130,
        ["totalUserCount"] = 200,
        ["securityDefaultsEnabled"] = true,
        ["mfaConditionalAccessPolicyState"] = "enabled",
        ["lastRefreshedDateTime"] = "2026-11-24T07:00:00Z",
    };

    /// <summary>The seed pages' example body, verbatim: type names where values should be.</summary>
    public const string SeedBodyVerbatim = """
        {
          "@odata.type": "#microsoft.graph.managedTenants.credentialUserRegistrationsSummary",
          "tenantId": "String",
          "tenantDisplayName": "String",
          "mfaAndSsprCapableUserCount": "Integer",
          "ssprEnabledUserCount": "Integer",
          "mfaRegisteredUserCount": "Integer",
          "ssprRegisteredUserCount": "Integer",
          "totalUserCount": "Integer",
          "securityDefaultsEnabled": "Boolean",
          "mfaConditionalAccessPolicyState": "String",
          "lastRefreshedDateTime": "String (timestamp)"
        }
        """;

    public static StringContent Json(object body) =>
        Json(body as string ?? JsonSerializer.Serialize(body));

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public static HttpRequestMessage Request(HttpMethod method, string url, object? body = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = Json(body);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    public static Task<HttpResponseMessage> PatchAsync(this HttpClient client, string url, object body, params (string Name, string Value)[] headers) =>
        client.SendAsync(Request(HttpMethod.Patch, url, body, headers));

    public static Task<HttpResponseMessage> PostAsync(this HttpClient client, string url, object body, params (string Name, string Value)[] headers) =>
        client.SendAsync(Request(HttpMethod.Post, url, body, headers));

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        text.Should().NotBeNullOrEmpty($"a {(int)response.StatusCode} response should carry a JSON body");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Creates a summary and returns the created entity; fails the test unless the service answers 201.</summary>
    public static async Task<JsonElement> CreateAsync(this HttpClient client, object? body = null)
    {
        using var response = await client.PostAsync(Summaries, body ?? SeedBody());
        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Created, json.ToString());
        return json;
    }

    /// <summary>Reads one summary; fails the test unless the service answers 200.</summary>
    public static async Task<JsonElement> GetSummaryAsync(this HttpClient client, string id)
    {
        using var response = await client.GetAsync($"{Summaries}/{id}");
        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        return json;
    }

    public static string Id(this JsonElement entity) => entity.GetProperty("id").GetString()!;

    /// <summary>
    /// Asserts Graph's error contract: status, JSON content type, code, a message naming <paramref name="mentions"/>,
    /// and innerError with the response's own request ids.
    /// </summary>
    public static async Task<JsonElement> ShouldBeGraphErrorAsync(
        this HttpResponseMessage response, HttpStatusCode status, string code, params string[] mentions)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, text);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/json");

        using var document = JsonDocument.Parse(text);
        var error = document.RootElement.GetProperty("error");
        error.GetProperty("code").GetString().Should().Be(code);
        var message = error.GetProperty("message").GetString();
        message.Should().NotBeNullOrWhiteSpace();
        foreach (var mention in mentions)
        {
            message.Should().Contain(mention);
        }

        message.Should().NotContainAny("   at ", "Exception", "SELECT ", "/work/", ".cs:line");
        // Graph's name, or OData's for a request that declared itself an OData client.
        var request = response.RequestMessage?.Headers;
        var odataClient = request is not null && (request.Contains("OData-MaxVersion") || request.Contains("OData-Version"));
        var inner = error.GetProperty(odataClient ? "innererror" : "innerError");
        inner.GetProperty("request-id").GetString().Should().Be(response.Headers.GetValues("request-id").Single());
        inner.GetProperty("client-request-id").GetString().Should().Be(response.Headers.GetValues("client-request-id").Single());
        inner.GetProperty("date").GetString().Should().MatchRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$");
        return error.Clone();
    }

    public static MediaTypeWithQualityHeaderValue AcceptJson => new("application/json");
}

/// <summary>A managing tenant of its own for one test: its id and clients holding each kind of permission.</summary>
public sealed class TestTenant(SummariesApiFactory factory)
{
    public string Id { get; } = Guid.NewGuid().ToString();

    public HttpClient Writer => field ??= factory.ClientFor(TokenMinter.Delegated(Id, GraphApi.ReadWrite));

    public HttpClient Reader => field ??= factory.ClientFor(TokenMinter.Delegated(Id, GraphApi.Read));

    public HttpClient With(string token) => factory.ClientFor(token);
}
