using System.Net;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.OData.Edm;

namespace CredentialSummaries.Api.Tests.Edm;

public sealed class MetadataTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private const string EntityTypeName = "microsoft.graph.entity";
    private const string SummaryTypeName = "microsoft.graph.managedTenants.credentialUserRegistrationsSummary";
    private const string EntitySetName = "credentialUserRegistrationsSummaries";

    /// <summary>Graph's property names and EDM types, declared and inherited (id comes from microsoft.graph.entity).</summary>
    private static readonly Dictionary<string, string> ExpectedProperties = new()
    {
        ["id"] = "Edm.String",
        ["tenantId"] = "Edm.String",
        ["tenantDisplayName"] = "Edm.String",
        ["tenantLicenseType"] = "Edm.String",
        ["mfaAndSsprCapableUserCount"] = "Edm.Int32",
        ["ssprEnabledUserCount"] = "Edm.Int32",
        ["mfaRegisteredUserCount"] = "Edm.Int32",
        ["ssprRegisteredUserCount"] = "Edm.Int32",
        ["mfaExcludedUserCount"] = "Edm.Int32",
        ["totalUserCount"] = "Edm.Int32",
        ["securityDefaultsEnabled"] = "Edm.Boolean",
        ["mfaConditionalAccessPolicyState"] = "Edm.String",
        ["lastRefreshedDateTime"] = "Edm.DateTimeOffset",
    };

    private readonly HttpClient anonymous = factory.ClientFor(token: null);

    public static TheoryData<string> Roots => new() { GraphApi.V1Root, GraphApi.BetaRoot };

    [Theory]
    [MemberData(nameof(Roots))]
    public async Task Metadata_is_served_anonymously_as_csdl_xml_with_odata_version_and_request_id(string root)
    {
        using var response = await anonymous.GetAsync($"{root}/$metadata");

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/xml");
        response.Headers.GetValues("OData-Version").Should().Equal("4.0");
        Guid.TryParse(response.Headers.GetValues("request-id").Single(), out _).Should().BeTrue();
        text.Should().StartWith("<?xml").And.Contain("<edmx:Edmx Version=\"4.0\"");
    }

    [Theory]
    [MemberData(nameof(Roots))]
    public async Task Metadata_declares_the_summary_type_deriving_from_the_abstract_graph_entity_keyed_by_id(string root)
    {
        var model = await ReadModelAsync(root);

        var entity = model.FindDeclaredType(EntityTypeName).Should().BeAssignableTo<IEdmEntityType>().Subject;
        entity.IsAbstract.Should().BeTrue();
        entity.BaseType.Should().BeNull();
        var key = entity.Key().Should().ContainSingle().Subject;
        key.Name.Should().Be("id");
        key.Type.FullName().Should().Be("Edm.String");
        key.Type.IsNullable.Should().BeFalse();

        var summary = model.FindDeclaredType(SummaryTypeName).Should().BeAssignableTo<IEdmEntityType>().Subject;
        summary.IsAbstract.Should().BeFalse();
        summary.IsOpen.Should().BeFalse("a misspelt property must be a 400, not silently kept");
        summary.BaseEntityType().Should().BeSameAs(entity);
        summary.Key().Select(k => k.Name).Should().Equal("id");
    }

    [Theory]
    [MemberData(nameof(Roots))]
    public async Task Metadata_declares_the_entity_set_at_the_service_root(string root)
    {
        var model = await ReadModelAsync(root);

        var container = model.EntityContainer;
        container.Should().NotBeNull();
        var set = container.FindEntitySet(EntitySetName);
        set.Should().NotBeNull($"the container should declare '{EntitySetName}'");
        set.EntityType.FullName().Should().Be(SummaryTypeName);
        // The summaries and their history (issue 11).
        container.EntitySets().Select(s => s.Name).Should().Equal(EntitySetName, "credentialUserRegistrationsSummarySnapshots", "tenantCollectionStatuses");
    }

    [Theory]
    [MemberData(nameof(Roots))]
    public async Task Metadata_gives_the_summary_exactly_graphs_thirteen_properties_and_types(string root)
    {
        var model = await ReadModelAsync(root);

        var summary = (IEdmEntityType)model.FindDeclaredType(SummaryTypeName);
        var properties = summary.StructuralProperties().ToDictionary(p => p.Name, p => p.Type.FullName());
        properties.Should().Equal(ExpectedProperties);
        summary.DeclaredStructuralProperties().Select(p => p.Name).Should().NotContain("id", "id is inherited from microsoft.graph.entity");
        summary.NavigationProperties().Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(Roots))]
    public async Task Metadata_never_exposes_the_owner_tenant(string root)
    {
        using var response = await anonymous.GetAsync($"{root}/$metadata");
        var text = await response.Content.ReadAsStringAsync();
        var model = await ReadModelAsync(root);

        text.Should().NotContainEquivalentOf("ownerTenantId");
        model.SchemaElements.OfType<IEdmStructuredType>()
            .SelectMany(t => t.StructuralProperties())
            .Select(p => p.Name)
            .Should().NotContain(name => name.Equals("ownerTenantId", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [MemberData(nameof(Roots))]
    public async Task Metadata_marks_the_required_text_properties_and_the_counts_as_not_nullable(string root)
    {
        var model = await ReadModelAsync(root);

        var summary = (IEdmEntityType)model.FindDeclaredType(SummaryTypeName);
        foreach (var name in new[] { "id", "tenantId", "tenantDisplayName", "totalUserCount", "securityDefaultsEnabled" })
        {
            summary.FindProperty(name).Type.IsNullable.Should().BeFalse(name);
        }

        foreach (var name in new[] { "tenantLicenseType", "mfaConditionalAccessPolicyState" })
        {
            summary.FindProperty(name).Type.IsNullable.Should().BeTrue(name);
        }
    }

    [Fact]
    public async Task Metadata_on_beta_is_the_same_document_as_on_v1()
    {
        using var v1 = await anonymous.GetAsync($"{GraphApi.V1Root}/$metadata");
        using var beta = await anonymous.GetAsync($"{GraphApi.BetaRoot}/$metadata");

        beta.StatusCode.Should().Be(HttpStatusCode.OK);
        (await beta.Content.ReadAsStringAsync()).Should().Be(await v1.Content.ReadAsStringAsync());
    }

    private Task<IEdmModel> ReadModelAsync(string root) => anonymous.ReadCsdlXmlAsync(root);
}
