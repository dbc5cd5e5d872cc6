using System.Globalization;
using System.Text.Json;
using Microsoft.OData.Edm;

namespace CredentialSummaries.Api.Graph;

/// <summary>
/// Explains why ODataLib refused a request body, naming the property and what it expected
/// (<c>Property 'totalUserCount' must be an Int32; got "Integer".</c>). ODataLib's own messages often name neither.
/// Runs only after a body has failed to read, so the happy path pays nothing for it.
/// </summary>
public static class RequestBodyDiagnostics
{
    private const int MaxEchoedLength = 64;

    /// <returns>A message for the first problem found, or null when the body looks well-formed for the type.</returns>
    public static string? Explain(ReadOnlySpan<byte> body, IEdmStructuredType type)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException ex)
        {
            return $"The request body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).";
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return $"The request body must be a JSON object; got {Describe(document.RootElement)}.";
            }

            var typeName = type.FullTypeName();
            foreach (var member in document.RootElement.EnumerateObject())
            {
                var problem = member.Name switch
                {
                    "@odata.type" => ExplainTypeAnnotation(member.Value, typeName),
                    _ when member.Name.Contains('@', StringComparison.Ordinal) => null,
                    _ => ExplainProperty(member, type, typeName),
                };
                if (problem is not null)
                {
                    return problem;
                }
            }
        }

        return null;
    }

    private static string? ExplainTypeAnnotation(JsonElement value, string typeName)
    {
        var sent = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return sent is not null && (sent == "#" + typeName || sent == typeName)
            ? null
            : $"'@odata.type' must be '#{typeName}'; got {Describe(value)}.";
    }

    private static string? ExplainProperty(JsonProperty member, IEdmStructuredType type, string typeName)
    {
        if (type.FindProperty(member.Name) is not IEdmStructuralProperty property)
        {
            return $"Property '{member.Name}' does not exist on type '{typeName}'.";
        }

        var value = member.Value;
        if (value.ValueKind == JsonValueKind.Null)
        {
            return property.Type.IsNullable ? null : $"Property '{member.Name}' cannot be null.";
        }

        var ok = property.Type.PrimitiveKind() switch
        {
            EdmPrimitiveTypeKind.Int32 => value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out _),
            EdmPrimitiveTypeKind.Boolean => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            EdmPrimitiveTypeKind.String => value.ValueKind == JsonValueKind.String,
            EdmPrimitiveTypeKind.DateTimeOffset => value.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                && HasExplicitOffset(value.GetString()!),
            _ => true,
        };
        return ok ? null : $"Property '{member.Name}' must be {Expected(property.Type.PrimitiveKind())}; got {Describe(value)}.";
    }

    // OData requires DateTimeOffset literals to carry 'Z' or an offset.
    private static bool HasExplicitOffset(string text) =>
        text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');

    private static string Expected(EdmPrimitiveTypeKind kind) => kind switch
    {
        EdmPrimitiveTypeKind.Int32 => "an Int32",
        EdmPrimitiveTypeKind.Boolean => "a Boolean (true or false)",
        EdmPrimitiveTypeKind.String => "a String",
        EdmPrimitiveTypeKind.DateTimeOffset => "a DateTimeOffset (ISO 8601 with 'Z' or an offset, e.g. \"2026-11-24T07:00:00Z\")",
        _ => "an " + kind,
    };

    private static string Describe(JsonElement value)
    {
        var raw = value.GetRawText();
        return raw.Length <= MaxEchoedLength ? raw : string.Concat(raw.AsSpan(0, MaxEchoedLength), "…");
    }
}
