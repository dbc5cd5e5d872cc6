using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using CredentialSummaries.Api.Model;
using Microsoft.AspNetCore.OData.Deltas;
using Microsoft.OData.Edm;

namespace CredentialSummaries.Api.Validation;

/// <summary>
/// The strict reading of a POST or PATCH body, before ODataLib binds it to <see cref="Delta{T}"/>: a JSON object
/// of the type's own properties, each of its EDM type as the OData JSON format writes it (an Int32 is a JSON integer,
/// a Boolean is <c>true</c> or <c>false</c>, never a string such as <c>"10"</c> or <c>"true"</c>), names unique, text
/// free of control characters. Every problem is reported at once, so that a client fixes its body in one round trip.
/// </summary>
public static partial class SummaryBody
{
    /// <summary>Checks a body against the entity type.</summary>
    /// <param name="utf8Json">The body as sent.</param>
    /// <param name="type">The EDM type the body must be an instance of.</param>
    /// <param name="read">
    /// What the action binds instead of ODataLib's reading, or null when ODataLib is to read the body:
    /// <list type="bullet">
    /// <item>a body with problems (but a JSON object): its well-typed values and the problems, so that the rules the
    /// action judges — some need the stored row — add theirs to the same 400, and nothing is written;</item>
    /// <item>a plain body without problems — the type's own properties, at most an <c>@odata.type</c> of exactly
    /// <c>#</c> and the type's name, no other annotation, dates in ISO 8601's extended form with seconds — its values
    /// as the <see cref="Delta{T}"/> ODataLib would bind from it, so that the body is read once.</item>
    /// </list>
    /// Null for any other body without problems, and for one that is not a JSON object at all.
    /// </param>
    /// <returns>Every problem found in the body itself, in its order; empty when it may be bound.</returns>
    public static IReadOnlyList<RuleViolation> Check(ReadOnlyMemory<byte> utf8Json, IEdmStructuredType type, out ReadSummaryBody? read)
    {
        ArgumentNullException.ThrowIfNull(type);
        read = null;
        // System.Text.Json checks the UTF-8 of values only when they are read, and of names hardly at all.
        if (!Utf8.IsValid(utf8Json.Span))
        {
            return [new(RuleCodes.InvalidRequestBody, null, NotUtf8Message(utf8Json.Span))];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json);
        }
        catch (JsonException ex)
        {
            return [new(RuleCodes.InvalidRequestBody, null,
                $"The request body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}); it must be a JSON object in UTF-8.")];
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return [new(RuleCodes.InvalidRequestBody, null, $"The request body must be a JSON object; got {Describe(root)}.")];
            }

            var problems = new List<RuleViolation>();
            // The well-typed values: bound when the body is plain, judged by the rules when it has problems.
            var wellTyped = new List<KeyValuePair<string, object?>>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var typeName = type.FullTypeName();
            var isPlain = true;
            foreach (var member in root.EnumerateObject())
            {
                isPlain &= IsPlain(member, type, typeName);
                if (!seen.Add(member.Name))
                {
                    problems.Add(new(RuleCodes.InvalidRequestBody, member.Name, $"Property '{member.Name}' appears more than once."));
                    continue;
                }

                var problem = member.Name switch
                {
                    "@odata.type" => CheckTypeAnnotation(member.Value, typeName),
                    // Other instance and property annotations (@odata.context, x@odata.type …) are ODataLib's to judge.
                    _ when member.Name.Contains('@', StringComparison.Ordinal) => null,
                    _ => CheckProperty(member, type, typeName, wellTyped),
                };
                if (problem is not null)
                {
                    problems.Add(problem);
                }
            }

            if (problems.Count > 0 || isPlain)
            {
                read = new ReadSummaryBody(ToDelta(wellTyped), problems);
            }

