using System.Net;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Validation;

/// <summary>
/// Every problem of a body in one answer: its type errors, and the rules its well-typed part breaks — ranges, formats,
/// immutable properties judged against the stored row, unknown properties — each once in <c>error.details</c> with
/// code, message and target, for POST, PATCH and the upsert by tenantId, directly and inside both kinds of batch.
/// </summary>
public sealed class EveryBodyProblemTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private readonly TestTenant tenant = new(factory);

    /// <summary>The seed page's example body: seven values of the wrong type, in the body's order (POST: CreateSummaryTests).</summary>
    private static readonly (string Code, string Target)[] SeedTypeProblems =
    [
        ("InvalidPropertyType", "mfaAndSsprCapableUserCount"),
        ("InvalidPropertyType", "ssprEnabledUserCount"),
        ("InvalidPropertyType", "mfaRegisteredUserCount"),
        ("InvalidPropertyType", "ssprRegisteredUserCount"),
        ("InvalidPropertyType", "totalUserCount"),
        ("InvalidPropertyType", "securityDefaultsEnabled"),
        ("InvalidPropertyType", "lastRefreshedDateTime"),
    ];

    private static readonly (string Code, string Target)[] SeedBodyOnPost = [.. SeedTypeProblems, ("InvalidValue", "tenantId")];

    private static readonly (string Code, string Target)[] SeedBodyOnPatch = [.. SeedTypeProblems, ("ReadOnlyProperty", "tenantId")];

    [Fact]
    public async Task Patch_with_the_seed_pages_example_body_answers_one_400_naming_every_wrong_property_once_tenant_id_included()
    {
        var created = await tenant.Writer.CreateAsync();

        using var response = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{created.Id()}", GraphApi.SeedBodyVerbatim);

        var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest",
            "Property 'mfaAndSsprCapableUserCount' must be an Int32 (a JSON integer, -2147483648 to 2147483647); got \"Integer\".");
        var details = Details(error);
        details.Select(d => (d.Code, d.Target)).Should().Equal(SeedBodyOnPatch);
        details[^1].Message.Should().Be($"Property 'tenantId' cannot be changed; this summary's tenantId is '{created.GetProperty("tenantId").GetString()}'.");
        details.Select(d => d.Message).Should().OnlyHaveUniqueItems().And.AllSatisfy(m => m.Should().NotBeNullOrWhiteSpace());
        await ShouldBeUnchangedAsync(created);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_upsert_with_the_seed_pages_example_body_answers_one_400_with_the_keys_tenant_id_among_the_problems(bool exists)
    {
        var tenantId = Guid.NewGuid().ToString();
        var created = exists ? await tenant.Writer.CreateAsync(GraphApi.SeedBody(tenantId)) : default;

        using var response = await tenant.Writer.PatchAsync(
            $"{GraphApi.Summaries}(tenantId='{tenantId}')", GraphApi.SeedBodyVerbatim, ("Prefer", "create-if-missing"));

        var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "'mfaAndSsprCapableUserCount'");
        var details = Details(error);
        details.Select(d => (d.Code, d.Target)).Should().Equal(SeedBodyOnPatch);
        details[^1].Message.Should().Be($"Property 'tenantId' must be the key's tenantId '{tenantId}' or be left out; got \"String\".");
        if (exists)
        {
            await ShouldBeUnchangedAsync(created);
        }
        else
        {
            await ShouldHaveNoSummariesAsync();
        }
    }

    [Fact]
    public async Task A_patch_with_every_kind_of_problem_lists_type_unknown_property_immutability_format_and_range_in_one_400()
    {
        var created = await tenant.Writer.CreateAsync();
        var otherTenant = Guid.NewGuid().ToString();
        var body = $$"""
            {"totalUserCount":"ten","favouriteColour":"blue","tenantId":"{{otherTenant}}","tenantDisplayName":"   ",
             "tenantLicenseType":"{{new string('P', 65)}}","mfaRegisteredUserCount":-1,"ssprEnabledUserCount":3}
            """;

        using var response = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{created.Id()}", body);

        var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "'totalUserCount'");
        Details(error).Should().Equal(
            ("InvalidPropertyType", "totalUserCount", "Property 'totalUserCount' must be an Int32 (a JSON integer, -2147483648 to 2147483647); got \"ten\"."),
            ("UnknownProperty", "favouriteColour", "Property 'favouriteColour' does not exist on type 'microsoft.graph.managedTenants.credentialUserRegistrationsSummary'."),
            ("ReadOnlyProperty", "tenantId", $"Property 'tenantId' cannot be changed; this summary's tenantId is '{created.GetProperty("tenantId").GetString()}'."),
            ("InvalidValue", "tenantDisplayName", "Property 'tenantDisplayName' must be 1 to 256 characters and not blank."),
            ("InvalidValue", "tenantLicenseType", "Property 'tenantLicenseType' must be at most 64 characters."),
            ("InvalidValue", "mfaRegisteredUserCount", "Property 'mfaRegisteredUserCount' must be 0 or more; got -1."));
        await ShouldBeUnchangedAsync(created);
    }

    [Fact]
    public async Task A_count_is_not_judged_against_a_total_that_was_sent_with_the_wrong_type()
    {
        var created = await tenant.Writer.CreateAsync();

        using var response = await tenant.Writer.PatchAsync(
            $"{GraphApi.Summaries}/{created.Id()}", """{"totalUserCount":"5000","ssprEnabledUserCount":4000,"mfaExcludedUserCount":-2}""");

        var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "'totalUserCount'");
        Details(error).Select(d => (d.Code, d.Target)).Should().Equal(
            ("InvalidPropertyType", "totalUserCount"),
            ("InvalidValue", "mfaExcludedUserCount"));
        await ShouldBeUnchangedAsync(created);
    }

    [Fact]
    public async Task A_patch_with_problems_of_its_own_is_400_even_with_a_stale_if_match_and_for_an_unknown_id()
    {
        var created = await tenant.Writer.CreateAsync();

        using var stale = await tenant.Writer.PatchAsync(
            $"{GraphApi.Summaries}/{created.Id()}", """{"totalUserCount":"5"}""", ("If-Match", "W/\"stale\""));
        using var unknown = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/no-such-id", """{"totalUserCount":"5"}""");

        foreach (var response in new[] { stale, unknown })
        {
            var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "'totalUserCount'");
            Details(error).Select(d => (d.Code, d.Target)).Should().Equal(("InvalidPropertyType", "totalUserCount"));
        }

        await ShouldBeUnchangedAsync(created);
    }

    [Fact]
    public async Task Inside_a_json_batch_post_patch_and_upsert_of_the_seed_pages_example_body_each_answer_one_400_with_every_problem()
    {
        var created = await tenant.Writer.CreateAsync();
        var seed = JsonSerializer.Deserialize<JsonElement>(GraphApi.SeedBodyVerbatim);
        var upsertTenant = Guid.NewGuid().ToString();

        var answers = await tenant.Writer.BatchAsync(
        [
            GraphBatch.Request("post", "POST", GraphBatch.Summaries, seed),
            GraphBatch.Request("patch", "PATCH", $"{GraphBatch.Summaries}/{created.Id()}", seed),
            GraphBatch.Request("upsert", "PATCH", $"{GraphBatch.Summaries}(tenantId='{upsertTenant}')", seed,
                headers: new() { ["Prefer"] = "create-if-missing" }),
        ]);

        Details(answers["post"].ShouldBeGraphError(400, "BadRequest", "'mfaAndSsprCapableUserCount'")).Select(d => (d.Code, d.Target))
            .Should().Equal(SeedBodyOnPost);
        Details(answers["patch"].ShouldBeGraphError(400, "BadRequest", "'mfaAndSsprCapableUserCount'")).Select(d => (d.Code, d.Target))
            .Should().Equal(SeedBodyOnPatch);
        Details(answers["upsert"].ShouldBeGraphError(400, "BadRequest", "'mfaAndSsprCapableUserCount'")).Select(d => (d.Code, d.Target))
            .Should().Equal(SeedBodyOnPatch);
        await ShouldBeUnchangedAsync(created);
        (await CountAsync()).Should().Be(1);
    }

    [Fact]
    public async Task Inside_an_odata_multipart_batch_patch_and_post_of_the_seed_pages_example_body_each_answer_one_400_with_every_problem()
    {
        var created = await tenant.Writer.CreateAsync();
        var seed = JsonSerializer.Deserialize<JsonElement>(GraphApi.SeedBodyVerbatim);

        using var response = await tenant.Writer.PostAsync(ODataBatch.V1Batch, ODataBatch.Multipart(
            new MultipartRequest("PATCH", $"{GraphApi.Summaries}/{created.Id()}", seed),
            new ChangeSet(new MultipartRequest("POST", GraphApi.Summaries, seed))));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var parts = await ODataBatch.ReadMultipartAsync(response);
        parts.Should().HaveCount(2);
        parts[0].ShouldBeGraphError(400, "BadRequest", "'mfaAndSsprCapableUserCount'");
        Details(parts[0].Json().GetProperty("error")).Select(d => (d.Code, d.Target)).Should().Equal(SeedBodyOnPatch);
        parts[1].ShouldBeGraphError(400, "BadRequest", "'mfaAndSsprCapableUserCount'");
        Details(parts[1].Json().GetProperty("error")).Select(d => (d.Code, d.Target)).Should().Equal(SeedBodyOnPost);
        await ShouldBeUnchangedAsync(created);
        (await CountAsync()).Should().Be(1);
    }

    private static List<(string Code, string Target, string Message)> Details(JsonElement error) =>
        error.GetProperty("details").EnumerateArray()
            .Select(d => (d.GetProperty("code").GetString()!, d.GetProperty("target").GetString()!, d.GetProperty("message").GetString()!))
            .ToList();

    private async Task ShouldBeUnchangedAsync(JsonElement created)
    {
        var stored = await tenant.Reader.GetSummaryAsync(created.Id());
        foreach (var property in created.EnumerateObject().Where(p => p.Name != "@odata.context"))
        {
            stored.GetProperty(property.Name).ToString().Should().Be(property.Value.ToString(), property.Name);
        }
    }

    private async Task<int> CountAsync()
    {
        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/$count");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return int.Parse(await response.Content.ReadAsStringAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task ShouldHaveNoSummariesAsync() => (await CountAsync()).Should().Be(0);
}
