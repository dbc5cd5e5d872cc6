using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Unicode;

namespace CredentialSummaries.Bench.Baseline;

/// <summary>The properties a body may set, in the EDM's order.</summary>
[Flags]
internal enum Sent
{
    None = 0,
    Id = 1 << 0,
    TenantId = 1 << 1,
    TenantDisplayName = 1 << 2,
    TenantLicenseType = 1 << 3,
    MfaAndSsprCapableUserCount = 1 << 4,
    SsprEnabledUserCount = 1 << 5,
    MfaRegisteredUserCount = 1 << 6,
    SsprRegisteredUserCount = 1 << 7,
    MfaExcludedUserCount = 1 << 8,
    TotalUserCount = 1 << 9,
    SecurityDefaultsEnabled = 1 << 10,
    MfaConditionalAccessPolicyState = 1 << 11,
    LastRefreshedDateTime = 1 << 12,
    ODataType = 1 << 13,
}

/// <summary>The well-typed properties of a POST or PATCH body.</summary>
internal sealed class SummaryPatch
{
    public Sent Sent { get; set; }

    public string? Id { get; set; }

    public string? TenantId { get; set; }

    public string? TenantDisplayName { get; set; }

    public string? TenantLicenseType { get; set; }

    public int MfaAndSsprCapableUserCount { get; set; }

    public int SsprEnabledUserCount { get; set; }

    public int MfaRegisteredUserCount { get; set; }

    public int SsprRegisteredUserCount { get; set; }

    public int MfaExcludedUserCount { get; set; }

    public int TotalUserCount { get; set; }

    public bool SecurityDefaultsEnabled { get; set; }

    public string? MfaConditionalAccessPolicyState { get; set; }

    public DateTime LastRefreshedDateTime { get; set; }

    public bool Has(Sent property) => (Sent & property) != 0;

    /// <summary>Sets what was sent on <paramref name="target"/> (id and tenantId included; the caller guards them on a PATCH).</summary>
    public void ApplyTo(Summary target)
    {
        if (Has(Sent.Id)) { target.Id = Id!; }
        if (Has(Sent.TenantId)) { target.TenantId = TenantId!; }
        if (Has(Sent.TenantDisplayName)) { target.TenantDisplayName = TenantDisplayName!; }
        if (Has(Sent.TenantLicenseType)) { target.TenantLicenseType = TenantLicenseType; }
        if (Has(Sent.MfaAndSsprCapableUserCount)) { target.MfaAndSsprCapableUserCount = MfaAndSsprCapableUserCount; }
        if (Has(Sent.SsprEnabledUserCount)) { target.SsprEnabledUserCount = SsprEnabledUserCount; }
        if (Has(Sent.MfaRegisteredUserCount)) { target.MfaRegisteredUserCount = MfaRegisteredUserCount; }
        if (Has(Sent.SsprRegisteredUserCount)) { target.SsprRegisteredUserCount = SsprRegisteredUserCount; }
        if (Has(Sent.MfaExcludedUserCount)) { target.MfaExcludedUserCount = MfaExcludedUserCount; }
        if (Has(Sent.TotalUserCount)) { target.TotalUserCount = TotalUserCount; }
        if (Has(Sent.SecurityDefaultsEnabled)) { target.SecurityDefaultsEnabled = SecurityDefaultsEnabled; }
        if (Has(Sent.MfaConditionalAccessPolicyState)) { target.MfaConditionalAccessPolicyState = MfaConditionalAccessPolicyState; }
        if (Has(Sent.LastRefreshedDateTime)) { target.LastRefreshedDateTime = LastRefreshedDateTime; }
    }
}

/// <summary>
/// The service's strict reading of a body (its SummaryBody) and its rules (SummaryRules), with the same codes and
/// messages, in one pass of a <see cref="Utf8JsonReader"/>: a JSON object of the type's own properties, each of its EDM
/// type (an Int32 is a JSON integer, a Boolean true or false, strings free of control characters), no name twice;
/// then required properties, the id's form, tenantId a GUID, lengths, counts 0 or more and not above the total.
/// </summary>
internal static partial class SummaryBody
{
    private const string InvalidRequestBody = "InvalidRequestBody";
    private const string UnknownProperty = "UnknownProperty";
    private const string InvalidType = "InvalidPropertyType";
    private const string Required = "RequiredPropertyMissing";
    private const string Immutable = "ReadOnlyProperty";
    private const string InvalidValue = "InvalidValue";

