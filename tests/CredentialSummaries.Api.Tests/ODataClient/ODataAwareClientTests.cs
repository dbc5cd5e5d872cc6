using System.Net;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.OData;
using Microsoft.OData.Edm;

namespace CredentialSummaries.Api.Tests.ODataClient;

/// <summary>
/// An OData-aware client's view of the service: every response read with ODataLib against the published model.
/// </summary>
public sealed class ODataAwareClientTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private readonly TestTenant tenant = new(factory);

    private Task<Fixtures.ODataClient> ConnectAsync() => Fixtures.ODataClient.ConnectAsync(factory.ClientFor(token: null));

    [Fact]
    public async Task An_entity_reads_as_the_published_type_with_its_type_annotation_and_etag()
    {
        var client = await ConnectAsync();
        var created = await tenant.Writer.CreateAsync();

        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{created.Id()}");
        var (resource, values) = await client.ReadEntityAsync(response);

        resource.TypeName.Should().Be("microsoft.graph.managedTenants.credentialUserRegistrationsSummary");
        resource.ETag.Should().Be(created.GetProperty("@odata.etag").GetString());
        values.Keys.Should().BeEquivalentTo(client.SummaryType.StructuralProperties().Select(p => p.Name));
        values["id"].Should().Be(created.Id());
        values["totalUserCount"].Should().Be(200);
        values["securityDefaultsEnabled"].Should().Be(true);
        values["lastRefreshedDateTime"].Should().Be(new DateTimeOffset(2026, 11, 24, 7, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task A_created_entity_reads_as_the_published_type()
    {
        var client = await ConnectAsync();

        using var response = await tenant.Writer.PostAsync(GraphApi.Summaries, GraphApi.SeedBody());
        var (resource, values) = await client.ReadEntityAsync(response);

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        resource.TypeName.Should().Be("microsoft.graph.managedTenants.credentialUserRegistrationsSummary");
        values["tenantDisplayName"].Should().Be("Contoso Ltd");
    }

    [Fact]
    public async Task A_collection_reads_with_its_count_and_next_link()
    {
        var client = await ConnectAsync();
        for (var i = 0; i < 7; i++)
        {
            await tenant.Writer.CreateAsync();
        }

        using var request = GraphApi.Request(HttpMethod.Get, $"{GraphApi.Summaries}?$count=true&$orderby=tenantId", null, ("Prefer", "odata.maxpagesize=5"));
        using var response = await tenant.Reader.SendAsync(request);
        var (set, entities) = await client.ReadCollectionAsync(response);

        set.Count.Should().Be(7);
        set.NextPageLink.Should().NotBeNull();
        set.NextPageLink!.AbsoluteUri.Should().StartWith($"http://localhost{GraphApi.Summaries}?");
        entities.Should().HaveCount(5).And.AllSatisfy(e => e.TypeName.Should().Be("microsoft.graph.managedTenants.credentialUserRegistrationsSummary"));

        using var next = await tenant.Reader.GetAsync(set.NextPageLink);
        var (lastSet, rest) = await client.ReadCollectionAsync(next);
        rest.Should().HaveCount(2);
        lastSet.NextPageLink.Should().BeNull();
    }

    [Fact]
    public async Task A_select_response_reads_with_only_the_selected_properties()
    {
        var client = await ConnectAsync();
        await tenant.Writer.CreateAsync();

        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?$select=tenantDisplayName,mfaRegisteredUserCount");
        var (_, entities) = await client.ReadCollectionAsync(response);

        var entity = entities.Should().ContainSingle().Subject;
        Fixtures.ODataClient.Values(entity).Keys.Should().BeEquivalentTo("tenantDisplayName", "mfaRegisteredUserCount");
        entity.ETag.Should().NotBeNullOrEmpty();
        entity.TypeName.Should().Be("microsoft.graph.managedTenants.credentialUserRegistrationsSummary");
    }

    [Fact]
    public async Task An_apply_response_reads_with_only_its_aliases_beyond_the_model()
    {
        var client = await ConnectAsync();
        await tenant.Writer.CreateAsync();
        await tenant.Writer.CreateAsync();

        using var response = await tenant.Reader.GetAsync(
            $"{GraphApi.Summaries}?$apply=groupby((securityDefaultsEnabled),aggregate(mfaRegisteredUserCount with sum as mfaRegistered))");
        var (_, groups) = await client.ReadCollectionAsync(response, allowUndeclaredProperties: true);

        var group = groups.Should().ContainSingle().Subject;
        var values = Fixtures.ODataClient.Values(group);
        values.Keys.Should().BeEquivalentTo("securityDefaultsEnabled", "mfaRegistered");
        values["securityDefaultsEnabled"].Should().Be(true);
        // An alias is not in the model, so ODataLib hands it over untyped: its raw JSON.
        values["mfaRegistered"].Should().BeOfType<ODataUntypedValue>().Which.RawValue.Should().Be("280");
    }

    [Fact]
    public async Task A_property_reads_as_a_property_of_the_published_type()
    {
        var client = await ConnectAsync();
        var created = await tenant.Writer.CreateAsync();

        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{created.Id()}/totalUserCount");
        using var messageReader = await client.ReaderAsync(response);
        var property = messageReader.ReadProperty((IEdmStructuralProperty)client.SummaryType.FindProperty("totalUserCount"));

        property.Value.Should().Be(200);
    }

    [Fact]
    public async Task An_error_reads_as_an_odata_error()
    {
        var client = await ConnectAsync();

        using var response = await tenant.Reader.SendAsync(
            GraphApi.Request(HttpMethod.Get, $"{GraphApi.Summaries}/missing-id", null, ("OData-MaxVersion", "4.01")));
        var error = await client.ReadErrorAsync(response);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        error.Code.Should().Be("ResourceNotFound");
        error.Message.Should().Contain("missing-id");
        error.InnerError.Properties["request-id"].Should().BeOfType<ODataPrimitiveValue>()
            .Which.Value.Should().Be(response.Headers.GetValues("request-id").Single());
    }

    [Fact]
    public async Task A_batch_response_reads_part_by_part_against_the_model()
    {
        var client = await ConnectAsync();
        var existing = await tenant.Writer.CreateAsync();
        var odataClient = new Dictionary<string, string> { ["OData-MaxVersion"] = "4.01" };

        using var response = await tenant.Writer.PostAsync(ODataBatch.V1Batch, ODataBatch.Multipart(
            new ChangeSet(new MultipartRequest("POST", GraphApi.Summaries, GraphApi.SeedBody())),
            new MultipartRequest("GET", $"{GraphApi.Summaries}/{existing.Id()}"),
            new MultipartRequest("GET", $"{GraphApi.Summaries}?$select=tenantDisplayName&$count=true"),
            new MultipartRequest("GET", $"{GraphApi.Summaries}/no-such-id", Headers: odataClient)));
        var parts = await ODataBatch.ReadMultipartAsync(response);

        parts.Select(p => p.Status).Should().Equal(201, 200, 200, 404);
        using (var created = parts[0].AsResponse())
        {
            (await client.ReadEntityAsync(created)).Resource.TypeName.Should().Be("microsoft.graph.managedTenants.credentialUserRegistrationsSummary");
        }

        using (var fetched = parts[1].AsResponse())
        {
            (await client.ReadEntityAsync(fetched)).Values["id"].Should().Be(existing.Id());
        }

        using (var listed = parts[2].AsResponse())
        {
            var (set, entities) = await client.ReadCollectionAsync(listed);
            set.Count.Should().Be(2);
            entities.Should().HaveCount(2).And.AllSatisfy(e => Fixtures.ODataClient.Values(e).Keys.Should().Equal("tenantDisplayName"));
        }

        using var missing = parts[3].AsResponse();
        (await client.ReadErrorAsync(missing)).Code.Should().Be("ResourceNotFound");
    }

    [Fact]
    public async Task A_payload_the_model_does_not_describe_fails_to_read()
    {
        var client = await ConnectAsync();
        using var forged = new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent(
                """{"@odata.context":"http://localhost/v1.0/tenantRelationships/managedTenants/$metadata#credentialUserRegistrationsSummaries/$entity","id":"x","favouriteColour":"blue"}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        forged.Headers.Add("OData-Version", "4.0");

        var read = () => client.ReadEntityAsync(forged);

        await read.Should().ThrowAsync<ODataException>().WithMessage("*favouriteColour*");
    }
}
