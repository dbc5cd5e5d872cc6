using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;

namespace CredentialSummaries.Bench.Baseline;

/// <summary>The routes of both service roots, the health probes, and the fallback 404.</summary>
internal static class Endpoints
{
    private static readonly string[] Roots = ["v1.0", "beta"];

    public static void Map(WebApplication app, SummaryApi api, GraphBatch batch, ISummaryStore store, long maxBodyBytes)
    {
        foreach (var root in Roots)
        {
            var collection = $"/{root}/{SummaryJson.Container}/{SummaryJson.EntitySet}";
            app.MapGet(collection, (RequestDelegate)(context =>
                Run(context, api.ListAsync(RequestOf(context, root), context.RequestAborted)))).RequireAuthorization(Access.ReadPolicy);
            app.MapGet(collection + "/$count", (RequestDelegate)(context =>
                Run(context, api.CountAsync(RequestOf(context, root), context.RequestAborted)))).RequireAuthorization(Access.ReadPolicy);
            app.MapGet(collection + "/{id}", (RequestDelegate)(context =>
                Run(context, api.GetAsync(RequestOf(context, root), IdOf(context), context.RequestAborted)))).RequireAuthorization(Access.ReadPolicy);
            app.MapPost(collection, (RequestDelegate)(context => WriteAsync(context, root, api, null, maxBodyBytes)))
                .RequireAuthorization(Access.WritePolicy);
            app.MapPatch(collection + "/{id}", (RequestDelegate)(context => WriteAsync(context, root, api, IdOf(context), maxBodyBytes)))
                .RequireAuthorization(Access.WritePolicy);
            app.MapPost($"/{root}/$batch", (RequestDelegate)(context => batch.HandleAsync(context, root)));
        }

        app.MapGet("/healthz", (RequestDelegate)(context => Health(context, healthy: true)));
        app.MapGet("/readyz", (RequestDelegate)(async context =>
        {
            bool healthy;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                var session = await store.OpenAsync(timeout.Token);
                await using (session)
                {
                    await session.PingAsync(timeout.Token);
                }

                healthy = true;
            }
#pragma warning disable CA1031 // Any failure of the database means not ready.
            catch (Exception)
#pragma warning restore CA1031
            {
                healthy = false;
            }

            await Health(context, healthy);
        }));
        app.MapFallback((RequestDelegate)(context => Answers.WriteErrorAsync(context, GraphError.ResourceNotFound(context.Request.Path.Value ?? "/"))));
    }

    /// <summary><c>{scheme}://{host}{pathBase}/{root}/tenantRelationships/managedTenants</c>.</summary>
    public static string ServiceRootOf(HttpRequest request, string root) =>
        string.Concat(request.Scheme, "://", request.Host.Value, request.PathBase.Value, "/" + root + "/" + SummaryJson.Container);

    private static ApiRequest RequestOf(HttpContext context, string root) => new()
    {
        Owner = Access.OwnerOf(context.User)!,
        ServiceRoot = ServiceRootOf(context.Request, root),
        Query = context.Request.QueryString.HasValue ? context.Request.QueryString.Value![1..] : string.Empty,
        Headers = context.Request.Headers,
    };

    private static string IdOf(HttpContext context) => (string)context.Request.RouteValues["id"]!;

    private static async Task Run(HttpContext context, Task<Outcome> outcome) => await Answers.WriteAsync(context, await outcome);

    /// <summary>POST (<paramref name="id"/> null) or PATCH: the body checked before anything is read from the store.</summary>
    private static async Task WriteAsync(HttpContext context, string root, SummaryApi api, string? id, long maxBodyBytes)
    {
        var request = context.Request;
        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (hasBody && !SummaryApi.IsApplicationJson(request.ContentType))
        {
            await Answers.WriteErrorAsync(context, GraphError.UnsupportedMediaType("The request body", request.ContentType));
            return;
        }

        if (request.ContentLength > maxBodyBytes)
        {
            await Answers.WriteErrorAsync(context, GraphError.TooLarge(request.ContentLength.Value, maxBodyBytes));
            return;
        }

        GraphError? invalid;
        SummaryPatch patch;
        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(context.RequestAborted);
            if (read.Buffer.Length > maxBodyBytes)
            {
                reader.AdvanceTo(read.Buffer.End);
                await Answers.WriteErrorAsync(context, GraphError.TooLarge(read.Buffer.Length, maxBodyBytes));
                return;
            }

            if (read.IsCompleted)
            {
                invalid = Read(read, id is null, out patch);
                reader.AdvanceTo(read.Buffer.End);
                break;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }

        if (invalid is not null)
        {
            await Answers.WriteErrorAsync(context, invalid);
            return;
        }

        var apiRequest = RequestOf(context, root);
        await Answers.WriteAsync(context, id is null
            ? await api.CreateAsync(apiRequest, patch, context.RequestAborted)
            : await api.UpdateAsync(apiRequest, id, patch, context.RequestAborted));
    }

    private static GraphError? Read(ReadResult read, bool isCreate, out SummaryPatch patch)
    {
        var body = read.Buffer;
        if (body.IsSingleSegment)
        {
            return SummaryApi.ReadBody(body.FirstSpan, isCreate, out patch);
        }

        var copy = ArrayPool<byte>.Shared.Rent((int)body.Length);
        try
        {
            body.CopyTo(copy);
            return SummaryApi.ReadBody(copy.AsSpan(0, (int)body.Length), isCreate, out patch);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private static Task Health(HttpContext context, bool healthy)
    {
        var response = context.Response;
        response.StatusCode = healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-store, no-cache";
        response.Headers.Pragma = "no-cache";
        response.Headers.Expires = "Thu, 01 Jan 1970 00:00:00 GMT";
        return response.WriteAsync(healthy ? "Healthy" : "Unhealthy");
    }
}

/// <summary>
/// First in the pipeline: Graph's request ids on every answer, and the service's request-log line (same category,
/// event id and message) once the request is done. The health probes get neither, as in the service.
/// </summary>
internal sealed class GraphRequestMiddleware(RequestDelegate next, RequestLog log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/healthz", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/readyz", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }

        var ids = RequestIds.Create(context.Request.Headers[RequestIds.ClientRequestIdHeader]);
        context.Features.Set(ids);
        context.Response.Headers[RequestIds.RequestIdHeader] = ids.RequestId;
        context.Response.Headers[RequestIds.ClientRequestIdHeader] = ids.ClientRequestId;
        if (!log.IsEnabled)
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
            var request = context.Request;
            log.Completed(ids, Access.OwnerOf(context.User), request.Method, request.PathBase.ToUriComponent() + path.ToUriComponent(),
                completed ? context.Response.StatusCode : StatusCodes.Status500InternalServerError, Stopwatch.GetElapsedTime(started));
        }
    }
}

