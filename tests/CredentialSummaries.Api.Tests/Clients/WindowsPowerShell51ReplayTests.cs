using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Clients;

/// <summary>
/// Windows PowerShell 5.1 cannot run here, so these replay the exact bytes its <c>Invoke-RestMethod</c> sends for the
/// calls of docs/clients.md: <c>ConvertTo-Json</c>'s layout (four-space indent, two spaces after the colon, CRLF), a
/// <c>[DateTime]</c> written as <c>"\/Date(ms)\/"</c>, and a string <c>-Body</c> encoded as ISO-8859-1 under
/// <c>Content-Type: application/json</c> with no charset. Each either works exactly (the right value stored) or is
/// a 400 whose message says what to send, and a 400 stores nothing.
/// </summary>
public sealed class WindowsPowerShell51ReplayTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private static readonly Encoding Latin1 = Encoding.Latin1;

    private readonly TestTenant tenant = new(factory);

    [Fact]
    public async Task An_ascii_body_in_ConvertTo_Json_layout_sent_as_Latin_1_without_a_charset_is_created_exactly()
    {
        var tenantId = Guid.NewGuid().ToString();
        var body = PowerShell51Json(("tenantDisplayName", "\"Contoso Ltd\""), ("totalUserCount", "200"),
            ("lastRefreshedDateTime", "\"2024-11-24T07:00:00Z\""), ("tenantId", $"\"{tenantId}\""));

        using var response = await PostBytesAsync(Latin1.GetBytes(body), "application/json");

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Created, json.ToString());
        var stored = await tenant.Reader.GetSummaryAsync(json.Id());
        stored.GetProperty("tenantId").GetString().Should().Be(tenantId);
        stored.GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Ltd");
        stored.GetProperty("totalUserCount").GetInt32().Should().Be(200);
        stored.GetProperty("lastRefreshedDateTime").GetString().Should().Be("2024-11-24T07:00:00Z");
    }

    [Fact]
    public async Task ConvertTo_Json_unicode_escapes_of_apostrophe_ampersand_and_angle_brackets_are_stored_as_the_characters()
    {
        // 5.1's ConvertTo-Json (JavaScriptSerializer underneath) escapes ' & < > as \u0027 \u0026 \u003c \u003e.
        var body = PowerShell51Json(("tenantDisplayName", "\"O\\u0027Brien \\u0026 Sons \\u003cEU\\u003e\""), ("tenantId", $"\"{Guid.NewGuid()}\""));
        body.Should().Contain("O\\u0027Brien", "the bytes are the escapes, not the characters");

        using var response = await PostBytesAsync(Latin1.GetBytes(body), "application/json");

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Created, json.ToString());
        (await tenant.Reader.GetSummaryAsync(json.Id())).GetProperty("tenantDisplayName").GetString().Should().Be("O'Brien & Sons <EU>");
    }

    [Fact]
    public async Task A_Latin_1_body_without_a_charset_returns_400_naming_the_byte_and_how_to_send_UTF_8_and_stores_nothing()
    {
        var body = PowerShell51Json(("tenantDisplayName", "\"Müller GmbH\""), ("tenantId", $"\"{Guid.NewGuid()}\""));
        var bytes = Latin1.GetBytes(body);
        var at = Array.IndexOf(bytes, (byte)0xFC);
        at.Should().BeGreaterThan(0, "ISO-8859-1 writes ü as the single byte 0xFC, which is no UTF-8");

        using var response = await PostBytesAsync(bytes, "application/json");

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest",
            "not valid UTF-8", $"byte 0xFC at offset {at.ToString(CultureInfo.InvariantCulture)}", "Windows PowerShell 5.1",
            "-Body ([Text.Encoding]::UTF8.GetBytes($json))", "charset=utf-8");
        await ShouldHaveCountAsync(0);
    }

    [Fact]
    public async Task The_same_body_sent_as_the_400_says_as_UTF_8_bytes_stores_the_name_exactly()
    {
        var body = PowerShell51Json(("tenantDisplayName", "\"Müller GmbH\""), ("tenantId", $"\"{Guid.NewGuid()}\""));

        using var response = await PostBytesAsync(Encoding.UTF8.GetBytes(body), "application/json; charset=utf-8");

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Created, json.ToString());
        (await tenant.Reader.GetSummaryAsync(json.Id())).GetProperty("tenantDisplayName").GetString().Should().Be("Müller GmbH");
    }

    [Fact]
    public async Task A_ConvertTo_Json_DateTime_on_create_returns_400_naming_the_same_instant_in_ISO_8601_and_stores_nothing()
    {
        // [DateTime]'2024-11-24T07:00:00Z' as Windows PowerShell 5.1's ConvertTo-Json writes it.
        var body = PowerShell51Json(("tenantDisplayName", "\"Contoso Ltd\""), ("lastRefreshedDateTime", "\"\\/Date(1732431600000)\\/\""),
            ("tenantId", $"\"{Guid.NewGuid()}\""));

        using var response = await PostBytesAsync(Latin1.GetBytes(body), "application/json");

        var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest",
            "Property 'lastRefreshedDateTime' must be a DateTimeOffset", "\\/Date(1732431600000)\\/", "Windows PowerShell 5.1",
            "Send \"2024-11-24T07:00:00Z\" instead", ".ToUniversalTime().ToString('o')");
        error.GetProperty("details").EnumerateArray().Select(d => d.GetProperty("target").GetString()).Should().Equal("lastRefreshedDateTime");
        await ShouldHaveCountAsync(0);
    }

    [Fact]
    public async Task The_ISO_8601_value_the_400_names_is_stored_as_that_instant()
    {
        var body = PowerShell51Json(("tenantDisplayName", "\"Contoso Ltd\""), ("lastRefreshedDateTime", "\"2024-11-24T07:00:00Z\""),
            ("tenantId", $"\"{Guid.NewGuid()}\""));

        using var response = await PostBytesAsync(Latin1.GetBytes(body), "application/json");

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Created, json.ToString());
        (await tenant.Reader.GetSummaryAsync(json.Id())).GetProperty("lastRefreshedDateTime").GetString().Should().Be("2024-11-24T07:00:00Z");
    }

    [Fact]
    public async Task A_ConvertTo_Json_DateTime_with_milliseconds_and_an_offset_on_update_returns_400_with_the_UTC_instant_and_changes_nothing()
    {
        var created = await tenant.Writer.CreateAsync();
        var body = PowerShell51Json(("lastRefreshedDateTime", "\"\\/Date(1732431600123+0100)\\/\""), ("mfaRegisteredUserCount", "180"));
        using var patch = new HttpRequestMessage(HttpMethod.Patch, $"{GraphApi.Summaries}/{created.Id()}") { Content = Bytes(Latin1.GetBytes(body), "application/json") };

        using var response = await tenant.Writer.SendAsync(patch);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest",
            "Property 'lastRefreshedDateTime' must be a DateTimeOffset", "Send \"2024-11-24T07:00:00.123Z\" instead");
        var stored = await tenant.Reader.GetSummaryAsync(created.Id());
        stored.GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(140);
        stored.GetProperty("lastRefreshedDateTime").GetString().Should().Be("2026-11-24T07:00:00Z");
    }

    /// <summary>A JSON object as Windows PowerShell 5.1's ConvertTo-Json lays a hashtable out: CRLF, four spaces, "name":  value.</summary>
    private static string PowerShell51Json(params (string Name, string RawValue)[] members) =>
        "{\r\n" + string.Join(",\r\n", members.Select(m => $"    \"{m.Name}\":  {m.RawValue}")) + "\r\n}";

    private static ByteArrayContent Bytes(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    private Task<HttpResponseMessage> PostBytesAsync(byte[] bytes, string contentType) =>
        tenant.Writer.PostAsync(GraphApi.Summaries, Bytes(bytes, contentType));

    private async Task ShouldHaveCountAsync(int expected)
    {
        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/$count");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be(expected.ToString(CultureInfo.InvariantCulture));
    }
}
