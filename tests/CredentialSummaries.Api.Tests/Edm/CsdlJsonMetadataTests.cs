using System.Net;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.OData.Edm;

namespace CredentialSummaries.Api.Tests.Edm;

/// <summary>DESIGN §2: <c>$metadata</c> is CSDL XML by default and CSDL JSON (OData CSDL JSON 4.01) when asked for.</summary>
public sealed class CsdlJsonMetadataTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private const string Namespace = "microsoft.graph.managedTenants";
    private const string ContainerFullName = Namespace + ".managedTenants";
    private const string EntitySetName = "credentialUserRegistrationsSummaries";

    private readonly HttpClient anonymous = factory.ClientFor(token: null);

    public static TheoryData<string, string> JsonAccepts => Cross(
        "application/json",
        "application/json;odata.metadata=minimal",
        "application/json;odata.metadata=full",
        "application/xml;q=0.5, application/json");

    public static TheoryData<string, string> JsonFormats => Cross("json", "application/json");

    public static TheoryData<string, string?> XmlAccepts => Cross<string?>(
        null,
        "application/xml",
        "*/*",
        "application/*",
        "application/json;q=0.5, application/xml");

    public static TheoryData<string> Roots => new() { GraphApi.V1Root, GraphApi.BetaRoot };

    [Theory]
    [MemberData(nameof(JsonAccepts))]
    public async Task Metadata_answers_an_accept_of_application_json_anonymously_with_csdl_json(string root, string accept)
    {
        using var response = await anonymous.GetMetadataAsync(root, accept);

        await ShouldBeCsdlJsonAsync(response);
    }

    [Theory]
    [MemberData(nameof(JsonFormats))]
    public async Task Metadata_answers_dollar_format_json_with_csdl_json_whatever_the_accept(string root, string format)
    {
        using var plain = await anonymous.GetMetadataAsync(root, query: $"?$format={format}");
        using var overridingXml = await anonymous.GetMetadataAsync(root, "application/xml", $"?$format={format}");

        await ShouldBeCsdlJsonAsync(plain);
        await ShouldBeCsdlJsonAsync(overridingXml);
    }

    [Theory]
    [MemberData(nameof(XmlAccepts))]
    public async Task Metadata_stays_csdl_xml_without_accept_and_for_xml_or_wildcard_accepts(string root, string? accept)
    {
        using var response = await anonymous.GetMetadataAsync(root, accept);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/xml");
        response.Headers.GetValues("OData-Version").Should().Equal("4.0");
        await using var stream = await response.Content.ReadAsStreamAsync();
        MetadataDocuments.ParseCsdlXml(stream).EntityContainer.FindEntitySet(EntitySetName).Should().NotBeNull();
    }

    [Theory]
    [MemberData(nameof(Roots))]
    public async Task Dollar_format_xml_wins_over_an_accept_of_application_json(string root)
    {
        using var response = await anonymous.GetMetadataAsync(root, "application/json", "?$format=xml");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/xml");
        (await response.Content.ReadAsStringAsync()).Should().StartWith("<?xml");
    }

    [Theory]
    [MemberData(nameof(Roots))]
    public async Task Csdl_json_by_accept_is_the_same_document_as_by_dollar_format(string root)
    {
        using var byAccept = await anonymous.GetMetadataAsync(root, "application/json");
        using var byFormat = await anonymous.GetMetadataAsync(root, query: "?$format=application/json");

        (await byAccept.Content.ReadAsStringAsync()).Should().Be(await byFormat.Content.ReadAsStringAsync());
    }

    [Theory]
    [MemberData(nameof(Roots))]
    public async Task Csdl_json_declares_the_same_types_properties_and_entity_set_as_the_csdl_xml(string root)
    {
        var json = await anonymous.ReadCsdlJsonAsync(root);
        var xml = await anonymous.ReadCsdlXmlAsync(root);

        json.GetProperty("$Version").GetString().Should().Be("4.0");
        json.GetProperty("$EntityContainer").GetString().Should().Be(xml.EntityContainer.FullName()).And.Be(ContainerFullName);
        var xmlTypes = xml.SchemaElements.OfType<IEdmEntityType>().ToList();
        xmlTypes.Select(t => t.FullName()).Should().BeEquivalentTo(
            "microsoft.graph.entity", $"{Namespace}.credentialUserRegistrationsSummary", $"{Namespace}.credentialUserRegistrationsSummarySnapshot",
            $"{Namespace}.tenantCollectionStatus");
        foreach (var type in xmlTypes)
        {
            var declared = json.GetProperty(type.Namespace).GetProperty(type.Name);
            declared.GetProperty("$Kind").GetString().Should().Be("EntityType");
            (declared.TryGetProperty("$Abstract", out var isAbstract) && isAbstract.GetBoolean()).Should().Be(type.IsAbstract, type.Name);
            Member(declared, "$BaseType").Should().Be(type.BaseEntityType()?.FullName(), type.Name);
            (declared.TryGetProperty("$Key", out var key) ? key.EnumerateArray().Select(k => k.GetString()) : [])
                .Should().Equal(type.DeclaredKey?.Select(k => k.Name) ?? [], type.Name);

            // CSDL JSON leaves out the defaults: $Type Edm.String and $Nullable false.
            var properties = declared.EnumerateObject()
                .Where(p => !p.Name.StartsWith('$') && !p.Name.StartsWith('@'))
                .ToDictionary(p => p.Name, p => (Type: Member(p.Value, "$Type") ?? "Edm.String",
                    Nullable: p.Value.TryGetProperty("$Nullable", out var nullable) && nullable.GetBoolean()));
            properties.Should().Equal(type.DeclaredStructuralProperties().ToDictionary(p => p.Name, p => (p.Type.FullName(), p.Type.IsNullable)));
        }

        var container = json.GetProperty(Namespace).GetProperty(xml.EntityContainer.Name);
        container.GetProperty("$Kind").GetString().Should().Be("EntityContainer");
        container.EnumerateObject().Select(p => p.Name).Where(name => !name.StartsWith('$') && !name.StartsWith('@'))
            .Should().Equal(EntitySetName, "credentialUserRegistrationsSummarySnapshots", "tenantCollectionStatuses");
        var set = container.GetProperty(EntitySetName);
        set.GetProperty("$Collection").GetBoolean().Should().BeTrue();
        set.GetProperty("$Type").GetString().Should().Be(xml.EntityContainer.FindEntitySet(EntitySetName).EntityType.FullName());
    }

    private static async Task ShouldBeCsdlJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        response.Headers.GetValues("OData-Version").Should().Equal("4.0");
        Guid.TryParse(response.Headers.GetValues("request-id").Single(), out _).Should().BeTrue();

        using var document = JsonDocument.Parse(text);
        document.RootElement.GetProperty("$Version").GetString().Should().Be("4.0");
        document.RootElement.GetProperty("$EntityContainer").GetString().Should().Be(ContainerFullName);
        document.RootElement.GetProperty(Namespace).GetProperty("managedTenants").GetProperty(EntitySetName)
            .GetProperty("$Type").GetString().Should().Be($"{Namespace}.credentialUserRegistrationsSummary");
    }

    private static string? Member(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.GetString() : null;

    private static TheoryData<string, T> Cross<T>(params T[] values)
    {
        var data = new TheoryData<string, T>();
        foreach (var root in new[] { GraphApi.V1Root, GraphApi.BetaRoot })
        {
            foreach (var value in values)
            {
                data.Add(root, value);
            }
        }

        return data;
    }
}
