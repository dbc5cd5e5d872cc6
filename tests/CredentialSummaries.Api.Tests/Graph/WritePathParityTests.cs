using System.Net;
using System.Text;
using System.Text.Json;
using CredentialSummaries.Api.Edm;
using CredentialSummaries.Api.Tests.Fixtures;
using CredentialSummaries.Api.Validation;
using Microsoft.OData.Edm;

namespace CredentialSummaries.Api.Tests.Graph;

/// <summary>
/// A plain POST or PATCH body is read once, by the service's strict reader (<c>Validation/SummaryBody</c>), and bound
/// from that reading; its answer is written by the service's own writer (<c>Graph/SummaryJson</c>). Anything else —
/// an annotation, an unusual date form, an <c>Accept</c> with parameters — goes to ODataLib as before. These tests
/// pin that both roads store the same values and send the same bytes, and which bodies take which road.
/// </summary>
public sealed class WritePathParityTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private const string ODataAccept = "application/json;odata.metadata=minimal";

    // ODataLib reads an @odata.type without its '#' as the same type; the service's reader leaves such a body to it.
    private const string TypeWithoutHash = "microsoft.graph.managedTenants.credentialUserRegistrationsSummary";

    public static TheoryData<string, string?, string?, string> Rows => new()
    {
        { "Plain Contoso", null, null, "2026-11-24T07:00:00Z" },
        { "Quote \" back \\ slash / <tag> & 'apos' +plus", "AADPremium1", "enabled", "2026-11-24T07:00:00.1+02:00" },
        { "École Polytechnique — Zürich ÆØÅ 東京 😀", "AADPremium2", null, "2026-11-24T07:00:00.1234567Z" },
        { "No-break\u00a0space and a combining e\u0301", null, "disabled", "2026-01-02T03:04:05.000001-05:30" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task A_plain_body_stores_exactly_what_ODataLib_binds_from_the_same_values(
        string displayName, string? licenseType, string? policyState, string refreshed)
    {
        var tenant = new TestTenant(factory);
        var plain = Body(displayName, licenseType, policyState, refreshed);
        var annotated = Body(displayName, licenseType, policyState, refreshed);
        annotated["@odata.type"] = TypeWithoutHash;

        var viaReader = await tenant.Writer.CreateAsync(plain);
        var viaODataLib = await tenant.Writer.CreateAsync(annotated);

        Masked(await StoredAsync(tenant, viaReader.Id())).Should().Be(Masked(await StoredAsync(tenant, viaODataLib.Id())));

        // And a PATCH: the same new values through both roads, to the two rows.
        var change = new Dictionary<string, object?>
        {
            ["tenantDisplayName"] = displayName + " (renamed)", ["tenantLicenseType"] = policyState, ["totalUserCount"] = 250,
            ["securityDefaultsEnabled"] = false, ["lastRefreshedDateTime"] = refreshed,
        };
        using var plainPatch = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{viaReader.Id()}", change);
        change["@odata.type"] = TypeWithoutHash;
        using var annotatedPatch = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{viaODataLib.Id()}", change);

        plainPatch.StatusCode.Should().Be(HttpStatusCode.OK, await plainPatch.Content.ReadAsStringAsync());
        annotatedPatch.StatusCode.Should().Be(HttpStatusCode.OK, await annotatedPatch.Content.ReadAsStringAsync());
        var stored = await StoredAsync(tenant, viaReader.Id());
        stored.GetProperty("tenantDisplayName").GetString().Should().Be(displayName + " (renamed)");
        stored.GetProperty("totalUserCount").GetInt32().Should().Be(250);
        Masked(stored).Should().Be(Masked(await StoredAsync(tenant, viaODataLib.Id())));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task A_created_summary_is_answered_with_the_bytes_and_headers_the_OData_serializer_sends(
        string displayName, string? licenseType, string? policyState, string refreshed)
    {
        var tenant = new TestTenant(factory);
        using var direct = await tenant.Writer.PostAsync(GraphApi.Summaries, Body(displayName, licenseType, policyState, refreshed));
        using var odata = await tenant.Writer.PostAsync(
            GraphApi.Summaries, Body(displayName, licenseType, policyState, refreshed), ("Accept", ODataAccept));

        await ShouldMatchAsync(direct, odata, HttpStatusCode.Created);
        direct.Headers.Location!.ToString().Should().EndWith("/credentialUserRegistrationsSummaries/" + (await direct.ReadJsonAsync()).Id());
        odata.Headers.Location!.ToString().Should().EndWith("/credentialUserRegistrationsSummaries/" + (await odata.ReadJsonAsync()).Id());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("return=representation")]
    public async Task An_updated_summary_is_answered_with_the_bytes_and_headers_the_OData_serializer_sends(string? prefer)
    {
        var tenant = new TestTenant(factory);
        var first = await tenant.Writer.CreateAsync(Body("Before", null, null, "2026-11-24T07:00:00Z"));
        var second = await tenant.Writer.CreateAsync(Body("Before", null, null, "2026-11-24T07:00:00Z"));
        var change = new Dictionary<string, object?> { ["tenantDisplayName"] = "After \"quoted\" 東京", ["ssprEnabledUserCount"] = 7,
            ["lastRefreshedDateTime"] = "2026-11-25T08:00:00.5Z",
        };
        (string, string)[] preferHeader = prefer is null ? [] : [("Prefer", prefer)];

        using var direct = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{first.Id()}", change, preferHeader);
        using var odata = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{second.Id()}", change, [.. preferHeader, ("Accept", ODataAccept)]);

        await ShouldMatchAsync(direct, odata, HttpStatusCode.OK);
        if (prefer is not null)
        {
            direct.Headers.GetValues("Preference-Applied").Should().Equal(prefer);
            odata.Headers.GetValues("Preference-Applied").Should().Equal(prefer);
        }
    }

    public static TheoryData<string, bool> Bodies => new()
    {
        { """{"tenantDisplayName":"A"}""", true },
        { """{"@odata.type":"#microsoft.graph.managedTenants.credentialUserRegistrationsSummary","totalUserCount":5,"tenantLicenseType":null}""", true },
        { """{"lastRefreshedDateTime":"2026-11-24T07:00:00Z"}""", true },
        { """{"lastRefreshedDateTime":"2026-11-24T07:00:00.1234567+14:00"}""", true },
        { """{"@odata.type":"microsoft.graph.managedTenants.credentialUserRegistrationsSummary"}""", false },
        { """{"@odata.context":"https://graph.microsoft.com/beta/$metadata#x","tenantDisplayName":"A"}""", false },
        { """{"tenantDisplayName@odata.type":"#String","tenantDisplayName":"A"}""", false },
        { """{"lastRefreshedDateTime":"2026-11-24T07:00Z"}""", false },
        { """{"lastRefreshedDateTime":"2026-11-24t07:00:00z"}""", false },
        { """{"lastRefreshedDateTime":"2026-11-24T07:00:00.12345678Z"}""", false },
        { """{"lastRefreshedDateTime":"2026-11-24 07:00:00Z"}""", false },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Only_a_plain_body_is_bound_from_the_strict_reading(string body, bool plain)
    {
        var type = (IEdmStructuredType)GraphEdmModel.Build().FindDeclaredType(GraphEdmModel.SummaryFullTypeName)!;

        var problems = SummaryBody.Check(Encoding.UTF8.GetBytes(body), type, out var read);

        problems.Should().BeEmpty();
        if (!plain)
        {
            read.Should().BeNull();
            return;
        }

        read.Should().NotBeNull();
        read!.Problems.Should().BeEmpty();
        var delta = read.Delta;
        using var document = JsonDocument.Parse(body);
        var sent = document.RootElement.EnumerateObject().Where(p => !p.Name.StartsWith('@')).ToArray();
        delta!.GetChangedPropertyNames().Should().BeEquivalentTo(sent.Select(p => char.ToUpperInvariant(p.Name[0]) + p.Name[1..]));
        foreach (var property in sent)
        {
            delta.TryGetPropertyValue(char.ToUpperInvariant(property.Name[0]) + property.Name[1..], out var value).Should().BeTrue();
            object? expected = property.Value.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.Number => property.Value.GetInt32(),
                JsonValueKind.String when property.Name == "lastRefreshedDateTime" => DateTimeOffset.Parse(property.Value.GetString()!, System.Globalization.CultureInfo.InvariantCulture).UtcDateTime,
                _ => property.Value.GetString(),
            };
            value.Should().Be(expected, property.Name);
        }
    }

    [Fact]
    public void A_body_with_a_problem_binds_only_its_well_typed_values_and_carries_its_problems_to_the_rules()
    {
        var type = (IEdmStructuredType)GraphEdmModel.Build().FindDeclaredType(GraphEdmModel.SummaryFullTypeName)!;

        var problems = SummaryBody.Check("""{"totalUserCount":"5","tenantDisplayName":"Kept"}"""u8.ToArray(), type, out var read);

        problems.Should().ContainSingle().Which.Target.Should().Be("totalUserCount");
        read.Should().NotBeNull();
        read!.Problems.Should().Equal(problems);
        read.Delta.GetChangedPropertyNames().Should().Equal("TenantDisplayName");
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("{\"a\":")]
    [InlineData("\"text\"")]
    public void A_body_that_is_not_a_json_object_is_never_bound(string body)
    {
        var type = (IEdmStructuredType)GraphEdmModel.Build().FindDeclaredType(GraphEdmModel.SummaryFullTypeName)!;

        var problems = SummaryBody.Check(Encoding.UTF8.GetBytes(body), type, out var read);

        problems.Should().ContainSingle().Which.Code.Should().Be("InvalidRequestBody");
        read.Should().BeNull();
    }

    private static Dictionary<string, object?> Body(string displayName, string? licenseType, string? policyState, string refreshed)
    {
        var body = GraphApi.SeedBody();
        body["tenantDisplayName"] = displayName;
        body["tenantLicenseType"] = licenseType;
        body["mfaConditionalAccessPolicyState"] = policyState;
        body["lastRefreshedDateTime"] = refreshed;
        return body;
    }

    private static async Task<JsonElement> StoredAsync(TestTenant tenant, string id)
    {
        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{id}");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return await response.ReadJsonAsync();
    }

    // The row's own id, tenantId and version differ by design; every other byte must not.
    private static string Masked(JsonElement entity) => Masked(
        entity.GetRawText(), entity.GetProperty("id").GetString()!, entity.GetProperty("tenantId").GetString()!, entity.GetProperty("@odata.etag").GetString()!);

    private static string Masked(string text, string id, string tenantId, string etag) =>
        text.Replace(etag.Split('"')[1], "STAMP", StringComparison.Ordinal)
            .Replace(id, "ID", StringComparison.Ordinal)
            .Replace(tenantId, "TENANT", StringComparison.Ordinal);

    private static async Task ShouldMatchAsync(HttpResponseMessage direct, HttpResponseMessage odata, HttpStatusCode status)
    {
        var directText = await direct.Content.ReadAsStringAsync();
        var odataText = await odata.Content.ReadAsStringAsync();
        direct.StatusCode.Should().Be(status, directText);
        odata.StatusCode.Should().Be(status, odataText);
        var directEntity = await direct.ReadJsonAsync();
        var odataEntity = await odata.ReadJsonAsync();
        directEntity.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
        direct.Headers.ETag!.ToString().Should().Be(directEntity.GetProperty("@odata.etag").GetString());
        odata.Headers.ETag!.ToString().Should().Be(odataEntity.GetProperty("@odata.etag").GetString());

        Masked(directText, directEntity.Id(), directEntity.GetProperty("tenantId").GetString()!, directEntity.GetProperty("@odata.etag").GetString()!)
            .Should().Be(Masked(odataText, odataEntity.Id(), odataEntity.GetProperty("tenantId").GetString()!, odataEntity.GetProperty("@odata.etag").GetString()!));
        direct.Content.Headers.ContentType!.ToString().Should().Be(odata.Content.Headers.ContentType!.ToString());
        direct.Headers.GetValues("OData-Version").Should().Equal(odata.Headers.GetValues("OData-Version"));
    }
}