    private const string QualifiedTypeName = "microsoft.graph.managedTenants.credentialUserRegistrationsSummary";
    private const int MaxDisplayNameLength = 256;
    private const int MaxShortTextLength = 64;

    private enum Kind
    {
        String,
        NullableString,
        Int32,
        Boolean,
        DateTimeOffset,
    }

    private sealed record Property(Sent Flag, string Name, byte[] Utf8, Kind Kind);

    private static readonly Property[] Properties =
    [
        new(Sent.Id, "id", "id"u8.ToArray(), Kind.String),
        new(Sent.TenantId, "tenantId", "tenantId"u8.ToArray(), Kind.String),
        new(Sent.TenantDisplayName, "tenantDisplayName", "tenantDisplayName"u8.ToArray(), Kind.String),
        new(Sent.TenantLicenseType, "tenantLicenseType", "tenantLicenseType"u8.ToArray(), Kind.NullableString),
        new(Sent.MfaAndSsprCapableUserCount, "mfaAndSsprCapableUserCount", "mfaAndSsprCapableUserCount"u8.ToArray(), Kind.Int32),
        new(Sent.SsprEnabledUserCount, "ssprEnabledUserCount", "ssprEnabledUserCount"u8.ToArray(), Kind.Int32),
        new(Sent.MfaRegisteredUserCount, "mfaRegisteredUserCount", "mfaRegisteredUserCount"u8.ToArray(), Kind.Int32),
        new(Sent.SsprRegisteredUserCount, "ssprRegisteredUserCount", "ssprRegisteredUserCount"u8.ToArray(), Kind.Int32),
        new(Sent.MfaExcludedUserCount, "mfaExcludedUserCount", "mfaExcludedUserCount"u8.ToArray(), Kind.Int32),
        new(Sent.TotalUserCount, "totalUserCount", "totalUserCount"u8.ToArray(), Kind.Int32),
        new(Sent.SecurityDefaultsEnabled, "securityDefaultsEnabled", "securityDefaultsEnabled"u8.ToArray(), Kind.Boolean),
        new(Sent.MfaConditionalAccessPolicyState, "mfaConditionalAccessPolicyState", "mfaConditionalAccessPolicyState"u8.ToArray(), Kind.NullableString),
        new(Sent.LastRefreshedDateTime, "lastRefreshedDateTime", "lastRefreshedDateTime"u8.ToArray(), Kind.DateTimeOffset),
    ];

    private static readonly (string Name, Func<Summary, int> Value)[] Counts =
    [
        ("mfaAndSsprCapableUserCount", s => s.MfaAndSsprCapableUserCount),
        ("ssprEnabledUserCount", s => s.SsprEnabledUserCount),
        ("mfaRegisteredUserCount", s => s.MfaRegisteredUserCount),
        ("ssprRegisteredUserCount", s => s.SsprRegisteredUserCount),
        ("mfaExcludedUserCount", s => s.MfaExcludedUserCount),
    ];

    /// <summary>Reads a body; on a create whose types are wrong, also judges the rules on its well-typed part (as the service).</summary>
    /// <returns>Every problem, in the order of the body; null when there is none.</returns>
    public static List<GraphErrorDetail>? Read(ReadOnlySpan<byte> json, bool isCreate, out SummaryPatch patch)
    {
        patch = new SummaryPatch();
        if (!Utf8.IsValid(json))
        {
            return [new(InvalidRequestBody, "The request body is not valid UTF-8; it must be a JSON object in UTF-8.", null)];
        }

        List<GraphErrorDetail>? problems;
        bool notAnObject;
        try
        {
            problems = ReadObject(json, patch, out notAnObject);
        }
        catch (JsonException ex)
        {
            patch = new SummaryPatch();
            return [new(InvalidRequestBody,
                $"The request body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}); it must be a JSON object in UTF-8.", null)];
        }

        if (problems is { Count: > 0 } && isCreate && !notAnObject)
        {
            var judged = problems.Select(p => p.Target).ToHashSet(StringComparer.Ordinal);
            ApplyCreate(patch, DateTime.UnixEpoch, out _, out var rules);
            if (rules is not null)
            {
                problems.AddRange(rules.Where(v => !judged.Contains(v.Target)));
            }
        }

        return problems;
    }

