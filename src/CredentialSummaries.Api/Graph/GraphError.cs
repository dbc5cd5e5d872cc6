using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace CredentialSummaries.Api.Graph;

/// <summary>
/// An error in Microsoft Graph's wire shape:
/// <c>{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}</c>.
/// Every layer (filters, status-code pages, authorization, the exception handler) answers through this type,
/// so the shape, the content type and the request ids are the same whatever failed.
/// </summary>
public sealed record GraphError(int StatusCode, string Code, string Message)
{
    /// <summary>Graph's <c>error.details</c>: one entry per problem when a request has several (a body's properties).</summary>
    public IReadOnlyList<GraphErrorDetail> Details { get; init; } = [];

    public static GraphError BadRequest(string message) => new(StatusCodes.Status400BadRequest, "BadRequest", message);

    public static GraphError NotFound(string message) => new(StatusCodes.Status404NotFound, "ResourceNotFound", message);

    public static GraphError Conflict(string message) => new(StatusCodes.Status409Conflict, "Conflict", message);

    public static GraphError UnsupportedMediaType(string message) =>
        new(StatusCodes.Status415UnsupportedMediaType, "UnsupportedMediaType", message);

    /// <summary>A 415 that says what the body must be and what the request's Content-Type was.</summary>
    public static GraphError UnsupportedMediaType(string subject, string expected, string? contentType) =>
        UnsupportedMediaType($"{subject} must be {expected}; the Content-Type was {(string.IsNullOrEmpty(contentType) ? "none" : $"'{contentType}'")}.");

    public static GraphError Unauthorized(string message) =>
        new(StatusCodes.Status401Unauthorized, "InvalidAuthenticationToken", message);

    public static GraphError Forbidden(string message) =>
        new(StatusCodes.Status403Forbidden, "Authorization_RequestDenied", message);

    /// <summary>The error for a status that arrived without a body of its own (routing, Kestrel, the framework).</summary>
    public static GraphError ForStatus(int statusCode, HttpRequest request) => statusCode switch
    {
        StatusCodes.Status400BadRequest => BadRequest("The request is malformed or incorrect."),
        StatusCodes.Status401Unauthorized => Unauthorized("Access token is empty."),
        StatusCodes.Status403Forbidden => Forbidden("Insufficient privileges to complete the operation."),
        StatusCodes.Status404NotFound => NotFound($"Resource not found for the segment '{LastSegment(request)}'."),
        StatusCodes.Status405MethodNotAllowed => new(statusCode, "MethodNotAllowed",
            $"The HTTP method '{request.Method}' is not allowed on '{request.Path}'."),
        StatusCodes.Status406NotAcceptable => new(statusCode, "NotAcceptable",
            "The service can only answer with 'application/json'; the Accept header allows no such format."),
        StatusCodes.Status409Conflict => Conflict("The request conflicts with the current state of the resource."),
        StatusCodes.Status411LengthRequired => new(statusCode, "LengthRequired", "A Content-Length header is required."),
        StatusCodes.Status412PreconditionFailed => new(statusCode, "PreconditionFailed", "A precondition of the request failed."),
        StatusCodes.Status413PayloadTooLarge => new(statusCode, "RequestEntityTooLarge", "The request body is too large."),
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType("The request body must be 'application/json'."),
        StatusCodes.Status429TooManyRequests => new(statusCode, "TooManyRequests", "Too many requests; retry after the time in 'Retry-After'."),
        >= 500 => new(statusCode, "InternalServerError", "An internal server error occurred."),
        _ => new(statusCode, "BadRequest", "The request could not be processed."),
    };

    /// <summary>
    /// The injected clock's time, or the system's when that clock is the fault being reported: writing an error
    /// must not throw, or the exception handler gives up and the client gets no Graph error at all.
    /// </summary>
    private static DateTimeOffset ErrorDate(HttpContext context)
    {
        try
        {
            return context.RequestServices.GetService<TimeProvider>()?.GetUtcNow() ?? DateTimeOffset.UtcNow;
        }
#pragma warning disable CA1031 // Any failure of the clock falls back to the system clock.
        catch (Exception)
#pragma warning restore CA1031
        {
            return DateTimeOffset.UtcNow;
        }
    }

    /// <summary>
    /// Graph writes <c>innerError</c>; the OData JSON format (and ODataLib's reader) knows only <c>innererror</c>.
    /// A client that declares itself an OData client with <c>OData-MaxVersion</c> or <c>OData-Version</c> gets the
    /// OData name; everyone else (Graph SDKs, scripts) gets Graph's.
    /// </summary>
    private static string InnerErrorName(HttpRequest request) =>
        request.Headers.ContainsKey("OData-MaxVersion") || request.Headers.ContainsKey("OData-Version") ? "innererror" : "innerError";

    private static string LastSegment(HttpRequest request)
    {
        var path = request.Path.Value ?? string.Empty;
        var trimmed = path.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return slash < 0 ? trimmed : trimmed[(slash + 1)..];
    }

    // Relaxed escaping keeps quotes and apostrophes readable; the body is application/json, never HTML.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task WriteAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCode;
        response.ContentType = "application/json";
        if (StatusCode == StatusCodes.Status401Unauthorized && !response.Headers.ContainsKey("WWW-Authenticate"))
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }

        var ids = GraphRequestIds.Of(context);
        var now = ErrorDate(context);

        await using var writer = new Utf8JsonWriter(response.Body, WriterOptions);
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("code", Code);
        writer.WriteString("message", Message);
        if (Details.Count > 0)
        {
            writer.WriteStartArray("details");
            foreach (var detail in Details)
            {
                writer.WriteStartObject();
                writer.WriteString("code", detail.Code);
                writer.WriteString("message", detail.Message);
                if (detail.Target is not null)
                {
                    writer.WriteString("target", detail.Target);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteStartObject(InnerErrorName(context.Request));
        // Graph writes the date in UTC without fraction or offset.
        writer.WriteString("date", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        writer.WriteString("request-id", ids.RequestId);
        writer.WriteString("client-request-id", ids.ClientRequestId);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}

/// <summary>One entry of Graph's <c>error.details</c>; <see cref="Target"/> names the property it concerns.</summary>
public sealed record GraphErrorDetail(string Code, string Message, string? Target);

/// <summary>Lets an MVC action or filter answer with a <see cref="GraphError"/>.</summary>
public sealed class GraphErrorResult(GraphError error) : IActionResult
{
    public GraphError Error { get; } = error;

    public Task ExecuteResultAsync(ActionContext context) => Error.WriteAsync(context.HttpContext);
}