            return problems;
        }
    }

    // The values under the CLR names Delta<T> knows them by (the EDM's are their camelCase).
    private static Delta<CredentialUserRegistrationsSummary> ToDelta(List<KeyValuePair<string, object?>> values)
    {
        var delta = new Delta<CredentialUserRegistrationsSummary>();
        foreach (var (name, value) in values)
        {
            delta.TrySetPropertyValue(char.ToUpperInvariant(name[0]) + name[1..], value);
        }

        return delta;
    }

    /// <summary>
    /// Whether ODataLib would read this member exactly as <see cref="CheckProperty"/> does: anything unusual (an
    /// annotation, <c>@odata.type</c> without its <c>#</c>, a date in a form other than ISO 8601's extended one)
    /// is left to ODataLib, which keeps its own judgement of it.
    /// </summary>
    private static bool IsPlain(JsonProperty member, IEdmStructuredType type, string typeName) => member.Name switch
    {
        "@odata.type" => member.Value.ValueKind == JsonValueKind.String && member.Value.ValueEquals("#" + typeName),
        _ when member.Name.Contains('@', StringComparison.Ordinal) => false,
        _ when member.Value.ValueKind == JsonValueKind.String
            && type.FindProperty(member.Name)?.Type.PrimitiveKind() == EdmPrimitiveTypeKind.DateTimeOffset => TextOf(member.Value) is string text && IsoDateTime().IsMatch(text),
        _ => true,
    };

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDateTime();

    private static RuleViolation? CheckTypeAnnotation(JsonElement value, string typeName)
    {
        var sent = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return sent is not null && (sent == "#" + typeName || sent == typeName)
            ? null
            : new(RuleCodes.InvalidType, "@odata.type", $"'@odata.type' must be '#{typeName}'; got {Describe(value)}.");
    }

    private static RuleViolation? CheckProperty(
        JsonProperty member, IEdmStructuredType type, string typeName, List<KeyValuePair<string, object?>> wellTyped)
    {
        if (type.FindProperty(member.Name) is not IEdmStructuralProperty property)
        {
            return new(RuleCodes.UnknownProperty, member.Name, $"Property '{member.Name}' does not exist on type '{typeName}'.");
        }

        var value = member.Value;
        var kind = property.Type.PrimitiveKind();
        if (value.ValueKind == JsonValueKind.Null)
        {
            return property.Type.IsNullable ? Accept(wellTyped, member.Name, null)
                : new(RuleCodes.InvalidType, member.Name, $"Property '{member.Name}' cannot be null.");
        }

        object? typed = kind switch
        {
            EdmPrimitiveTypeKind.Int32 when value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) => number,
            EdmPrimitiveTypeKind.Boolean when value.ValueKind is JsonValueKind.True or JsonValueKind.False => value.GetBoolean(),
            EdmPrimitiveTypeKind.String when value.ValueKind == JsonValueKind.String => TextOf(value),
            EdmPrimitiveTypeKind.DateTimeOffset when value.ValueKind == JsonValueKind.String => DateTimeOf(TextOf(value)),
            _ => null,
        };
        return typed switch
        {
            null or Unreadable when kind == EdmPrimitiveTypeKind.DateTimeOffset && MicrosoftJsonDate(value) is { } instant => new(
                RuleCodes.InvalidType, member.Name,
                $"Property '{member.Name}' must be {Expected(kind)}; got {Describe(value)}, the form Windows PowerShell 5.1's ConvertTo-Json "
                + $"writes a [DateTime] in. Send \"{instant.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", CultureInfo.InvariantCulture)}\" instead "
                + "(in PowerShell: $date.ToUniversalTime().ToString('o'))."),
            null => new(RuleCodes.InvalidType, member.Name, $"Property '{member.Name}' must be {Expected(kind)}; got {Describe(value)}."),
            Unreadable => new(RuleCodes.InvalidType, member.Name,
                $"Property '{member.Name}' must be {Expected(kind)} without control characters or unpaired surrogates; got {Describe(value)}."),
            _ => Accept(wellTyped, member.Name, typed),
        };
    }

    private static RuleViolation? Accept(List<KeyValuePair<string, object?>> wellTyped, string property, object? value)
    {
        wellTyped.Add(KeyValuePair.Create(property, value));
        return null;
    }

    /// <summary>The string, or <see cref="Unreadable"/> for text no store keeps faithfully (NUL and other C0 controls, lone surrogates).</summary>
    private static object TextOf(JsonElement value)
    {
        try
        {
            var text = value.GetString()!;
            return IsStorable(text) ? text : Unreadable.Instance;
        }
        catch (InvalidOperationException)
        {
            return Unreadable.Instance;
        }
    }

    private static bool IsStorable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsControl(text[i]))
            {
                return false;
            }

            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    // OData requires DateTimeOffset literals to carry 'Z' or an offset; the store keeps UTC.
    private static object? DateTimeOf(object text) =>
        text is string s && HasExplicitOffset(s)
            && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time.UtcDateTime
            : text as Unreadable;

    /// <summary>
    /// The instant of a Microsoft JSON date, <c>"\/Date(1732431600000)\/"</c> (milliseconds since 1970 in UTC, an
    /// optional <c>+hhmm</c> that does not change the instant): what Windows PowerShell 5.1's <c>ConvertTo-Json</c>
    /// and .NET Framework's JavaScriptSerializer write for a DateTime. Not OData: it is refused, naming the ISO 8601 to send.
    /// </summary>
    private static DateTime? MicrosoftJsonDate(JsonElement value)
    {
        var match = value.ValueKind == JsonValueKind.String ? MicrosoftJsonDateForm().Match(value.GetString() ?? "") : Match.Empty;
        return match.Success
            && long.TryParse(match.Groups["ms"].ValueSpan, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var milliseconds)
            && milliseconds is >= -62_135_596_800_000 and <= 253_402_300_799_999
            ? DateTime.UnixEpoch.AddMilliseconds(milliseconds)
            : null;
    }

    [GeneratedRegex(@"^/Date\((?<ms>-?\d{1,15})([+-]\d{4})?\)/$", RegexOptions.CultureInvariant)]
    private static partial Regex MicrosoftJsonDateForm();

    /// <summary>
    /// Where the body stops being UTF-8, and what to send instead. The usual sender is Windows PowerShell 5.1, whose
    /// <c>Invoke-RestMethod</c> encodes a string <c>-Body</c> as ISO-8859-1 whatever the Content-Type says; guessing
    /// Latin-1 would store other senders' broken UTF-8 as wrong text, so the body is refused with the fix.
    /// </summary>
    private static string NotUtf8Message(ReadOnlySpan<byte> body)
    {
        var valid = 0;
        while (valid < body.Length)
        {
            var status = System.Text.Rune.DecodeFromUtf8(body[valid..], out _, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                break;
            }

            valid += consumed;
        }

        var offending = valid < body.Length ? $" (byte 0x{body[valid]:X2} at offset {valid})" : "";
        return $"The request body is not valid UTF-8{offending}; it must be a JSON object in UTF-8. Windows PowerShell 5.1's "
            + "Invoke-RestMethod sends a string -Body as ISO-8859-1: send its UTF-8 bytes instead, "
            + "-Body ([Text.Encoding]::UTF8.GetBytes($json)) -ContentType 'application/json; charset=utf-8'.";
    }

    private static bool HasExplicitOffset(string text) =>
        text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');

    private static string Expected(EdmPrimitiveTypeKind kind) => kind switch
    {
        EdmPrimitiveTypeKind.Int32 => "an Int32 (a JSON integer, -2147483648 to 2147483647)",
        EdmPrimitiveTypeKind.Boolean => "a Boolean (true or false, not a string)",
        EdmPrimitiveTypeKind.String => "a String",
        EdmPrimitiveTypeKind.DateTimeOffset => "a DateTimeOffset (ISO 8601 with 'Z' or an offset, e.g. \"2026-11-24T07:00:00Z\")",
        _ => "an " + kind,
    };

    private static string Describe(JsonElement value) => SummaryRules.Echo(value.GetRawText());

    /// <summary>A string value that is well-formed JSON but not text the service stores.</summary>
    private sealed class Unreadable
    {
        public static readonly Unreadable Instance = new();
    }
}
