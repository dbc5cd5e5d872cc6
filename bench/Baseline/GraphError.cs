using System.Globalization;
using System.Text.Json;

namespace CredentialSummaries.Bench.Baseline;

/// <summary>One entry of Graph's <c>error.details</c>.</summary>
internal sealed record GraphErrorDetail(string Code, string Message, string? Target);

/// <summary>
/// The service's error body, <c>{"error":{"code","message","details"?,"innerError":{"date","request-id","client-request-id"}}}</c>,
/// with its codes and messages for the cases the baseline shares with it.
/// </summary>
internal sealed record GraphError(int Status, string Code, string Message)
{
    public IReadOnlyList<GraphErrorDetail> Details { get; init; } = [];

    public static GraphError BadRequest(string message) => new(StatusCodes.Status400BadRequest, "BadRequest", message);

    public static GraphError NotFound(string message) => new(StatusCodes.Status404NotFound, "ResourceNotFound", message);

    public static GraphError Conflict(string message) => new(StatusCodes.Status409Conflict, "Conflict", message);

    public static GraphError Unauthorized(string message) => new(StatusCodes.Status401Unauthorized, "InvalidAuthenticationToken", message);

    public static GraphError Forbidden(string message) => new(StatusCodes.Status403Forbidden, "Authorization_RequestDenied", message);

    public static GraphError UnsupportedMediaType(string subject, string? contentType) => new(StatusCodes.Status415UnsupportedMediaType,
        "UnsupportedMediaType",
        $"{subject} must be 'application/json'; the Content-Type was {(string.IsNullOrEmpty(contentType) ? "none" : $"'{contentType}'")}.");

    public static GraphError SummaryNotFound(string id) => NotFound($"No credentialUserRegistrationsSummary with id '{id}' was found.");

    public static GraphError PreconditionFailed(string id) => new(StatusCodes.Status412PreconditionFailed, "PreconditionFailed",
        $"The credentialUserRegistrationsSummary '{id}' does not meet the request's 'If-Match' or 'If-None-Match' precondition; GET it for the current ETag.");

    public static GraphError ResourceNotFound(string path)
    {
        var trimmed = path.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return NotFound($"Resource not found for the segment '{(slash < 0 ? trimmed : trimmed[(slash + 1)..])}'.");
    }

    public static GraphError MethodNotAllowed(string method, string path) =>
        new(StatusCodes.Status405MethodNotAllowed, "MethodNotAllowed", $"The HTTP method '{method}' is not allowed on '{path}'.");

    public static GraphError TooLarge(long length, long max) => new(StatusCodes.Status413PayloadTooLarge, "RequestEntityTooLarge",
        $"The request body is {length} bytes; the limit is {max} bytes.");

    /// <summary>A 400 for a body's problems: each in <c>details</c>, the first also as the message.</summary>
    public static GraphError Invalid(IReadOnlyList<GraphErrorDetail> problems) =>
        BadRequest(problems.Count > 0 ? problems[0].Message : "The request body is invalid.") with { Details = problems };

    private static readonly JsonEncodedText ErrorName = JsonEncodedText.Encode("error");
    private static readonly JsonEncodedText CodeName = JsonEncodedText.Encode("code");
    private static readonly JsonEncodedText MessageName = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText DetailsName = JsonEncodedText.Encode("details");
    private static readonly JsonEncodedText TargetName = JsonEncodedText.Encode("target");
    private static readonly JsonEncodedText InnerErrorName = JsonEncodedText.Encode("innerError");
    private static readonly JsonEncodedText ODataInnerErrorName = JsonEncodedText.Encode("innererror");
    private static readonly JsonEncodedText DateName = JsonEncodedText.Encode("date");
    private static readonly JsonEncodedText RequestIdName = JsonEncodedText.Encode("request-id");
    private static readonly JsonEncodedText ClientRequestIdName = JsonEncodedText.Encode("client-request-id");

    /// <param name="writer">Where to write.</param>
    /// <param name="ids">The request's ids.</param>
    /// <param name="odataClient">Whether the request sent OData-MaxVersion or OData-Version (the service then writes <c>innererror</c>).</param>
    public void Write(Utf8JsonWriter writer, RequestIds ids, bool odataClient)
    {
        writer.WriteStartObject();
        writer.WriteStartObject(ErrorName);
        writer.WriteString(CodeName, Code);
        writer.WriteString(MessageName, Message);
        if (Details.Count > 0)
        {
            writer.WriteStartArray(DetailsName);
            foreach (var detail in Details)
            {
                writer.WriteStartObject();
                writer.WriteString(CodeName, detail.Code);
                writer.WriteString(MessageName, detail.Message);
                if (detail.Target is not null)
                {
                    writer.WriteString(TargetName, detail.Target);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteStartObject(odataClient ? ODataInnerErrorName : InnerErrorName);
        Span<char> date = stackalloc char[24];
        _ = DateTime.UtcNow.TryFormat(date, out var written, "yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture);
        writer.WriteString(DateName, date[..written]);
        writer.WriteString(RequestIdName, ids.RequestId);
        writer.WriteString(ClientRequestIdName, ids.ClientRequestId);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}

/// <summary>The ids Graph puts on every answer: a fresh <c>request-id</c> and the caller's <c>client-request-id</c> (or the same id).</summary>
internal sealed record RequestIds(string RequestId, string ClientRequestId)
{
    public const string RequestIdHeader = "request-id";
    public const string ClientRequestIdHeader = "client-request-id";

    public static RequestIds Create(string? clientRequestId)
    {
        var requestId = Guid.NewGuid().ToString();
        return new RequestIds(requestId, IsEchoable(clientRequestId) ? clientRequestId! : requestId);
    }

    // As the service: only short printable ASCII is echoed.
    private static bool IsEchoable(string? value)
    {
        if (value is not { Length: > 0 and <= 128 })
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is <= ' ' or >= '\u007f')
            {
                return false;
            }
        }

        return true;
    }
}