    private static List<GraphErrorDetail>? ReadObject(ReadOnlySpan<byte> json, SummaryPatch patch, out bool notAnObject)
    {
        var reader = new Utf8JsonReader(json);
        notAnObject = !reader.Read() || reader.TokenType != JsonTokenType.StartObject;
        if (notAnObject)
        {
            // Rare: let JsonDocument judge the whole text (it throws a JsonException for bad syntax) and describe the root.
            using var document = JsonDocument.Parse(json.ToArray());
            return [new(InvalidRequestBody, $"The request body must be a JSON object; got {Echo(document.RootElement.GetRawText())}.", null)];
        }

        List<GraphErrorDetail>? problems = null;
        HashSet<string>? otherNames = null;
        var seen = Sent.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = Find(ref reader);
            string? duplicate = null;
            if (property is not null)
            {
                if ((seen & property.Flag) != 0)
                {
                    duplicate = property.Name;
                }

                seen |= property.Flag;
            }
            else
            {
                var name = reader.GetString()!;
                if (!(otherNames ??= new HashSet<string>(StringComparer.Ordinal)).Add(name))
                {
                    duplicate = name;
                }
                else if (name == "@odata.type")
                {
                    reader.Read();
                    var start = (int)reader.TokenStartIndex;
                    var isType = reader.TokenType == JsonTokenType.String && reader.GetString() is { } sent
                        && (sent == "#" + QualifiedTypeName || sent == QualifiedTypeName);
                    reader.Skip();
                    if (!isType)
                    {
                        (problems ??= []).Add(new(InvalidType, $"'@odata.type' must be '#{QualifiedTypeName}'; got {Raw(json, start, reader)}.", "@odata.type"));
                    }

                    continue;
                }
                else if (name.Contains('@', StringComparison.Ordinal))
                {
                    // Other annotations are ODataLib's to judge in the service; they set nothing.
                    reader.Read();
                    reader.Skip();
                    continue;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                    (problems ??= []).Add(new(UnknownProperty, $"Property '{name}' does not exist on type '{QualifiedTypeName}'.", name));
                    continue;
                }
            }

            reader.Read();
            if (duplicate is not null)
            {
                reader.Skip();
                (problems ??= []).Add(new(InvalidRequestBody, $"Property '{duplicate}' appears more than once.", duplicate));
                continue;
            }

            if (ReadValue(ref reader, json, property!, patch) is { } problem)
            {
                (problems ??= []).Add(problem);
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw new JsonException("unexpected token", null, 0, 0);
        }

        // Anything after the object is a syntax error, as JsonDocument.Parse finds.
        reader.Read();
        return problems;
    }

    private static Property? Find(ref Utf8JsonReader reader)
    {
        foreach (var property in Properties)
        {
            if (reader.ValueTextEquals(property.Utf8))
            {
                return property;
            }
        }

        return null;
    }

