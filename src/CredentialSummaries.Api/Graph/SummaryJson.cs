using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using CredentialSummaries.Api.Edm;
using CredentialSummaries.Api.Model;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OData.Extensions;
using Microsoft.Net.Http.Headers;

namespace CredentialSummaries.Api.Graph;

/// <summary>
/// The OData JSON of one summary written directly, for the one shape almost every request asks for: the whole entity,
/// minimal metadata, OData 4.0, UTF-8. It writes exactly the bytes the OData serializer writes for such a request
/// (<c>@odata.context</c>, <c>@odata.type</c>, <c>@odata.etag</c>, the EDM's property order, nulls written, ODataLib's
/// date format and its relaxed escaping) without building ODataLib's resource, property and writer objects per
/// request. <c>Graph/SummaryJsonParityTests</c> compares the two byte for byte; anything else a request asks for
/// (<c>$select</c>, <c>$format</c>, a parameterised or other <c>Accept</c>, an <c>Accept-Charset</c>, OData version
/// headers, preferences) goes to the OData serializer, as before.
/// </summary>
public static class SummaryJson
{
    /// <summary>What the OData formatter answers such a request with.</summary>
    public const string ContentType = "application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8";

    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private static readonly JsonEncodedText Context = JsonEncodedText.Encode("@odata.context");
    private static readonly JsonEncodedText Count = JsonEncodedText.Encode("@odata.count");
    private static readonly JsonEncodedText Value = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("@odata.type");
    private static readonly JsonEncodedText TypeValue = JsonEncodedText.Encode("#" + GraphEdmModel.SummaryFullTypeName);
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
    private static readonly JsonEncodedText NextLink = JsonEncodedText.Encode("@odata.nextLink");
    private static readonly JsonEncodedText DeltaLink = JsonEncodedText.Encode("@odata.deltaLink");
    private static readonly JsonEncodedText Removed = JsonEncodedText.Encode("@removed");
    private static readonly JsonEncodedText Reason = JsonEncodedText.Encode("reason");

    /// <summary>
    /// Whether the request asks for nothing but the default answer: no query string, an <c>Accept</c> that is absent
    /// or only <c>application/json</c>, <c>application/*</c> or <c>*/*</c> without parameters, and no
    /// <c>Accept-Charset</c>, <c>OData-Version</c>, <c>OData-MaxVersion</c> or <c>Prefer</c> (other than
    /// <c>return=…</c>).
    /// </summary>
    public static bool CanWrite(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return !request.QueryString.HasValue && AsksForTheDefaultAnswer(request, allowPageSize: false);
    }

    /// <summary>
    /// Whether a page of the collection can be written directly: the query options only choose rows (<c>$filter</c>,
    /// <c>$search</c>, <c>$orderby</c>, <c>$top</c>, <c>$skip</c>, <c>$skiptoken</c>, <c>$count</c>, each with its
    /// <c>$</c>), none shapes them, and the rest of the request is as <see cref="CanWrite"/> asks
    /// (<c>Prefer: odata.maxpagesize</c> allowed).
    /// </summary>
    public static bool CanWritePage(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var key in request.Query.Keys)
        {
            if (key is not ("$filter" or "$search" or "$orderby" or "$top" or "$skip" or "$skiptoken" or "$count"))
            {
                return false;
            }
        }

