using System.Net;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Graph;

/// <summary>
/// A plain GET of one summary is written by the service's own writer (<c>Graph/SummaryJson</c>), not by the OData
/// serializer; both must send the same bytes. The same row is read twice: plainly (the direct writer) and with an
/// explicit <c>odata.metadata=minimal</c> Accept, which <c>SummaryJson.CanWrite</c> leaves to the OData
/// serializer (its truth table is pinned below, so the two reads really take the two writers).
/// </summary>
public sealed class SummaryJsonParityTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private const string ODataAccept = "application/json;odata.metadata=minimal";

    public static TheoryData<string, string?, string?, string> Rows => new()
    {
        { "Plain Contoso", null, null, "2026-11-24T07:00:00Z" },
        { "Quote \" back \\ slash / <tag> & 'apos' +plus", "AADPremium1", "enabled", "2026-11-24T07:00:00.1Z" },
        { "École Polytechnique — Zürich ÆØÅ 東京 😀", "AADPremium2", null, "2026-11-24T07:00:00.123456Z" },
        { "No-break\u00a0space and a combining e\u0301", null, "disabled", "2026-01-02T03:04:05.000001Z" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task A_plain_get_writes_exactly_the_bytes_the_OData_serializer_writes(
        string displayName, string? licenseType, string? policyState, string refreshed)
    {
        var tenant = new TestTenant(factory);
        var body = GraphApi.SeedBody();
        body["tenantDisplayName"] = displayName;
        body["tenantLicenseType"] = licenseType;
        body["mfaConditionalAccessPolicyState"] = policyState;
        body["lastRefreshedDateTime"] = refreshed;
        var created = await tenant.Writer.CreateAsync(body);

        foreach (var root in new[] { GraphApi.Summaries, GraphApi.BetaSummaries })
        {
            var url = $"{root}/{created.Id()}";
            using var direct = await tenant.Reader.GetAsync(url);
            using var odata = await tenant.Reader.SendAsync(GraphApi.Request(HttpMethod.Get, url, null, ("Accept", ODataAccept)));
            var directBytes = await direct.Content.ReadAsByteArrayAsync();
            var odataBytes = await odata.Content.ReadAsByteArrayAsync();

            direct.StatusCode.Should().Be(HttpStatusCode.OK);
            odata.StatusCode.Should().Be(HttpStatusCode.OK);
            System.Text.Encoding.UTF8.GetString(directBytes).Should().Be(System.Text.Encoding.UTF8.GetString(odataBytes));
            directBytes.Should().Equal(odataBytes);
            direct.Content.Headers.ContentType!.ToString().Should().Be(odata.Content.Headers.ContentType!.ToString());
            direct.Headers.GetValues("OData-Version").Should().Equal(odata.Headers.GetValues("OData-Version"));
            direct.Headers.ETag.Should().Be(odata.Headers.ETag);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("?$count=true")]
    [InlineData("?$filter=totalUserCount ge 0&$orderby=tenantDisplayName desc&$count=true")]
    [InlineData("?$top=3")]
    [InlineData("?$search=\"Contoso\"&$orderby=lastRefreshedDateTime")]
    public async Task A_plain_last_page_writes_exactly_the_bytes_the_OData_serializer_writes(string query)
    {
        var tenant = new TestTenant(factory);
        foreach (var (name, refreshed) in new[] { ("Contoso A", "2026-11-24T07:00:00Z"), ("Contoso \"B\" École", "2026-11-24T07:00:00.5Z"), ("Fabrikam", "2026-11-25T01:02:03.123456Z"), ("Contoso D", "2026-11-26T00:00:00.01Z") })
        {
            var body = GraphApi.SeedBody();
            body["tenantDisplayName"] = name;
            body["lastRefreshedDateTime"] = refreshed;
            await tenant.Writer.CreateAsync(body);
        }

        var url = GraphApi.Summaries + query;
        using var direct = await tenant.Reader.GetAsync(url);
        using var odata = await tenant.Reader.SendAsync(GraphApi.Request(HttpMethod.Get, url, null, ("Accept", ODataAccept)));
        var directBytes = await direct.Content.ReadAsByteArrayAsync();
        var odataBytes = await odata.Content.ReadAsByteArrayAsync();

        direct.StatusCode.Should().Be(HttpStatusCode.OK);
        odata.StatusCode.Should().Be(HttpStatusCode.OK);
        System.Text.Encoding.UTF8.GetString(directBytes).Should().Be(System.Text.Encoding.UTF8.GetString(odataBytes));
        directBytes.Should().Equal(odataBytes);
        direct.Content.Headers.ContentType!.ToString().Should().Be(odata.Content.Headers.ContentType!.ToString());
        direct.Headers.GetValues("OData-Version").Should().Equal(odata.Headers.GetValues("OData-Version"));

        // A page with a next link is OData's to write; its link leads on.
        using var paged = await tenant.Reader.SendAsync(GraphApi.Request(HttpMethod.Get, url, null, ("Prefer", "odata.maxpagesize=2")));
        var first = await paged.ReadJsonAsync();
        paged.StatusCode.Should().Be(HttpStatusCode.OK, first.ToString());
        paged.Headers.GetValues("Preference-Applied").Should().Equal("odata.maxpagesize=2");
        first.GetProperty("value").GetArrayLength().Should().Be(2);
        var next = first.GetProperty("@odata.nextLink").GetString()!;
        using var second = await tenant.Reader.SendAsync(GraphApi.Request(HttpMethod.Get, next, null, ("Prefer", "odata.maxpagesize=2")));
        var page = await second.ReadJsonAsync();
        second.StatusCode.Should().Be(HttpStatusCode.OK, page.ToString());
        page.GetProperty("value").GetArrayLength().Should().BeGreaterThan(0);
    }

    [Theory]
    [InlineData("$select=id,tenantId")]
    [InlineData("$format=application/json;odata.metadata=full")]
    public async Task A_get_with_query_options_still_goes_through_the_OData_serializer(string query)
    {
        var tenant = new TestTenant(factory);
        var created = await tenant.Writer.CreateAsync();

        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{created.Id()}?{query}");
        var json = await response.ReadJsonAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        json.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
        if (query.StartsWith("$select", StringComparison.Ordinal))
        {
            json.TryGetProperty("tenantDisplayName", out _).Should().BeFalse("$select leaves it out");
            json.GetProperty("@odata.context").GetString().Should().EndWith("$entity").And.Contain("(id,tenantId)");
        }
        else
        {
            json.TryGetProperty("@odata.id", out _).Should().BeTrue("full metadata spells out the id");
        }
    }

    [Theory]
    [InlineData("", null, null, true)]
    [InlineData("", "application/json", null, true)]
    [InlineData("", "*/*", null, true)]
    [InlineData("", "application/json, */*", "return=representation", true)]
    [InlineData("", "application/json;odata.metadata=minimal", null, false)]
    [InlineData("", "application/json;odata.metadata=full", null, false)]
    [InlineData("", "application/json;IEEE754Compatible=true", null, false)]
    [InlineData("", "text/plain", null, false)]
    [InlineData("?$select=id", null, null, false)]
    [InlineData("?$format=json", null, null, false)]
    [InlineData("", null, "odata.include-annotations=*", false)]
    public void Only_a_request_for_the_default_answer_is_written_directly(string query, string? accept, string? prefer, bool direct)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.QueryString = new Microsoft.AspNetCore.Http.QueryString(query.Length == 0 ? null : query);
        if (accept is not null)
        {
            context.Request.Headers.Accept = accept;
        }

        if (prefer is not null)
        {
            context.Request.Headers["Prefer"] = prefer;
        }

        CredentialSummaries.Api.Graph.SummaryJson.CanWrite(context.Request).Should().Be(direct);
    }

    [Theory]
    [InlineData("", null, true)]
    [InlineData("?$top=5&$count=true&$filter=totalUserCount gt 1&$orderby=id&$skip=1&$search=x&$skiptoken=t", "odata.maxpagesize=10", true)]
    [InlineData("?$select=id", null, false)]
    [InlineData("?$apply=aggregate($count as n)", null, false)]
    [InlineData("?$compute=1 as one", null, false)]
    [InlineData("?$format=json", null, false)]
    [InlineData("?top=5", null, false)]
    [InlineData("?custom=1", null, false)]
    [InlineData("", "odata.include-annotations=*", false)]
    public void Only_a_page_of_whole_entities_in_the_default_shape_is_written_directly(string query, string? prefer, bool direct)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.QueryString = new Microsoft.AspNetCore.Http.QueryString(query.Length == 0 ? null : query);
        if (prefer is not null)
        {
            context.Request.Headers["Prefer"] = prefer;
        }

        CredentialSummaries.Api.Graph.SummaryJson.CanWritePage(context.Request).Should().Be(direct);
    }

    [Theory]
    [InlineData("OData-Version", "4.0")]
    [InlineData("OData-MaxVersion", "4.01")]
    [InlineData("Accept-Charset", "utf-8")]
    public void A_request_naming_a_version_or_a_charset_goes_to_the_OData_serializer(string header, string value)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Headers[header] = value;

        CredentialSummaries.Api.Graph.SummaryJson.CanWrite(context.Request).Should().BeFalse();
    }
}
