using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace CredentialSummaries.Api.Graph;

/// <summary>Unhandled exceptions become Graph errors; nothing of the exception reaches the client.</summary>
public sealed partial class GraphExceptionHandler(ILogger<GraphExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        GraphError error;
        if (exception is BadHttpRequestException badRequest)
        {
            // Kestrel's own refusals: body too large (413), malformed request (400), and the like.
            error = GraphError.ForStatus(badRequest.StatusCode, httpContext.Request);
        }
        else
        {
            LogUnhandled(logger, exception, GraphRequestIds.Of(httpContext).RequestId);
            error = GraphError.ForStatus(StatusCodes.Status500InternalServerError, httpContext.Request);
        }

        await error.WriteAsync(httpContext);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for request {RequestId}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string requestId);
}

/// <summary>
/// Refuses a body larger than <see cref="GraphCompatibilityOptions.MaxRequestBodyBytes"/> with 413 before anything
/// reads it, and caps the server's own limit for bodies sent without a Content-Length.
/// </summary>
public sealed class RequestBodyLimitMiddleware(RequestDelegate next, Microsoft.Extensions.Options.IOptions<GraphCompatibilityOptions> options)
{
    private readonly long maxBytes = options.Value.MaxRequestBodyBytes;

    public Task InvokeAsync(HttpContext context) =>
        RequestBodyLimit.Refusal(context, maxBytes) is { } refusal ? refusal.WriteAsync(context) : next(context);
}

/// <summary>The body-size rule, for the middleware and for the batch endpoints that run before it.</summary>
public static class RequestBodyLimit
{
    /// <returns>The 413 for a declared length over <paramref name="maxBytes"/>; otherwise null, with the server's limit capped.</returns>
    public static GraphError? Refusal(HttpContext context, long maxBytes)
    {
        if (context.Request.ContentLength > maxBytes)
        {
            return new GraphError(StatusCodes.Status413PayloadTooLarge, "RequestEntityTooLarge",
                $"The request body is {context.Request.ContentLength} bytes; the limit is {maxBytes} bytes.");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = maxBytes;
        }

        return null;
    }
}

public sealed class GraphCompatibilityOptions
{
    public const string Section = "Api";

    /// <summary>The largest request body accepted, in bytes. One summary is well under 2 KiB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}
