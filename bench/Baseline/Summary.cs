using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CredentialSummaries.Bench.Baseline;

/// <summary>One row of <c>"CredentialUserRegistrationsSummaries"</c> (the owner column aside: every query names it).</summary>
internal sealed class Summary
{
    public string Id { get; set; } = string.Empty;

    public string TenantId { get; set; } = string.Empty;

    public string TenantDisplayName { get; set; } = string.Empty;

    public string? TenantLicenseType { get; set; }

    public int MfaAndSsprCapableUserCount { get; set; }

    public int SsprEnabledUserCount { get; set; }

    public int MfaRegisteredUserCount { get; set; }

    public int SsprRegisteredUserCount { get; set; }

    public int MfaExcludedUserCount { get; set; }

    public int TotalUserCount { get; set; }

    public bool SecurityDefaultsEnabled { get; set; }

    public string? MfaConditionalAccessPolicyState { get; set; }

    /// <summary>UTC, whole microseconds (what the service stores on both providers).</summary>
    public DateTime LastRefreshedDateTime { get; set; }

    public string ConcurrencyStamp { get; set; } = string.Empty;

    /// <summary>The owner's change version of the row's last write (never in the JSON, as in the service's EDM).</summary>
    public long ChangeVersion { get; set; }

    /// <summary>As the service makes them: a GUID without dashes, new on every write.</summary>
    public static string NewConcurrencyStamp() => Guid.NewGuid().ToString("N");

    /// <summary>The service's ETag form (EntityTags.Format).</summary>
    public static string ETagOf(string stamp) => $"W/\"{stamp}\"";
}

/// <summary>
/// Writes summaries as the service's OData serializer does: <c>@odata.type</c> and <c>@odata.etag</c> on every entity,
/// the EDM's property order, nulls written, <c>lastRefreshedDateTime</c> as an ISO 8601 UTC time with at most 7 fraction
/// digits and no trailing zeros.
/// </summary>
internal static class SummaryJson
{
    public const string TypeName = "#microsoft.graph.managedTenants.credentialUserRegistrationsSummary";
    public const string EntitySet = "credentialUserRegistrationsSummaries";
    public const string Container = "tenantRelationships/managedTenants";

    /// <summary>The content type the service answers entities and collections with.</summary>
    public const string ODataContentType = "application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8";

    /// <summary>Top-level answers: the service writes JSON with relaxed escaping (its ODataUtf8JsonWriter and GraphError).</summary>
    public static readonly JsonWriterOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>Inside a JSON batch the service re-writes each body with System.Text.Json's default escaping.</summary>
    public static readonly JsonWriterOptions Strict = new() { SkipValidation = true };

    private static readonly JsonEncodedText Context = JsonEncodedText.Encode("@odata.context");
    private static readonly JsonEncodedText Count = JsonEncodedText.Encode("@odata.count");
    private static readonly JsonEncodedText NextLink = JsonEncodedText.Encode("@odata.nextLink");
    private static readonly JsonEncodedText Value = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("@odata.type");
    private static readonly JsonEncodedText TypeValue = JsonEncodedText.Encode(TypeName);
    private static readonly JsonEncodedText ETag = JsonEncodedText.Encode("@odata.etag");
    private static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText TenantId = JsonEncodedText.Encode("tenantId");
    private static readonly JsonEncodedText TenantDisplayName = JsonEncodedText.Encode("tenantDisplayName");
    private static readonly JsonEncodedText TenantLicenseType = JsonEncodedText.Encode("tenantLicenseType");
    private static readonly JsonEncodedText MfaAndSsprCapableUserCount = JsonEncodedText.Encode("mfaAndSsprCapableUserCount");
    private static readonly JsonEncodedText SsprEnabledUserCount = JsonEncodedText.Encode("ssprEnabledUserCount");
    private static readonly JsonEncodedText MfaRegisteredUserCount = JsonEncodedText.Encode("mfaRegisteredUserCount");
    private static readonly JsonEncodedText SsprRegisteredUserCount = JsonEncodedText.Encode("ssprRegisteredUserCount");
    private static readonly JsonEncodedText MfaExcludedUserCount = JsonEncodedText.Encode("mfaExcludedUserCount");
    private static readonly JsonEncodedText TotalUserCount = JsonEncodedText.Encode("totalUserCount");
    private static readonly JsonEncodedText SecurityDefaultsEnabled = JsonEncodedText.Encode("securityDefaultsEnabled");
    private static readonly JsonEncodedText MfaConditionalAccessPolicyState = JsonEncodedText.Encode("mfaConditionalAccessPolicyState");
    private static readonly JsonEncodedText LastRefreshedDateTime = JsonEncodedText.Encode("lastRefreshedDateTime");

