using System.Net;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Controllers;

public sealed class CreateSummaryTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private readonly TestTenant tenant = new(factory);

    [Fact]
    public async Task Post_of_the_seed_body_returns_201_with_every_property_odata_type_and_location()
    {
        var body = GraphApi.SeedBody();

        using var response = await tenant.Writer.PostAsync(GraphApi.Summaries, body);

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Created, json.ToString());
        json.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
        json.GetProperty("@odata.context").GetString().Should()
            .Be("http://localhost/v1.0/tenantRelationships/managedTenants/$metadata#credentialUserRegistrationsSummaries/$entity");
        var id = json.Id();
        Guid.TryParse(id, out _).Should().BeTrue();
        id.Should().Be(id.ToLowerInvariant());
        json.GetProperty("tenantId").GetString().Should().Be((string)body["tenantId"]!);
        json.GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Ltd");
        json.GetProperty("tenantLicenseType").ValueKind.Should().Be(JsonValueKind.Null);
        json.GetProperty("mfaAndSsprCapableUserCount").GetInt32().Should().Be(120);
        json.GetProperty("ssprEnabledUserCount").GetInt32().Should().Be(150);
        json.GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(140);
        json.GetProperty("ssprRegisteredUserCount").GetInt32().Should().Be(130);
        json.GetProperty("mfaExcludedUserCount").GetInt32().Should().Be(0);
        json.GetProperty("totalUserCount").GetInt32().Should().Be(200);
        json.GetProperty("securityDefaultsEnabled").GetBoolean().Should().BeTrue();
        json.GetProperty("mfaConditionalAccessPolicyState").GetString().Should().Be("enabled");
        json.GetProperty("lastRefreshedDateTime").GetString().Should().Be("2026-11-24T07:00:00Z");
        json.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(
            "@odata.context", "@odata.type", "@odata.etag", "id", "tenantId", "tenantDisplayName", "tenantLicenseType",
            "mfaAndSsprCapableUserCount", "ssprEnabledUserCount", "mfaRegisteredUserCount", "ssprRegisteredUserCount",
            "mfaExcludedUserCount", "totalUserCount", "securityDefaultsEnabled", "mfaConditionalAccessPolicyState",
            "lastRefreshedDateTime");
        response.Headers.Location.Should().Be(new Uri($"http://localhost{GraphApi.Summaries}/{id}"));
        response.Headers.GetValues("OData-Version").Should().Equal("4.0");
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");

        using var stored = await tenant.Reader.GetAsync(response.Headers.Location);
        (await stored.ReadJsonAsync()).GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Ltd");
    }

    [Fact]
    public async Task Post_with_only_required_properties_applies_defaults_and_stamps_the_current_utc_time()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var json = await tenant.Writer.CreateAsync(new { tenantId = Guid.NewGuid().ToString(), tenantDisplayName = "Fabrikam" });

        foreach (var count in new[] { "mfaAndSsprCapableUserCount", "ssprEnabledUserCount", "mfaRegisteredUserCount",
                     "ssprRegisteredUserCount", "mfaExcludedUserCount", "totalUserCount" })
        {
            json.GetProperty(count).GetInt32().Should().Be(0, count);
        }

        json.GetProperty("securityDefaultsEnabled").GetBoolean().Should().BeFalse();
        json.GetProperty("mfaConditionalAccessPolicyState").ValueKind.Should().Be(JsonValueKind.Null);
        var stamped = json.GetProperty("lastRefreshedDateTime").GetString()!;
        stamped.Should().EndWith("Z");
        DateTimeOffset.Parse(stamped, System.Globalization.CultureInfo.InvariantCulture).Should()
            .BeOnOrAfter(before).And.BeOnOrBefore(DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task Post_converts_an_offset_time_to_utc()
    {
        var body = GraphApi.SeedBody();
        body["lastRefreshedDateTime"] = "2026-11-24T09:30:00+02:00";

        var json = await tenant.Writer.CreateAsync(body);

        json.GetProperty("lastRefreshedDateTime").GetString().Should().Be("2026-11-24T07:30:00Z");
    }

    [Fact]
    public async Task Post_keeps_whole_microseconds_of_the_time_so_it_reads_back_the_same_on_every_store()
    {
        var body = GraphApi.SeedBody();
        body["lastRefreshedDateTime"] = "2026-11-24T07:00:00.1234567Z";

        var created = await tenant.Writer.CreateAsync(body);
        using var read = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{created.Id()}");
        using var filtered = await tenant.Reader.GetAsync(
            $"{GraphApi.Summaries}?$filter=lastRefreshedDateTime eq 2026-11-24T07:00:00.123456Z&$select=id");

        created.GetProperty("lastRefreshedDateTime").GetString().Should().Be("2026-11-24T07:00:00.123456Z");
        (await read.ReadJsonAsync()).GetProperty("lastRefreshedDateTime").GetString().Should().Be("2026-11-24T07:00:00.123456Z");
        (await filtered.ReadJsonAsync()).GetProperty("value").EnumerateArray().Select(e => e.Id()).Should().Equal(created.Id());
    }

    [Fact]
    public async Task Post_keeps_a_client_chosen_id_and_a_second_post_with_it_returns_409()
    {
        var body = GraphApi.SeedBody();
        body["id"] = "contoso-summary_1.a";

        var created = await tenant.Writer.CreateAsync(body);
        created.Id().Should().Be("contoso-summary_1.a");

        var again = GraphApi.SeedBody();
        again["id"] = "contoso-summary_1.a";
        using var response = await tenant.Writer.PostAsync(GraphApi.Summaries, again);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Conflict, "Conflict", "contoso-summary_1.a");
        await ShouldHaveCountAsync(1);
    }

    [Fact]
    public async Task Post_for_a_tenant_that_already_has_a_summary_returns_409_and_stores_nothing()
    {
        var tenantId = Guid.NewGuid().ToString();
        await tenant.Writer.CreateAsync(GraphApi.SeedBody(tenantId));

        using var response = await tenant.Writer.PostAsync(GraphApi.Summaries, GraphApi.SeedBody(tenantId.ToUpperInvariant()));

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Conflict, "Conflict", tenantId);
        await ShouldHaveCountAsync(1);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("slash/id")]
    [InlineData("")]
    [InlineData("x12345678901234567890123456789012345678901234567890123456789012345")]
    public async Task Post_with_a_malformed_id_returns_400_naming_id(string id)
    {
        var body = GraphApi.SeedBody();
        body["id"] = id;

        using var response = await tenant.Writer.PostAsync(GraphApi.Summaries, body);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "'id'");
        await ShouldHaveCountAsync(0);
    }

    [Fact]
    public async Task Post_of_the_seed_pages_verbatim_body_reports_every_problem_at_once_and_stores_nothing()
    {
        using var response = await tenant.Writer.PostAsync(GraphApi.Summaries, GraphApi.SeedBodyVerbatim);

        var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest",
            "Property 'mfaAndSsprCapableUserCount' must be an Int32 (a JSON integer, -2147483648 to 2147483647); got \"Integer\".");
        var details = error.GetProperty("details").EnumerateArray()
            .Select(d => (Code: d.GetProperty("code").GetString(), Target: d.GetProperty("target").GetString(), Message: d.GetProperty("message").GetString()))
            .ToList();
        details.Select(d => (d.Code, d.Target)).Should().Equal(
            ("InvalidPropertyType", "mfaAndSsprCapableUserCount"),
            ("InvalidPropertyType", "ssprEnabledUserCount"),
            ("InvalidPropertyType", "mfaRegisteredUserCount"),
            ("InvalidPropertyType", "ssprRegisteredUserCount"),
            ("InvalidPropertyType", "totalUserCount"),
            ("InvalidPropertyType", "securityDefaultsEnabled"),
            ("InvalidPropertyType", "lastRefreshedDateTime"),
            ("InvalidValue", "tenantId"));
        details[0].Message.Should().Be(error.GetProperty("message").GetString());
        details[5].Message.Should().Be("Property 'securityDefaultsEnabled' must be a Boolean (true or false, not a string); got \"Boolean\".");
        details[7].Message.Should().Be("Property 'tenantId' must be a GUID (the managed tenant's Entra tenant id); got \"String\".");
        await ShouldHaveCountAsync(0);
    }

    [Theory]
    [InlineData("totalUserCount", "\"Integer\"", "Property 'totalUserCount' must be an Int32 (a JSON integer, -2147483648 to 2147483647); got \"Integer\".")]
    [InlineData("securityDefaultsEnabled", "\"Boolean\"", "Property 'securityDefaultsEnabled' must be a Boolean")]
    [InlineData("totalUserCount", "\"10\"", "Property 'totalUserCount' must be an Int32 (a JSON integer, -2147483648 to 2147483647); got \"10\".")]
    [InlineData("securityDefaultsEnabled", "\"true\"", "Property 'securityDefaultsEnabled' must be a Boolean (true or false, not a string); got \"true\".")]
    [InlineData("totalUserCount", "200.0", "Property 'totalUserCount' must be an Int32")]
    [InlineData("tenantDisplayName", "\"Contoso\\u0000Ltd\"", "Property 'tenantDisplayName' must be a String without control characters")]
    [InlineData("tenantDisplayName", "\"\\ud800\"", "Property 'tenantDisplayName' must be a String without control characters or unpaired surrogates")]
    [InlineData("tenantDisplayName", "{\"nested\":[[[1]]]}", "Property 'tenantDisplayName' must be a String; got {")]
    [InlineData("lastRefreshedDateTime", "\"String (timestamp)\"", "Property 'lastRefreshedDateTime' must be a DateTimeOffset")]
    [InlineData("totalUserCount", "3000000000", "Property 'totalUserCount' must be an Int32 (a JSON integer, -2147483648 to 2147483647); got 3000000000.")]
    [InlineData("totalUserCount", "null", "Property 'totalUserCount' cannot be null.")]
    [InlineData("tenantDisplayName", "42", "Property 'tenantDisplayName' must be a String; got 42.")]
    [InlineData("tenantDisplayName", "null", "Property 'tenantDisplayName' cannot be null.")]
    [InlineData("favouriteColour", "\"blue\"", "Property 'favouriteColour' does not exist on type 'microsoft.graph.managedTenants.credentialUserRegistrationsSummary'.")]
    [InlineData("@odata.type", "\"#microsoft.graph.entity\"", "'@odata.type' must be '#microsoft.graph.managedTenants.credentialUserRegistrationsSummary'")]
    public async Task Post_with_a_value_of_the_wrong_type_returns_400_naming_the_property(string property, string rawValue, string message)
    {
        var fields = GraphApi.SeedBody()
            .Where(p => p.Key != property)
            .Select(p => $"\"{p.Key}\":{JsonSerializer.Serialize(p.Value)}")
            .Append($"\"{property}\":{rawValue}");

        using var response = await tenant.Writer.PostAsync(GraphApi.Summaries, "{" + string.Join(',', fields) + "}");

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", message);
        await ShouldHaveCountAsync(0);
    }

    [Theory]
    [InlineData("tenantId", null, "Property 'tenantId' is required.")]
    [InlineData("tenantDisplayName", null, "Property 'tenantDisplayName' is required.")]
    [InlineData("tenantId", "not-a-guid", "Property 'tenantId' must be a GUID")]
    [InlineData("tenantDisplayName", "   ", "Property 'tenantDisplayName' must be 1 to 256 characters and not blank.")]
    [InlineData("tenantDisplayName", "", "Property 'tenantDisplayName' must be 1 to 256 characters and not blank.")]
    [InlineData("tenantLicenseType", "AADPremium2AADPremium2AADPremium2AADPremium2AADPremium2AADPremium2", "Property 'tenantLicenseType' must be at most 64 characters.")]
    [InlineData("mfaConditionalAccessPolicyState", "enabledenabledenabledenabledenabledenabledenabledenabledenabledenabled", "Property 'mfaConditionalAccessPolicyState' must be at most 64 characters.")]
    public async Task Post_breaking_a_text_rule_returns_400_naming_the_property(string property, string? value, string message)
    {
        var body = GraphApi.SeedBody();
        if (value is null)
        {
            body.Remove(property);
        }
        else
        {
            body[property] = value;
        }

        using var response = await tenant.Writer.PostAsync(GraphApi.Summaries, body);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", message);
        await ShouldHaveCountAsync(0);
    }

    [Fact]
    public async Task Post_with_a_display_name_of_256_characters_is_accepted()
    {
        var body = GraphApi.SeedBody();
        body["tenantDisplayName"] = new string('n', 256);

        var json = await tenant.Writer.CreateAsync(body);

        json.GetProperty("tenantDisplayName").GetString().Should().HaveLength(256);
    }

    [Theory]
    [InlineData("mfaRegisteredUserCount", -1, "Property 'mfaRegisteredUserCount' must be 0 or more; got -1.")]
    [InlineData("totalUserCount", -5, "Property 'totalUserCount' must be 0 or more; got -5.")]
    [InlineData("ssprEnabledUserCount", 201, "Property 'ssprEnabledUserCount' (201) cannot exceed 'totalUserCount' (200).")]
    [InlineData("mfaExcludedUserCount", 201, "Property 'mfaExcludedUserCount' (201) cannot exceed 'totalUserCount' (200).")]
    public async Task Post_breaking_a_count_rule_returns_400_naming_the_count(string property, int value, string message)
    {
        var body = GraphApi.SeedBody();
        body[property] = value;

        using var response = await tenant.Writer.PostAsync(GraphApi.Summaries, body);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", message);
        await ShouldHaveCountAsync(0);
    }

    [Fact]
    public async Task Post_with_prefer_return_minimal_returns_204_with_location_and_entity_id()
    {
        using var response = await tenant.Writer.PostAsync(GraphApi.Summaries, GraphApi.SeedBody(), ("Prefer", "return=minimal"));

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await response.Content.ReadAsStringAsync()).Should().BeEmpty();
        var location = response.Headers.Location!.ToString();
        location.Should().StartWith($"http://localhost{GraphApi.Summaries}/");
        response.Headers.GetValues("OData-EntityId").Should().Equal(location);
        response.Headers.GetValues("Preference-Applied").Should().Equal("return=minimal");

        using var stored = await tenant.Reader.GetAsync(location);
        stored.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Post_on_the_beta_root_links_to_beta_and_is_visible_on_v1()
    {
        using var response = await tenant.Writer.PostAsync(GraphApi.BetaSummaries, GraphApi.SeedBody());

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Created);
        json.GetProperty("@odata.context").GetString().Should().StartWith("http://localhost/beta/tenantRelationships/managedTenants/$metadata#");
        response.Headers.Location.Should().Be(new Uri($"http://localhost{GraphApi.BetaSummaries}/{json.Id()}"));

        using var onV1 = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{json.Id()}");
        (await onV1.ReadJsonAsync()).Id().Should().Be(json.Id());
    }

    [Fact]
    public async Task Post_of_plain_text_returns_415()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, GraphApi.Summaries)
        {
            Content = new StringContent("tenantId=abc", System.Text.Encoding.UTF8, "text/plain"),
        };

        using var response = await tenant.Writer.SendAsync(request);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", "application/json", "text/plain");
        await ShouldHaveCountAsync(0);
    }

    [Fact]
    public async Task Post_breaking_several_rules_reports_each_in_details_naming_its_property()
    {
        var body = GraphApi.SeedBody();
        body["tenantDisplayName"] = " ";
        body["mfaRegisteredUserCount"] = 500;
        body["ssprEnabledUserCount"] = -1;
        body.Remove("tenantId");

        using var response = await tenant.Writer.PostAsync(GraphApi.Summaries, body);

        var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "Property 'tenantId' is required.");
        error.GetProperty("details").EnumerateArray()
            .Select(d => (d.GetProperty("code").GetString(), d.GetProperty("target").GetString(), d.GetProperty("message").GetString()))
            .Should().Equal(
                ("RequiredPropertyMissing", "tenantId", "Property 'tenantId' is required."),
                ("InvalidValue", "tenantDisplayName", "Property 'tenantDisplayName' must be 1 to 256 characters and not blank."),
                ("InvalidValue", "ssprEnabledUserCount", "Property 'ssprEnabledUserCount' must be 0 or more; got -1."),
                ("InvalidValue", "mfaRegisteredUserCount", "Property 'mfaRegisteredUserCount' (500) cannot exceed 'totalUserCount' (200)."));
        await ShouldHaveCountAsync(0);
    }

    [Theory]
    [InlineData("application/merge-patch+json")]
    [InlineData("application/vnd.api+json")]
    public async Task Post_of_another_json_media_type_returns_415_and_stores_nothing(string mediaType)
    {
        using var content = new StringContent(System.Text.Json.JsonSerializer.Serialize(GraphApi.SeedBody()), System.Text.Encoding.UTF8, mediaType);

        using var response = await tenant.Writer.PostAsync(GraphApi.Summaries, content);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", "application/json", mediaType);
        await ShouldHaveCountAsync(0);
    }

    [Fact]
    public async Task Post_of_invalid_utf8_in_a_property_name_returns_400_and_stores_nothing()
    {
        var body = System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(GraphApi.SeedBody())).ToList();
        body.Insert(body.IndexOf((byte)'m') + 1, 0xC3);
        using var content = new ByteArrayContent([.. body]);
        content.Headers.ContentType = new("application/json");

        using var response = await tenant.Writer.PostAsync(GraphApi.Summaries, content);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "not valid UTF-8");
        await ShouldHaveCountAsync(0);
    }

    [Fact]
    public async Task Post_with_a_property_sent_twice_returns_400_and_stores_nothing()
    {
        using var response = await tenant.Writer.PostAsync(GraphApi.Summaries,
            $"{{\"tenantId\":\"{Guid.NewGuid()}\",\"tenantDisplayName\":\"A\",\"tenantDisplayName\":\"B\"}}");

        var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "Property 'tenantDisplayName' appears more than once.");
        error.GetProperty("details")[0].GetProperty("code").GetString().Should().Be("InvalidRequestBody");
        await ShouldHaveCountAsync(0);
    }

    [Theory]
    [InlineData("{\"tenantId\": ", "not valid JSON")]
    [InlineData("{\"tenantDisplayName\": \"\u0000\"}", "not valid JSON")]
    [InlineData("[1,2,3]", "must be a JSON object")]
    public async Task Post_of_malformed_json_returns_400(string body, string message)
    {
        using var response = await tenant.Writer.PostAsync(GraphApi.Summaries, body);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", message);
    }

    [Fact]
    public async Task Post_without_a_body_returns_400()
    {
        using var response = await tenant.Writer.PostAsync(GraphApi.Summaries, new ByteArrayContent([]));

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "request body");
    }

    [Fact]
    public async Task Post_of_a_body_over_the_limit_returns_413()
    {
        var body = GraphApi.SeedBody();
        body["tenantDisplayName"] = new string('x', 1_100_000);

        using var response = await tenant.Writer.PostAsync(GraphApi.Summaries, body);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.RequestEntityTooLarge, "RequestEntityTooLarge", "1048576");
        await ShouldHaveCountAsync(0);
    }

    private async Task ShouldHaveCountAsync(int expected)
    {
        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/$count");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        text.Should().Be(expected.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