        return AsksForTheDefaultAnswer(request, allowPageSize: true);
    }

    private static bool AsksForTheDefaultAnswer(HttpRequest request, bool allowPageSize)
    {
        var headers = request.Headers;
        if (headers.ContainsKey(HeaderNames.AcceptCharset)
            || headers.ContainsKey("OData-Version")
            || headers.ContainsKey("OData-MaxVersion"))
        {
            return false;
        }

        foreach (var prefer in headers[Preferences.PreferHeader])
        {
            foreach (var part in (prefer ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (part is not (Preferences.ReturnMinimal or Preferences.ReturnRepresentation)
                    && !(allowPageSize && (part.StartsWith("odata.maxpagesize=", StringComparison.Ordinal) || part.StartsWith("maxpagesize=", StringComparison.Ordinal))))
                {
                    return false;
                }
            }
        }

        foreach (var accept in headers.Accept)
        {
            foreach (var range in (accept ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (range is not ("application/json" or "application/*" or "*/*"))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Writes <paramref name="summary"/> as the response body, with the OData formatter's content type and version.</summary>
    public static async Task WriteEntityAsync(HttpContext context, CredentialUserRegistrationsSummary summary)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(summary);
        var request = context.Request;
        using var buffer = new PooledBufferWriter(1024);
        await using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            writer.WriteString(Context, request.CreateODataLink() + "/$metadata#" + GraphEdmModel.EntitySetName + "/$entity");
            WriteProperties(writer, summary);
            writer.WriteEndObject();
        }

        await SendAsync(context, buffer);
    }

    /// <summary>
    /// Writes the last page of the collection as the response body: <c>@odata.context</c>, <c>@odata.count</c> when
    /// <c>$count=true</c> counted it, and <c>value</c>. (A page with a next link is written by OData's serializer,
    /// which makes its keyset <c>$skiptoken</c> from the last row.)
    /// </summary>
    public static async Task WritePageAsync(HttpContext context, IEnumerable<CredentialUserRegistrationsSummary> rows, long? count)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(rows);
        using var buffer = new PooledBufferWriter(64 * 1024);
        await using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            writer.WriteString(Context, context.Request.CreateODataLink() + "/$metadata#" + GraphEdmModel.EntitySetName);
            if (count is { } total)
            {
                writer.WriteNumber(Count, total);
            }

            writer.WriteStartArray(Value);
            foreach (var row in rows)
            {
                writer.WriteStartObject();
                WriteProperties(writer, row);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await SendAsync(context, buffer);
    }

    /// <summary>The body with the OData formatter's content type and version, and its length (it is whole before it is sent).</summary>
    private static async Task SendAsync(HttpContext context, PooledBufferWriter body)
    {
        var response = context.Response;
        response.ContentType = ContentType;
        response.Headers["OData-Version"] = "4.0";
        response.ContentLength = body.WrittenCount;
        await response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted);
    }

    private static void WriteProperties(Utf8JsonWriter writer, CredentialUserRegistrationsSummary s, IReadOnlySet<string>? select = null)
    {
        writer.WriteString(Type, TypeValue);
        writer.WriteString(ETag, EntityTags.Format(s.ConcurrencyStamp));
        // The key is always written, selected or not, as OData does.
        writer.WriteString(Id, s.Id);
        if (Selected(select, "tenantId"))
        {
            writer.WriteString(TenantId, s.TenantId);
        }

        if (Selected(select, "tenantDisplayName"))
        {
            writer.WriteString(TenantDisplayName, s.TenantDisplayName);
        }

        if (Selected(select, "tenantLicenseType"))
        {
            WriteNullable(writer, TenantLicenseType, s.TenantLicenseType);
        }

        WriteCount(writer, select, "mfaAndSsprCapableUserCount", MfaAndSsprCapableUserCount, s.MfaAndSsprCapableUserCount);
        WriteCount(writer, select, "ssprEnabledUserCount", SsprEnabledUserCount, s.SsprEnabledUserCount);
        WriteCount(writer, select, "mfaRegisteredUserCount", MfaRegisteredUserCount, s.MfaRegisteredUserCount);
        WriteCount(writer, select, "ssprRegisteredUserCount", SsprRegisteredUserCount, s.SsprRegisteredUserCount);
        WriteCount(writer, select, "mfaExcludedUserCount", MfaExcludedUserCount, s.MfaExcludedUserCount);
        WriteCount(writer, select, "totalUserCount", TotalUserCount, s.TotalUserCount);
        if (Selected(select, "securityDefaultsEnabled"))
        {
            writer.WriteBoolean(SecurityDefaultsEnabled, s.SecurityDefaultsEnabled);
        }

        if (Selected(select, "mfaConditionalAccessPolicyState"))
        {
            WriteNullable(writer, MfaConditionalAccessPolicyState, s.MfaConditionalAccessPolicyState);
        }

        if (!Selected(select, "lastRefreshedDateTime"))
        {
            return;
        }

        // Edm.DateTimeOffset in UTC as ODataLib writes it: no trailing zeros in the fraction, none at all for whole seconds.
        Span<char> time = stackalloc char[40];
        writer.WriteString(LastRefreshedDateTime,
            s.LastRefreshedDateTime.TryFormat(time, out var written, "yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFF'Z'", CultureInfo.InvariantCulture)
                ? time[..written]
                : s.LastRefreshedDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
    }

    private static bool Selected(IReadOnlySet<string>? select, string property) => select is null || select.Contains(property);

    private static void WriteCount(Utf8JsonWriter writer, IReadOnlySet<string>? select, string property, JsonEncodedText name, int value)
    {
        if (Selected(select, property))
        {
            writer.WriteNumber(name, value);
        }
    }

    /// <summary>
    /// Writes a page of a delta round (<c>…/delta()</c>): <c>@odata.context</c>, <c>value</c> with each summary in the
    /// list's shape (only the selected properties and the id, when the page has a selection), or an <c>@removed</c>
    /// entry, and either <c>@odata.nextLink</c> or <c>@odata.deltaLink</c>.
    /// </summary>
    public static async Task WriteDeltaPageAsync(HttpContext context, DeltaPage page)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(page);
        using var buffer = new PooledBufferWriter(64 * 1024);
        await using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            writer.WriteString(Context, page.ContextUrl);
            writer.WriteStartArray(Value);
            foreach (var entry in page.Entries)
            {
                writer.WriteStartObject();
                if (entry.RemovedReason is null)
                {
                    WriteProperties(writer, entry.Row!, page.Select);
                }
                else
                {
                    // A row that left the filtered view keeps its type; a deleted one is its id alone, as Graph writes it.
                    if (entry.RemovedReason != DeltaEntry.Deleted)
                    {
                        writer.WriteString(Type, TypeValue);
                    }

                    writer.WriteString(Id, entry.Id);
                    writer.WriteStartObject(Removed);
                    writer.WriteString(Reason, entry.RemovedReason);
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (page.NextLink is not null)
            {
                writer.WriteString(NextLink, page.NextLink);
            }

            if (page.DeltaLink is not null)
            {
                writer.WriteString(DeltaLink, page.DeltaLink);
            }

            writer.WriteEndObject();
        }

        await SendAsync(context, buffer);
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
}

/// <summary>A 200 with one summary written by <see cref="SummaryJson"/>; not an ObjectResult, so <c>[EnableQuery]</c> leaves it alone.</summary>
public sealed class SummaryJsonResult(CredentialUserRegistrationsSummary summary) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.HttpContext.Response.StatusCode = StatusCodes.Status200OK;
        return SummaryJson.WriteEntityAsync(context.HttpContext, summary);
    }
}

/// <summary>A 200 with a last page of summaries (no next link) written by <see cref="SummaryJson"/>, with the count OData worked out.</summary>
public sealed class SummaryPageResult(IEnumerable<CredentialUserRegistrationsSummary> rows) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var feature = context.HttpContext.Request.ODataFeature();
        context.HttpContext.Response.StatusCode = StatusCodes.Status200OK;
        return SummaryJson.WritePageAsync(context.HttpContext, rows, feature.TotalCount);
    }
}

/// <summary>One entry of a delta page: a summary as it is now, or the id of one that was deleted or left the filtered view.</summary>
public sealed record DeltaEntry(string Id, CredentialUserRegistrationsSummary? Row, string? RemovedReason)
{
    public const string Deleted = "deleted";
    public const string Changed = "changed";

    public static DeltaEntry Current(CredentialUserRegistrationsSummary row) => new(row.Id, row, null);

    public static DeltaEntry Removal(string id, string reason) => new(id, null, reason);
}

/// <summary>A page of a delta round as <see cref="SummaryJson.WriteDeltaPageAsync"/> writes it; one of the two links is set.</summary>
public sealed record DeltaPage(string ContextUrl, IReadOnlyList<DeltaEntry> Entries, IReadOnlySet<string>? Select, string? NextLink, string? DeltaLink);

/// <summary>A 200 with a delta page written by <see cref="SummaryJson"/>.</summary>
public sealed class DeltaPageResult(DeltaPage page) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.HttpContext.Response.StatusCode = StatusCodes.Status200OK;
        return SummaryJson.WriteDeltaPageAsync(context.HttpContext, page);
    }
}