    /// <summary>The service root's metadata URL: <c>{base}/{root}/tenantRelationships/managedTenants/$metadata</c>.</summary>
    public static string EntityContext(string serviceRoot) => serviceRoot + "/$metadata#" + EntitySet + "/$entity";

    public static string CollectionContext(string serviceRoot) => serviceRoot + "/$metadata#" + EntitySet;

    /// <summary>The entity's link in Graph's key-as-segment form (Location, OData-EntityId).</summary>
    public static string EntityLink(string serviceRoot, string id) => serviceRoot + "/" + EntitySet + "/" + Uri.EscapeDataString(id);

    public static void WriteEntity(Utf8JsonWriter writer, Summary summary, string context)
    {
        writer.WriteStartObject();
        writer.WriteString(Context, context);
        WriteProperties(writer, summary);
        writer.WriteEndObject();
    }

    public static void WritePage(Utf8JsonWriter writer, IReadOnlyList<Summary> rows, string context, long? count, string? nextLink)
    {
        writer.WriteStartObject();
        writer.WriteString(Context, context);
        if (count is { } total)
        {
            writer.WriteNumber(Count, total);
        }

        writer.WriteStartArray(Value);
        for (var i = 0; i < rows.Count; i++)
        {
            writer.WriteStartObject();
            WriteProperties(writer, rows[i]);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (nextLink is not null)
        {
            writer.WriteString(NextLink, nextLink);
        }

        writer.WriteEndObject();
    }

    private static void WriteProperties(Utf8JsonWriter writer, Summary s)
    {
        writer.WriteString(Type, TypeValue);
        WriteETag(writer, s.ConcurrencyStamp);
        writer.WriteString(Id, s.Id);
        writer.WriteString(TenantId, s.TenantId);
        writer.WriteString(TenantDisplayName, s.TenantDisplayName);
        WriteNullable(writer, TenantLicenseType, s.TenantLicenseType);
        writer.WriteNumber(MfaAndSsprCapableUserCount, s.MfaAndSsprCapableUserCount);
        writer.WriteNumber(SsprEnabledUserCount, s.SsprEnabledUserCount);
        writer.WriteNumber(MfaRegisteredUserCount, s.MfaRegisteredUserCount);
        writer.WriteNumber(SsprRegisteredUserCount, s.SsprRegisteredUserCount);
        writer.WriteNumber(MfaExcludedUserCount, s.MfaExcludedUserCount);
        writer.WriteNumber(TotalUserCount, s.TotalUserCount);
        writer.WriteBoolean(SecurityDefaultsEnabled, s.SecurityDefaultsEnabled);
        WriteNullable(writer, MfaConditionalAccessPolicyState, s.MfaConditionalAccessPolicyState);
        Span<char> time = stackalloc char[40];
        writer.WriteString(LastRefreshedDateTime, FormatTime(s.LastRefreshedDateTime, time));
    }

    private static void WriteETag(Utf8JsonWriter writer, string stamp)
    {
        // W/"<stamp>" without a string per row.
        Span<char> tag = stackalloc char[stamp.Length + 4];
        "W/\"".CopyTo(tag);
        stamp.CopyTo(tag[3..]);
        tag[^1] = '"';
        writer.WriteString(ETag, tag);
    }

    private static void WriteNullable(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>Edm.DateTimeOffset in UTC as ODataLib writes it: <c>2026-11-24T07:00:00Z</c>, <c>…:00.0001Z</c>.</summary>
    public static ReadOnlySpan<char> FormatTime(DateTime utc, Span<char> buffer) =>
        utc.TryFormat(buffer, out var written, "yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFF'Z'", CultureInfo.InvariantCulture)
            ? buffer[..written]
            : utc.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
