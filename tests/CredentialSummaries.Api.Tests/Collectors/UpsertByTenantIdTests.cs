using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Collectors;

/// <summary>
/// <c>…/credentialUserRegistrationsSummaries(tenantId='{guid}')</c>, the alternate key, and Graph's upsert on it
/// (<c>PATCH</c> with <c>Prefer: create-if-missing</c>): a collector's one call per managed tenant per night.
/// </summary>
public sealed class UpsertByTenantIdTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private const string CreateIfMissing = "create-if-missing";
    private readonly TestTenant owner = new(factory);

    private static string ByTenant(string tenantId, string summaries = GraphApi.Summaries) => $"{summaries}(tenantId='{tenantId}')";

    private static Dictionary<string, object?> Counts(int mfaRegistered, string displayName = "Contoso Ltd")
    {
        var body = GraphApi.SeedBody();
        body.Remove("tenantId");
        body["tenantDisplayName"] = displayName;
        body["mfaRegisteredUserCount"] = mfaRegistered;
        return body;
    }

    [Fact]
    public async Task Metadata_declares_tenant_id_as_an_alternate_key_of_the_summary()
    {
        using var response = await owner.Reader.GetAsync($"{GraphApi.V1Root}/$metadata");
        var csdl = XDocument.Parse(await response.Content.ReadAsStringAsync());

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        XNamespace edm = "http://docs.oasis-open.org/odata/ns/edm";
        var type = csdl.Descendants(edm + "EntityType").Single(t => (string?)t.Attribute("Name") == "credentialUserRegistrationsSummary");
        // The Core vocabulary is referenced with its alias, Core.
        csdl.Descendants().Should().Contain(e => e.Name.LocalName == "Include" && (string?)e.Attribute("Namespace") == "Org.OData.Core.V1" && (string?)e.Attribute("Alias") == "Core");
        var alternateKeys = type.Elements(edm + "Annotation").Single(a => (string?)a.Attribute("Term") == "Core.AlternateKeys");
        var propertyRefs = alternateKeys.Descendants(edm + "PropertyValue")
            .Where(p => (string?)p.Attribute("Property") == "Name")
            .Select(p => (string?)p.Attribute("PropertyPath") ?? p.Element(edm + "PropertyPath")?.Value)
            .ToList();
        propertyRefs.Should().Equal("tenantId");
        alternateKeys.Descendants(edm + "PropertyValue").Should().Contain(p => (string?)p.Attribute("Property") == "Alias" && (string?)p.Attribute("String") == "tenantId");
    }

    [Fact]
    public async Task An_upsert_creates_with_201_and_location_then_updates_with_200_and_with_return_minimal_204()
    {
        var tenantId = Guid.NewGuid().ToString();

        using var created = await owner.Writer.PatchAsync(ByTenant(tenantId), Counts(10), ("Prefer", CreateIfMissing));
        var createdBody = await created.ReadJsonAsync();
        created.StatusCode.Should().Be(HttpStatusCode.Created, createdBody.ToString());
        createdBody.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
        createdBody.GetProperty("tenantId").GetString().Should().Be(tenantId);
        createdBody.GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(10);
        created.Headers.Location!.ToString().Should().Be($"http://localhost{GraphApi.Summaries}/{createdBody.Id()}");
        created.Headers.ETag.Should().NotBeNull();

        using var updated = await owner.Writer.PatchAsync(ByTenant(tenantId), Counts(11, "Contoso Renamed"), ("Prefer", CreateIfMissing));
        var updatedBody = await updated.ReadJsonAsync();
        updated.StatusCode.Should().Be(HttpStatusCode.OK, updatedBody.ToString());
        updatedBody.Id().Should().Be(createdBody.Id(), "the same summary was updated");
        updatedBody.GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(11);
        updatedBody.GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Renamed");
        updated.Headers.Location.Should().BeNull();
        updated.Headers.ETag.Should().NotBe(created.Headers.ETag);

        using var minimal = await owner.Writer.PatchAsync(ByTenant(tenantId), new { mfaRegisteredUserCount = 12 },
            ("Prefer", $"{CreateIfMissing}, return=minimal"));
        minimal.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await minimal.Content.ReadAsStringAsync()).Should().BeEmpty();
        minimal.Headers.GetValues("Preference-Applied").Should().Contain("return=minimal");

        using var read = await owner.Reader.GetAsync(ByTenant(tenantId));
        var readBody = await read.ReadJsonAsync();
        read.StatusCode.Should().Be(HttpStatusCode.OK);
        readBody.Id().Should().Be(createdBody.Id());
        readBody.GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(12);
        readBody.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
        read.Headers.ETag!.ToString().Should().Be(minimal.Headers.ETag!.ToString());
    }

    [Fact]
    public async Task Fifty_concurrent_upserts_of_one_tenant_id_leave_one_row_holding_one_of_the_sent_bodies_and_every_answer_is_2xx()
    {
        var tenantId = Guid.NewGuid().ToString();
        var writer = owner.Writer;
        var bodies = Enumerable.Range(1, 50).Select(i => Counts(i, $"Run {i}")).ToList();

        var answers = await Task.WhenAll(bodies.Select(async body =>
        {
            using var response = await writer.PatchAsync(ByTenant(tenantId), body, ("Prefer", CreateIfMissing));
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));

        answers.Should().OnlyContain(a => (int)a.StatusCode >= 200 && (int)a.StatusCode < 300,
            string.Join("\n", answers.Where(a => (int)a.StatusCode >= 300).Select(a => $"{(int)a.StatusCode} {a.Body}")));
        answers.Count(a => a.StatusCode == HttpStatusCode.Created).Should().Be(1, "exactly one upsert found no row");
        answers.Count(a => a.StatusCode == HttpStatusCode.OK).Should().Be(49);

        using var list = await owner.Reader.GetAsync($"{GraphApi.Summaries}?$filter=tenantId eq '{tenantId}'&$count=true");
        var page = await list.ReadJsonAsync();
        page.GetProperty("@odata.count").GetInt32().Should().Be(1);
        var row = page.GetProperty("value").EnumerateArray().Single();
        var sent = bodies.Select(b => ((string)b["tenantDisplayName"]!, (int)b["mfaRegisteredUserCount"]!)).ToList();
        sent.Should().Contain((row.GetProperty("tenantDisplayName").GetString()!, row.GetProperty("mfaRegisteredUserCount").GetInt32()),
            "the row holds one of the sent bodies whole, not a mix of two");
        answers.Select(a => JsonDocument.Parse(a.Body).RootElement.Id()).Distinct().Should().ContainSingle("every answer names the one row");
    }

    [Fact]
    public async Task An_upsert_with_a_read_only_token_is_403_and_stores_nothing()
    {
        var tenantId = Guid.NewGuid().ToString();

        using var response = await owner.Reader.PatchAsync(ByTenant(tenantId), Counts(5), ("Prefer", CreateIfMissing));

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Forbidden, "Authorization_RequestDenied");
        using var read = await owner.Reader.GetAsync(ByTenant(tenantId));
        await read.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", tenantId);
        using var count = await owner.Reader.GetAsync($"{GraphApi.Summaries}/$count?$filter=tenantId eq '{tenantId}'");
        (await count.Content.ReadAsStringAsync()).Should().Be("0");
    }

    [Fact]
    public async Task Another_owners_upsert_of_the_same_tenant_id_creates_its_own_row_and_touches_nothing_of_the_first_owners()
    {
        var tenantId = Guid.NewGuid().ToString();
        var other = new TestTenant(factory);
        using var mine = await owner.Writer.PatchAsync(ByTenant(tenantId), Counts(7, "Mine"), ("Prefer", CreateIfMissing));
        var mineBody = await mine.ReadJsonAsync();
        mine.StatusCode.Should().Be(HttpStatusCode.Created);

        using var theirs = await other.Writer.PatchAsync(ByTenant(tenantId), Counts(99, "Theirs"), ("Prefer", CreateIfMissing));
        var theirsBody = await theirs.ReadJsonAsync();

        theirs.StatusCode.Should().Be(HttpStatusCode.Created, "the other owner has no summary of that tenant yet");
        theirsBody.Id().Should().NotBe(mineBody.Id());
        using var mineAfter = await owner.Reader.GetAsync(ByTenant(tenantId));
        var mineAfterBody = await mineAfter.ReadJsonAsync();
        mineAfterBody.GetProperty("tenantDisplayName").GetString().Should().Be("Mine");
        mineAfterBody.GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(7);
        mineAfter.Headers.ETag!.ToString().Should().Be(mine.Headers.ETag!.ToString(), "the first owner's row was not written");
        using var theirsAfter = await other.Reader.GetAsync(ByTenant(tenantId));
        (await theirsAfter.ReadJsonAsync()).GetProperty("tenantDisplayName").GetString().Should().Be("Theirs");
        using var otherCannotSeeMine = await other.Reader.GetAsync($"{GraphApi.Summaries}/{mineBody.Id()}");
        await otherCannotSeeMine.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound");
    }

    [Fact]
    public async Task Get_patch_and_delete_by_tenant_id_see_only_the_owners_summary()
    {
        var tenantId = Guid.NewGuid().ToString();
        var created = await owner.Writer.CreateAsync(GraphApi.SeedBody(tenantId));
        var other = new TestTenant(factory);

        using var otherGet = await other.Reader.GetAsync(ByTenant(tenantId));
        await otherGet.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", tenantId);
        using var otherPatch = await other.Writer.PatchAsync(ByTenant(tenantId), new { mfaRegisteredUserCount = 1 });
        await otherPatch.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", tenantId);
        using var otherDelete = await other.Writer.DeleteAsync(ByTenant(tenantId));
        await otherDelete.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", tenantId);

        using var get = await owner.Reader.GetAsync(ByTenant(tenantId.ToUpperInvariant(), GraphApi.BetaSummaries));
        var got = await get.ReadJsonAsync();
        get.StatusCode.Should().Be(HttpStatusCode.OK, "the key is a GUID in any case, on either root");
        got.Id().Should().Be(created.Id());
        get.Headers.ETag.Should().NotBeNull();

        using var patch = await owner.Writer.PatchAsync(ByTenant(tenantId), new { mfaRegisteredUserCount = 3 });
        patch.StatusCode.Should().Be(HttpStatusCode.OK, "without create-if-missing a PATCH of an existing summary is an update");
        (await patch.ReadJsonAsync()).GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(3);

        using var selected = await owner.Reader.GetAsync($"{ByTenant(tenantId)}?$select=tenantDisplayName");
        var selectedBody = await selected.ReadJsonAsync();
        selectedBody.GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Ltd");
        selectedBody.TryGetProperty("mfaRegisteredUserCount", out _).Should().BeFalse();

        using var delete = await owner.Writer.DeleteAsync(ByTenant(tenantId));
        delete.StatusCode.Should().Be(HttpStatusCode.NoContent);
        using var gone = await owner.Reader.GetAsync($"{GraphApi.Summaries}/{created.Id()}");
        await gone.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound");
    }

    [Fact]
    public async Task A_patch_without_create_if_missing_of_an_unknown_tenant_is_404_and_creates_nothing()
    {
        var tenantId = Guid.NewGuid().ToString();

        using var response = await owner.Writer.PatchAsync(ByTenant(tenantId), Counts(5));

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", tenantId);
        using var count = await owner.Reader.GetAsync($"{GraphApi.Summaries}/$count?$filter=tenantId eq '{tenantId}'");
        (await count.Content.ReadAsStringAsync()).Should().Be("0");
    }

    [Fact]
    public async Task An_upsert_that_would_create_a_summary_without_its_required_properties_is_400_and_stores_nothing()
    {
        var tenantId = Guid.NewGuid().ToString();

        using var response = await owner.Writer.PatchAsync(ByTenant(tenantId), new { mfaRegisteredUserCount = 5 }, ("Prefer", CreateIfMissing));

        var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "tenantDisplayName");
        error.GetProperty("details").EnumerateArray().Select(d => d.GetProperty("target").GetString()).Should().Contain("tenantDisplayName")
            .And.NotContain("tenantId", "the key supplies it");
        using var count = await owner.Reader.GetAsync($"{GraphApi.Summaries}/$count?$filter=tenantId eq '{tenantId}'");
        (await count.Content.ReadAsStringAsync()).Should().Be("0");
    }

    [Theory]
    [InlineData("not-a-guid")]
    [InlineData("")]
    public async Task A_tenant_id_key_that_is_no_guid_is_400_naming_the_expected_form(string key)
    {
        using var response = await owner.Reader.GetAsync(ByTenant(key));

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "tenantId", "GUID");
    }

    [Fact]
    public async Task A_body_naming_another_tenant_id_than_the_key_is_400_and_changes_nothing()
    {
        var tenantId = Guid.NewGuid().ToString();
        var body = Counts(5);
        body["tenantId"] = Guid.NewGuid().ToString();

        using var response = await owner.Writer.PatchAsync(ByTenant(tenantId), body, ("Prefer", CreateIfMissing));

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "tenantId", tenantId);
        using var count = await owner.Reader.GetAsync($"{GraphApi.Summaries}/$count");
        (await count.Content.ReadAsStringAsync()).Should().Be("0");
    }

    [Fact]
    public async Task An_upsert_with_if_match_for_a_missing_tenant_is_412_and_creates_nothing()
    {
        var tenantId = Guid.NewGuid().ToString();

        using var response = await owner.Writer.PatchAsync(ByTenant(tenantId), Counts(5), ("Prefer", CreateIfMissing), ("If-Match", "*"));

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.PreconditionFailed, "PreconditionFailed", tenantId);
        using var read = await owner.Reader.GetAsync(ByTenant(tenantId));
        read.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Upserts_in_a_json_batch_create_then_update_one_row()
    {
        var tenantId = Guid.NewGuid().ToString();
        var url = $"{GraphBatch.Summaries}(tenantId='{tenantId}')";
        var prefer = new Dictionary<string, string> { ["Prefer"] = CreateIfMissing, ["Content-Type"] = "application/json" };

        var answers = await owner.Writer.BatchAsync(
        [
            GraphBatch.Request("1", "PATCH", url, Counts(1), headers: prefer),
            GraphBatch.Request("2", "PATCH", url, Counts(2), dependsOn: ["1"], headers: prefer),
            GraphBatch.Request("3", "GET", url, dependsOn: ["2"]),
        ]);

        answers["1"].Status().Should().Be(201, answers["1"].ToString());
        answers["1"].Header("Location").Should().EndWith($"/credentialUserRegistrationsSummaries/{answers["1"].Body().Id()}");
        answers["2"].Status().Should().Be(200, answers["2"].ToString());
        answers["2"].Body().Id().Should().Be(answers["1"].Body().Id());
        answers["3"].Status().Should().Be(200);
        answers["3"].Body().GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(2);
        answers["3"].Body().GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
    }

    [Fact]
    public async Task Upserts_in_a_multipart_change_set_commit_together_as_one_row()
    {
        var tenantId = Guid.NewGuid().ToString();
        var url = $"credentialUserRegistrationsSummaries(tenantId='{tenantId}')";
        var prefer = new Dictionary<string, string> { ["Prefer"] = CreateIfMissing };

        using var response = await owner.Writer.PostAsync(ODataBatch.V1Batch, ODataBatch.Multipart(
            new ChangeSet(new MultipartRequest("PATCH", url, Counts(1), prefer), new MultipartRequest("PATCH", url, Counts(2), prefer)),
            new MultipartRequest("GET", $"credentialUserRegistrationsSummaries/$count?$filter=tenantId eq '{tenantId}'")));

        var parts = await ODataBatch.ReadMultipartAsync(response);
        parts.Should().HaveCount(3);
        parts[0].Status.Should().Be(201, parts[0].Body);
        parts[0].Headers.Should().ContainKey("Location");
        parts[1].Status.Should().Be(200, parts[1].Body);
        parts[1].Json().Id().Should().Be(parts[0].Json().Id());
        parts[1].Json().GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(2);
        parts[2].Body.Should().Be("1");
    }

    [Fact]
    public async Task A_failed_change_set_rolls_back_its_upsert()
    {
        var tenantId = Guid.NewGuid().ToString();
        var prefer = new Dictionary<string, string> { ["Prefer"] = CreateIfMissing };
        var invalid = Counts(1);
        invalid["totalUserCount"] = -1;

        using var response = await owner.Writer.PostAsync(ODataBatch.V1Batch, ODataBatch.Multipart(
            new ChangeSet(
                new MultipartRequest("PATCH", $"credentialUserRegistrationsSummaries(tenantId='{tenantId}')", Counts(1), prefer),
                new MultipartRequest("PATCH", $"credentialUserRegistrationsSummaries(tenantId='{Guid.NewGuid()}')", invalid, prefer))));

        var parts = await ODataBatch.ReadMultipartAsync(response);
        parts.Should().ContainSingle().Which.Status.Should().Be(400, "a change set that fails answers with the failure alone");
        using var read = await owner.Reader.GetAsync(ByTenant(tenantId));
        await read.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", tenantId);
    }
}
