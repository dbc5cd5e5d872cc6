using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace CredentialSummaries.Bench.Baseline;

/// <summary>
/// Writes an <see cref="Outcome"/> as the service answers it: over HTTP (status, headers, a body buffered from a
/// pooled array and sent with its Content-Length), or as one entry of a JSON batch's <c>responses</c>.
/// </summary>
internal static class Answers
{
    public const string ODataVersion = "OData-Version";
    public const string PreferenceApplied = "Preference-Applied";
    public const string ODataEntityId = "OData-EntityId";
    public const string CountContentType = "text/plain; charset=utf-8";
    public const string ErrorContentType = "application/json";

    public static async Task WriteAsync(HttpContext context, Outcome outcome)
    {
        if (outcome.Kind == OutcomeKind.Error)
        {
            await WriteErrorAsync(context, outcome.Error!);
            return;
        }

        var response = context.Response;
        var headers = response.Headers;
        response.StatusCode = outcome.Status;
        if (outcome.ETag is not null)
        {
            headers.ETag = outcome.ETag;
        }

        if (outcome.Location is not null)
        {
            headers.Location = outcome.Location;
        }

        if (outcome.PreferenceApplied is not null)
        {
            headers[PreferenceApplied] = outcome.PreferenceApplied;
        }

        if (outcome.EntityId is not null)
        {
            headers[ODataEntityId] = outcome.EntityId;
        }

        if (outcome.Kind == OutcomeKind.Empty)
        {
            if (outcome.EntityId is not null)
            {
                headers[ODataVersion] = "4.0";
            }

            return;
        }

        headers[ODataVersion] = "4.0";
        using var buffer = new PooledBuffer();
        if (outcome.Kind == OutcomeKind.Count)
        {
            response.ContentType = CountContentType;
            WriteCount(buffer, outcome.Count);
        }
        else
        {
            response.ContentType = SummaryJson.ODataContentType;
            using var writer = new Utf8JsonWriter(buffer, SummaryJson.Relaxed);
            WriteJsonBody(writer, outcome);
        }

        await SendAsync(context, buffer);
    }

    public static async Task WriteErrorAsync(HttpContext context, GraphError error)
    {
        var response = context.Response;
        response.StatusCode = error.Status;
        response.ContentType = ErrorContentType;
        if (error.Status == StatusCodes.Status401Unauthorized && !response.Headers.ContainsKey(HeaderNames.WWWAuthenticate))
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }

        using var buffer = new PooledBuffer(1024);
        using (var writer = new Utf8JsonWriter(buffer, SummaryJson.Relaxed))
        {
            error.Write(writer, IdsOf(context), IsODataClient(context.Request.Headers));
        }

        await SendAsync(context, buffer);
    }

    /// <summary>One entry of a JSON batch's <c>responses</c>: headers as the service lists them, JSON bodies as JSON, others as base64.</summary>
    public static void WriteBatched(Utf8JsonWriter writer, string id, Outcome outcome, RequestIds ids, bool odataClient)
    {
        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteNumber("status", outcome.Status);
        writer.WriteStartObject("headers");
        if (outcome.Status == StatusCodes.Status401Unauthorized)
        {
            writer.WriteString("WWW-Authenticate", "Bearer");
        }

        WriteIfSet(writer, "ETag", outcome.ETag);
        WriteIfSet(writer, "Location", outcome.Location);
        WriteIfSet(writer, PreferenceApplied, outcome.PreferenceApplied);
        WriteIfSet(writer, ODataEntityId, outcome.EntityId);
        var contentType = outcome.Kind switch
        {
            OutcomeKind.Entity or OutcomeKind.Page => SummaryJson.ODataContentType,
            OutcomeKind.Count => CountContentType,
            OutcomeKind.Error => ErrorContentType,
            _ => null,
        };
        WriteIfSet(writer, "Content-Type", contentType);
        if (outcome.Kind is OutcomeKind.Entity or OutcomeKind.Page or OutcomeKind.Count || outcome.EntityId is not null)
        {
            writer.WriteString(ODataVersion, "4.0");
        }

        writer.WriteString(RequestIds.RequestIdHeader, ids.RequestId);
        writer.WriteString(RequestIds.ClientRequestIdHeader, ids.ClientRequestId);
        writer.WriteEndObject();
        switch (outcome.Kind)
        {
            case OutcomeKind.Entity or OutcomeKind.Page:
                writer.WritePropertyName("body");
                WriteJsonBody(writer, outcome);
                break;
            case OutcomeKind.Error:
                writer.WritePropertyName("body");
                outcome.Error!.Write(writer, ids, odataClient);
                break;
            case OutcomeKind.Count:
                Span<byte> digits = stackalloc byte[20];
                _ = outcome.Count.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
                writer.WriteBase64String("body", digits[..written]);
                break;
        }

        writer.WriteEndObject();
    }

    public static RequestIds IdsOf(HttpContext context) => context.Features.Get<RequestIds>() ?? RequestIds.Create(null);

    /// <summary>A client that names an OData version gets OData's <c>innererror</c> in errors, as from the service.</summary>
    public static bool IsODataClient(IHeaderDictionary headers) => headers.ContainsKey("OData-MaxVersion") || headers.ContainsKey(ODataVersion);

    private static void WriteJsonBody(Utf8JsonWriter writer, Outcome outcome)
    {
        if (outcome.Kind == OutcomeKind.Entity)
        {
            SummaryJson.WriteEntity(writer, outcome.Entity!, outcome.Context!);
        }
        else
        {
            SummaryJson.WritePage(writer, outcome.Rows!, outcome.Context!, outcome.TotalCount, outcome.NextLink);
        }
    }

    private static void WriteCount(PooledBuffer buffer, long count)
    {
        var span = buffer.GetSpan(20);
        _ = count.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        buffer.Advance(written);
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    public static Task SendAsync(HttpContext context, PooledBuffer buffer)
    {
        context.Response.ContentLength = buffer.WrittenCount;
        return context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).AsTask();
    }
}

/// <summary>An <see cref="IBufferWriter{T}"/> on arrays of the shared pool, returned when disposed.</summary>
internal sealed class PooledBuffer(int initialSize = 16 * 1024) : IBufferWriter<byte>, IDisposable
{
    private byte[] buffer = ArrayPool<byte>.Shared.Rent(initialSize);

    public int WrittenCount { get; private set; }

    public ReadOnlyMemory<byte> WrittenMemory => buffer.AsMemory(0, WrittenCount);

    public void Advance(int count) => WrittenCount += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return buffer.AsMemory(WrittenCount);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return buffer.AsSpan(WrittenCount);
    }

    private void Ensure(int sizeHint)
    {
        var needed = WrittenCount + Math.Max(sizeHint, 256);
        if (needed <= buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, buffer.Length * 2));
        buffer.AsSpan(0, WrittenCount).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = bigger;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = [];
    }
}
