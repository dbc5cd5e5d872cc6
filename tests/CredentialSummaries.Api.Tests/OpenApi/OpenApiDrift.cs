using System.Text.Json.Nodes;
using Microsoft.OData.Edm;

namespace CredentialSummaries.Api.Tests.OpenApi;

/// <summary>
/// Where the OpenAPI document and <c>$metadata</c> disagree about the entity type: each difference in words, none
/// when they agree. Kept apart from the tests so that a test can show it finds each kind of drift on a mutated copy.
/// </summary>
public static class OpenApiDrift
{
    public const string EntitySchema = "microsoft.graph.managedTenants.credentialUserRegistrationsSummary";
    public const string EntityPath = "/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries";

    public static IReadOnlyList<string> Differences(IEdmEntityType entityType, JsonObject document)
    {
        var differences = new List<string>();
        if (document["components"]?["schemas"]?[EntitySchema]?["properties"] is not JsonObject properties)
        {
            return [$"components.schemas['{EntitySchema}'].properties is missing"];
        }

        var edmProperties = entityType.StructuralProperties().ToDictionary(p => p.Name);
        foreach (var (name, property) in edmProperties)
        {
            if (properties[name] is not JsonObject schema)
            {
                differences.Add($"'{name}' is in $metadata but not in the schema");
                continue;
            }

            var (type, format) = OpenApiTypeOf(property.Type);
            if ((string?)schema["type"] != type)
            {
                differences.Add($"'{name}' is {property.Type.FullName()} in $metadata, so type '{type}', but the schema says '{schema["type"]}'");
            }

            if ((string?)schema["format"] != format)
            {
                differences.Add($"'{name}' is {property.Type.FullName()} in $metadata, so format '{format ?? "(none)"}', but the schema says '{schema["format"]?.ToString() ?? "(none)"}'");
            }

            var nullable = schema["nullable"] is JsonValue n && n.GetValue<bool>();
            if (nullable != property.Type.IsNullable)
            {
                differences.Add($"'{name}' is Nullable={property.Type.IsNullable.ToString().ToLowerInvariant()} in $metadata but the schema says nullable: {nullable.ToString().ToLowerInvariant()}");
            }
        }

        // Nothing else but the OData annotations the service writes on the entity.
        foreach (var (name, _) in properties)
        {
            if (!edmProperties.ContainsKey(name) && !name.StartsWith("@odata.", StringComparison.Ordinal))
            {
                differences.Add($"'{name}' is in the schema but not in $metadata");
            }
        }

        // The key: one property, the one the entity path's parameter names.
        var key = entityType.Key().Select(k => k.Name).ToArray();
        var keyPath = $"{EntityPath}/{{{string.Join(",", key)}}}";
        if (key.Length != 1 || document["paths"]?[keyPath] is null)
        {
            differences.Add($"the key is ({string.Join(", ", key)}) in $metadata but the document has no path '{keyPath}'");
        }

        return differences;
    }

    /// <summary>The OASIS CSDL-to-OpenAPI mapping of a primitive type (odata-openapi's, for the types the model uses).</summary>
    public static (string Type, string? Format) OpenApiTypeOf(IEdmTypeReference type) => type.PrimitiveKind() switch
    {
        EdmPrimitiveTypeKind.String => ("string", null),
        EdmPrimitiveTypeKind.Boolean => ("boolean", null),
        EdmPrimitiveTypeKind.Int32 => ("integer", "int32"),
        EdmPrimitiveTypeKind.Int64 => ("integer", "int64"),
        EdmPrimitiveTypeKind.Double => ("number", "double"),
        EdmPrimitiveTypeKind.Guid => ("string", "uuid"),
        EdmPrimitiveTypeKind.Date => ("string", "date"),
        EdmPrimitiveTypeKind.DateTimeOffset => ("string", "date-time"),
        var other => throw new NotSupportedException($"Map Edm.{other} to OpenAPI here before the model uses it."),
    };
}