/// <summary>The service's request log (RequestLoggingMiddleware): one Information line per request, batched ones included.</summary>
internal sealed partial class RequestLog(ILoggerFactory loggerFactory)
{
    private readonly ILogger logger = loggerFactory.CreateLogger("CredentialSummaries.Requests");

    public bool IsEnabled => logger.IsEnabled(LogLevel.Information);

    public void Completed(RequestIds ids, string? owner, string method, string route, int status, TimeSpan elapsed)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            var standardMethod = MethodOf(method);
            var durationMs = Math.Round(elapsed.TotalMilliseconds, 1);
            LogRequestCompleted(logger, ids.RequestId, ids.ClientRequestId, owner ?? "none", standardMethod, route, status, durationMs);
        }
    }

    private static string MethodOf(string method) => method switch
    {
        _ when HttpMethods.IsGet(method) => HttpMethods.Get,
        _ when HttpMethods.IsPost(method) => HttpMethods.Post,
        _ when HttpMethods.IsPatch(method) => HttpMethods.Patch,
        _ when HttpMethods.IsPut(method) => HttpMethods.Put,
        _ when HttpMethods.IsDelete(method) => HttpMethods.Delete,
        _ when HttpMethods.IsHead(method) => HttpMethods.Head,
        _ when HttpMethods.IsOptions(method) => HttpMethods.Options,
        _ => "_OTHER",
    };

    [LoggerMessage(
        EventId = 1000,
        EventName = "RequestCompleted",
        Level = LogLevel.Information,
        Message = "{Method} {Route} answered {StatusCode} in {DurationMs} ms (request-id {RequestId}, client-request-id {ClientRequestId}, tenant {OwnerTenant})")]
    private static partial void LogRequestCompleted(
        ILogger logger, string requestId, string clientRequestId, string ownerTenant, string method, string route, int statusCode, double durationMs);
}
