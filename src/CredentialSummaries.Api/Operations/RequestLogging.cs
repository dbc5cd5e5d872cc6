using System.Diagnostics;
using CredentialSummaries.Api.Graph;
using CredentialSummaries.Api.Identity;

namespace CredentialSummaries.Api.Operations;

public static class RequestLogging
{
    /// <summary>The log category of the request log, stable whatever the middleware class is called.</summary>
    public const string Category = "CredentialSummaries.Requests";

    /// <summary>The request log's event id, stable so that dashboards and alerts can select on it.</summary>
    public const int RequestCompletedEventId = 1000;

    /// <summary>
    /// One Information line per request: request-id, client-request-id, owner tenant, method, path, status and
    /// duration. After batching, so that each request of a Graph JSON batch or an OData <c>$batch</c>, which runs
    /// through the pipeline again, gets a line of its own; before the request ids, the exception handler and
    /// authentication, so that the line sees their outcome (the ids stamped, the final status, the caller's tenant).
    /// </summary>
    public static WebApplication UseRequestLogging(this WebApplication app)
    {
        app.UseMiddleware<RequestLoggingMiddleware>((Func<HttpContext, bool>)(_ => true));
        return app;
    }

    /// <summary>
    /// The line of a batch itself (<c>/v1.0/$batch</c>, <c>…/managedTenants/$batch</c>), whose handling ends before
    /// <see cref="UseRequestLogging"/>: goes before batching, and logs nothing else, so no request logs twice.
    /// </summary>
    public static WebApplication UseBatchRequestLogging(this WebApplication app)
    {
        app.UseMiddleware<RequestLoggingMiddleware>((Func<HttpContext, bool>)IsBatch);
        return app;
    }

    private static bool IsBatch(HttpContext context) =>
        context.Request.Path.Value?.EndsWith("/$batch", StringComparison.OrdinalIgnoreCase) == true;
}

/// <summary>
/// Writes the request log line when the rest of the pipeline is done. It never reads a header other than what
/// <see cref="GraphRequestIds"/> stamped, never a body, and never the query string (which can hold customer data).
/// </summary>
public sealed partial class RequestLoggingMiddleware(RequestDelegate next, ILoggerFactory loggerFactory, Func<HttpContext, bool> applies)
{
    private const string NoTenant = "none";
    private const string NoId = "none";
    private const string OtherMethod = "_OTHER";

    private readonly ILogger logger = loggerFactory.CreateLogger(RequestLogging.Category);

    public async Task InvokeAsync(HttpContext context)
    {
        if (!logger.IsEnabled(LogLevel.Information) || !applies(context))
        {
            await next(context);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var completed = false;
        try
        {
            await next(context);
            completed = true;
        }
        finally
        {
            // An exception that escaped the pipeline (the exception handler answers all others) ends as a 500.
            Log(context, completed ? context.Response.StatusCode : StatusCodes.Status500InternalServerError, Stopwatch.GetElapsedTime(started));
        }
    }

    private void Log(HttpContext context, int status, TimeSpan elapsed)
    {
        var ids = context.Features.Get<GraphRequestIds>();
        var request = context.Request;
        var ownerTenant = HttpContextOwnerTenantAccessor.FromPrincipal(context.User) ?? NoTenant;
        var method = MethodOf(request);
        // Escaped, so that a path cannot write line breaks or other control characters into the log.
        var route = request.PathBase.ToUriComponent() + request.Path.ToUriComponent();
        var durationMs = Math.Round(elapsed.TotalMilliseconds, 1);
        LogRequestCompleted(logger, ids?.RequestId ?? NoId, ids?.ClientRequestId ?? NoId, ownerTenant, method, route, status, durationMs);
    }

    /// <summary>The standard methods as they are; anything else (a batch can name any) as <c>_OTHER</c>.</summary>
    private static string MethodOf(HttpRequest request) => request.Method switch
    {
        _ when HttpMethods.IsGet(request.Method) => HttpMethods.Get,
        _ when HttpMethods.IsPost(request.Method) => HttpMethods.Post,
        _ when HttpMethods.IsPatch(request.Method) => HttpMethods.Patch,
        _ when HttpMethods.IsPut(request.Method) => HttpMethods.Put,
        _ when HttpMethods.IsDelete(request.Method) => HttpMethods.Delete,
        _ when HttpMethods.IsHead(request.Method) => HttpMethods.Head,
        _ when HttpMethods.IsOptions(request.Method) => HttpMethods.Options,
        _ => OtherMethod,
    };

    [LoggerMessage(
        EventId = RequestLogging.RequestCompletedEventId,
        EventName = "RequestCompleted",
        Level = LogLevel.Information,
        Message = "{Method} {Route} answered {StatusCode} in {DurationMs} ms (request-id {RequestId}, client-request-id {ClientRequestId}, tenant {OwnerTenant})")]
    private static partial void LogRequestCompleted(
        ILogger logger, string requestId, string clientRequestId, string ownerTenant, string method, string route, int statusCode, double durationMs);
}