    private static GraphErrorDetail? ReadValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, Property property, SummaryPatch patch)
    {
        var start = (int)reader.TokenStartIndex;
        var token = reader.TokenType;
        if (token == JsonTokenType.Null)
        {
            if (property.Kind == Kind.NullableString)
            {
                Set(patch, property.Flag, null);
                return null;
            }

            return new(InvalidType, $"Property '{property.Name}' cannot be null.", property.Name);
        }

        switch (property.Kind)
        {
            case Kind.Int32 when token == JsonTokenType.Number && reader.TryGetInt32(out var number):
                SetInt(patch, property.Flag, number);
                return null;
            case Kind.Boolean when token is JsonTokenType.True or JsonTokenType.False:
                patch.SecurityDefaultsEnabled = token == JsonTokenType.True;
                patch.Sent |= property.Flag;
                return null;
            case Kind.String or Kind.NullableString when token == JsonTokenType.String:
                if (TextOf(ref reader) is { } text)
                {
                    Set(patch, property.Flag, text);
                    return null;
                }

                return Unreadable(property, json, start, reader);
            case Kind.DateTimeOffset when token == JsonTokenType.String:
                var time = TextOf(ref reader);
                if (time is null)
                {
                    return Unreadable(property, json, start, reader);
                }

                if (HasExplicitOffset(time) && DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
                {
                    patch.LastRefreshedDateTime = parsed.UtcDateTime;
                    patch.Sent |= property.Flag;
                    return null;
                }

                break;
        }

        reader.Skip();
        return new(InvalidType, $"Property '{property.Name}' must be {Expected(property.Kind)}; got {Raw(json, start, reader)}.", property.Name);
    }

    private static GraphErrorDetail Unreadable(Property property, ReadOnlySpan<byte> json, int start, Utf8JsonReader reader) =>
        new(InvalidType,
            $"Property '{property.Name}' must be {Expected(property.Kind)} without control characters or unpaired surrogates; got {Raw(json, start, reader)}.",
            property.Name);

    private static void Set(SummaryPatch patch, Sent flag, string? text)
    {
        switch (flag)
        {
            case Sent.Id: patch.Id = text; break;
            case Sent.TenantId: patch.TenantId = text; break;
            case Sent.TenantDisplayName: patch.TenantDisplayName = text; break;
            case Sent.TenantLicenseType: patch.TenantLicenseType = text; break;
            case Sent.MfaConditionalAccessPolicyState: patch.MfaConditionalAccessPolicyState = text; break;
        }

        patch.Sent |= flag;
    }

    private static void SetInt(SummaryPatch patch, Sent flag, int value)
    {
        switch (flag)
        {
            case Sent.MfaAndSsprCapableUserCount: patch.MfaAndSsprCapableUserCount = value; break;
            case Sent.SsprEnabledUserCount: patch.SsprEnabledUserCount = value; break;
            case Sent.MfaRegisteredUserCount: patch.MfaRegisteredUserCount = value; break;
            case Sent.SsprRegisteredUserCount: patch.SsprRegisteredUserCount = value; break;
            case Sent.MfaExcludedUserCount: patch.MfaExcludedUserCount = value; break;
            case Sent.TotalUserCount: patch.TotalUserCount = value; break;
        }

        patch.Sent |= flag;
    }

    /// <summary>The string, or null for text no store keeps faithfully (C0/C1 controls, lone surrogates).</summary>
    private static string? TextOf(ref Utf8JsonReader reader)
    {
        string text;
        try
        {
            text = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return null;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c))
            {
                return null;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return null;
            }
        }

        return text;
    }

    private static bool HasExplicitOffset(string text) =>
        text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');

    private static string Expected(Kind kind) => kind switch
    {
        Kind.Int32 => "an Int32 (a JSON integer, -2147483648 to 2147483647)",
        Kind.Boolean => "a Boolean (true or false, not a string)",
        Kind.DateTimeOffset => "a DateTimeOffset (ISO 8601 with 'Z' or an offset, e.g. \"2026-11-24T07:00:00Z\")",
        _ => "a String",
    };

    /// <summary>The value's JSON text as sent (after <see cref="Utf8JsonReader.Skip"/> the reader stands on its last token).</summary>
    private static string Raw(ReadOnlySpan<byte> json, int start, Utf8JsonReader reader) =>
        Echo(Encoding.UTF8.GetString(json[start..(int)reader.BytesConsumed]));

    /// <summary>A value as it may be quoted back: at most 64 characters, never half a surrogate pair.</summary>
    public static string Echo(string value)
    {
        const int max = 64;
        if (value.Length <= max)
        {
            return value;
        }

        var cut = char.IsHighSurrogate(value[max - 1]) ? max - 1 : max;
        return string.Concat(value.AsSpan(0, cut), "…");
    }

    /// <summary>A new summary from a POST body: a server id and time where none were sent, then the rules.</summary>
    public static void ApplyCreate(SummaryPatch patch, DateTime utcNow, out Summary summary, out List<GraphErrorDetail>? violations)
    {
        summary = new Summary();
        patch.ApplyTo(summary);
        violations = null;
        if (!patch.Has(Sent.Id))
        {
            summary.Id = Guid.NewGuid().ToString("D");
        }
        else if (!IdPattern().IsMatch(summary.Id))
        {
            (violations ??= []).Add(new(InvalidValue,
                $"Property 'id' must be 1 to 64 characters of A-Z, a-z, 0-9, '-', '_' or '.'; got \"{Echo(summary.Id)}\".", "id"));
        }

        if (!patch.Has(Sent.TenantId))
        {
            (violations ??= []).Add(new(Required, "Property 'tenantId' is required.", "tenantId"));
        }

        if (!patch.Has(Sent.TenantDisplayName))
        {
            (violations ??= []).Add(new(Required, "Property 'tenantDisplayName' is required.", "tenantDisplayName"));
        }

        if (!patch.Has(Sent.LastRefreshedDateTime))
        {
            summary.LastRefreshedDateTime = utcNow;
        }

        var rules = Validate(summary);
        if (rules is not null)
        {
            if (violations is null)
            {
                violations = rules;
            }
            else
            {
                var judged = violations.Select(v => v.Target).ToHashSet(StringComparer.Ordinal);
                violations.AddRange(rules.Where(v => !judged.Contains(v.Target)));
            }
        }
    }

    /// <summary>A PATCH on the stored row: id and tenantId may be repeated, never changed; the rules judge the merge.</summary>
    public static List<GraphErrorDetail>? ApplyUpdate(Summary stored, SummaryPatch patch, DateTime utcNow)
    {
        List<GraphErrorDetail>? violations = null;
        if (patch.Has(Sent.Id) && !string.Equals(patch.Id, stored.Id, StringComparison.Ordinal))
        {
            (violations ??= []).Add(new(Immutable, $"Property 'id' cannot be changed; this summary's id is '{stored.Id}'.", "id"));
        }

        if (patch.Has(Sent.TenantId) && NormalizeGuid(patch.TenantId) != stored.TenantId)
        {
            (violations ??= []).Add(new(Immutable, $"Property 'tenantId' cannot be changed; this summary's tenantId is '{stored.TenantId}'.", "tenantId"));
        }

        var (keptId, keptTenantId) = (stored.Id, stored.TenantId);
        patch.ApplyTo(stored);
        (stored.Id, stored.TenantId) = (keptId, keptTenantId);
        if (!patch.Has(Sent.LastRefreshedDateTime))
        {
            stored.LastRefreshedDateTime = utcNow;
        }

        if (Validate(stored) is { } rules)
        {
            (violations ??= []).AddRange(rules);
        }

        return violations;
    }

    /// <summary>The rules every stored summary obeys; normalises tenantId (lowercase GUID) and the time (UTC, whole microseconds).</summary>
    private static List<GraphErrorDetail>? Validate(Summary summary)
    {
        List<GraphErrorDetail>? violations = null;
        if (NormalizeGuid(summary.TenantId) is { } tenantId)
        {
            summary.TenantId = tenantId;
        }
        else
        {
            (violations ??= []).Add(new(InvalidValue,
                $"Property 'tenantId' must be a GUID (the managed tenant's Entra tenant id); got \"{Echo(summary.TenantId)}\".", "tenantId"));
        }

        if (string.IsNullOrWhiteSpace(summary.TenantDisplayName) || summary.TenantDisplayName.Length > MaxDisplayNameLength)
        {
            (violations ??= []).Add(new(InvalidValue,
                $"Property 'tenantDisplayName' must be 1 to {MaxDisplayNameLength} characters and not blank.", "tenantDisplayName"));
        }

        if (summary.TenantLicenseType?.Length > MaxShortTextLength)
        {
            (violations ??= []).Add(new(InvalidValue,
                $"Property 'tenantLicenseType' must be at most {MaxShortTextLength} characters.", "tenantLicenseType"));
        }

        if (summary.MfaConditionalAccessPolicyState?.Length > MaxShortTextLength)
        {
            (violations ??= []).Add(new(InvalidValue,
                $"Property 'mfaConditionalAccessPolicyState' must be at most {MaxShortTextLength} characters.", "mfaConditionalAccessPolicyState"));
        }

        if (summary.TotalUserCount < 0)
        {
            (violations ??= []).Add(new(InvalidValue, $"Property 'totalUserCount' must be 0 or more; got {summary.TotalUserCount}.", "totalUserCount"));
        }

        foreach (var (name, value) in Counts)
        {
            var count = value(summary);
            if (count < 0)
            {
                (violations ??= []).Add(new(InvalidValue, $"Property '{name}' must be 0 or more; got {count}.", name));
            }
            else if (count > summary.TotalUserCount)
            {
                (violations ??= []).Add(new(InvalidValue,
                    $"Property '{name}' ({count}) cannot exceed 'totalUserCount' ({summary.TotalUserCount}).", name));
            }
        }

        var utc = summary.LastRefreshedDateTime.Kind switch
        {
            DateTimeKind.Local => summary.LastRefreshedDateTime.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(summary.LastRefreshedDateTime, DateTimeKind.Utc),
            _ => summary.LastRefreshedDateTime,
        };
        summary.LastRefreshedDateTime = utc.AddTicks(-(utc.Ticks % TimeSpan.TicksPerMicrosecond));
        return violations;
    }

    private static string? NormalizeGuid(string? value) => Guid.TryParse(value, out var guid) ? guid.ToString("D") : null;

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
