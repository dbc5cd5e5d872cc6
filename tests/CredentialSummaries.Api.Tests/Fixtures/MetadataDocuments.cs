using System.Net;
using System.Text.Json;
using System.Xml;
using Microsoft.OData.Edm;
using Microsoft.OData.Edm.Csdl;
using Microsoft.OData.Edm.Validation;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>Fetches <c>$metadata</c> and reads it as a client would: CSDL XML through ODataLib, CSDL JSON as plain JSON.</summary>
public static class MetadataDocuments
{
    public static Task<HttpResponseMessage> GetMetadataAsync(this HttpClient client, string root, string? accept = null, string query = "")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"{root}/$metadata{query}");
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        return client.SendAsync(request);
    }

    /// <summary>The CSDL XML document parsed by <see cref="CsdlReader"/>; fails the test unless it is served and parses.</summary>
    public static async Task<IEdmModel> ReadCsdlXmlAsync(this HttpClient client, string root)
    {
        using var response = await client.GetMetadataAsync(root);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/xml");
        await using var stream = await response.Content.ReadAsStreamAsync();
        return ParseCsdlXml(stream);
    }

    /// <summary>
    /// Parses CSDL XML as a client that has the vocabularies the document references: ODataLib brings Core,
    /// Capabilities and Authorization; Aggregation, which it lacks, is read from <see cref="AggregationVocabularyCsdl"/>.
    /// </summary>
    public static IEdmModel ParseCsdlXml(Stream stream)
    {
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { Async = false });
        var parsed = CsdlReader.TryParse(reader, [AggregationVocabulary.Value], out var model, out IEnumerable<EdmError> errors);
        parsed.Should().BeTrue(string.Join("; ", errors ?? []));
        return model;
    }

    /// <summary>
    /// The part of OASIS's Org.OData.Aggregation.V1 vocabulary document the service's <c>$metadata</c> uses, as the
    /// vocabulary publishes it (its terms and types, without their descriptions): written here, not taken from the
    /// service's own declaration, so that the service's annotation is checked against the vocabulary.
    /// </summary>
    public const string AggregationVocabularyCsdl = """
        <?xml version="1.0" encoding="utf-8"?>
        <edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
          <edmx:DataServices>
            <Schema Namespace="Org.OData.Aggregation.V1" Alias="Aggregation" xmlns="http://docs.oasis-open.org/odata/ns/edm">
              <Term Name="ApplySupported" Type="Aggregation.ApplySupportedType" Nullable="false" AppliesTo="EntityType ComplexType EntityContainer" />
              <ComplexType Name="ApplySupportedBase" Abstract="true">
                <Property Name="Transformations" Type="Collection(Edm.String)" Nullable="false" />
                <Property Name="CustomAggregationMethods" Type="Collection(Edm.String)" Nullable="false" />
                <Property Name="Rollup" Type="Aggregation.RollupType" Nullable="false" DefaultValue="MultipleHierarchies" />
              </ComplexType>
              <ComplexType Name="ApplySupportedType" BaseType="Aggregation.ApplySupportedBase">
                <Property Name="PropertyRestrictions" Type="Edm.Boolean" Nullable="false" DefaultValue="false" />
                <Property Name="GroupableProperties" Type="Collection(Edm.PropertyPath)" Nullable="false" />
                <Property Name="AggregatableProperties" Type="Collection(Aggregation.AggregatablePropertyType)" Nullable="false" />
              </ComplexType>
              <ComplexType Name="AggregatablePropertyType">
                <Property Name="Property" Type="Edm.PropertyPath" Nullable="false" />
                <Property Name="SupportedAggregationMethods" Type="Collection(Edm.String)" Nullable="false" />
                <Property Name="RecommendedAggregationMethod" Type="Edm.String" />
              </ComplexType>
              <EnumType Name="RollupType">
                <Member Name="None" />
                <Member Name="SingleHierarchy" />
                <Member Name="MultipleHierarchies" />
              </EnumType>
            </Schema>
          </edmx:DataServices>
        </edmx:Edmx>
        """;

    private static readonly Lazy<IEdmModel> AggregationVocabulary = new(() =>
    {
        using var reader = XmlReader.Create(new StringReader(AggregationVocabularyCsdl.Trim()));
        var parsed = CsdlReader.TryParse(reader, out var model, out IEnumerable<EdmError> errors);
        parsed.Should().BeTrue(string.Join("; ", errors ?? []));
        return model;
    });

    /// <summary>
    /// The CSDL JSON document read back by <see cref="CsdlReader"/>, as a client of JSON metadata would; fails the test
    /// unless it parses.
    /// </summary>
    public static async Task<IEdmModel> ReadCsdlJsonModelAsync(this HttpClient client, string root)
    {
        using var response = await client.GetMetadataAsync(root, "application/json");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var reader = new Utf8JsonReader(bytes);
        var parsed = CsdlReader.TryParse(ref reader, out var model, out var errors);
        parsed.Should().BeTrue(string.Join("; ", errors ?? []));
        return model;
    }

    /// <summary>The CSDL JSON document asked for with <c>Accept: application/json</c>; fails the test unless it is served.</summary>
    public static async Task<JsonElement> ReadCsdlJsonAsync(this HttpClient client, string root)
    {
        using var response = await client.GetMetadataAsync(root, "application/json");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
