namespace CredentialSummaries.Api.Graph;

/// <summary>The ids Graph puts on every response: a fresh <c>request-id</c> and the caller's <c>client-request-id</c>.</summary>
public sealed record GraphRequestIds(string RequestId, string ClientRequestId)
{
    public const string RequestIdHeader = "request-id";
    public const string ClientRequestIdHeader = "client-request-id";
    private const int MaxClientRequestIdLength = 128;

    public static GraphRequestIds Of(HttpContext context) =>
        context.Features.Get<GraphRequestIds>() ?? Create(context.Request);

    public static GraphRequestIds Create(HttpRequest request)
    {
        var requestId = Guid.NewGuid().ToString();
        var sent = request.Headers[ClientRequestIdHeader].ToString();
        return new GraphRequestIds(requestId, IsEchoable(sent) ? sent : requestId);
    }

    // Echo only what is safe to put back in a header and a log line: short, printable ASCII.
    private static bool IsEchoable(string value) =>
        value.Length is > 0 and <= MaxClientRequestIdLength && value.All(c => c is > ' ' and < '\u007f');
}

/// <summary>
/// Stamps <c>request-id</c> and <c>client-request-id</c> on every response. Headers are added when the response
/// starts, so they survive the exception handler clearing the response.
/// </summary>
public sealed class GraphRequestIdMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        Stamp(context);
        return next(context);
    }

    /// <summary>Gives <paramref name="context"/> fresh ids and puts them on its response when it starts.</summary>
    public static GraphRequestIds Stamp(HttpContext context)
    {
        var ids = GraphRequestIds.Create(context.Request);
        context.Features.Set(ids);
        context.Response.OnStarting(static state =>
        {
            var (response, ids) = ((HttpResponse, GraphRequestIds))state;
            response.Headers[GraphRequestIds.RequestIdHeader] = ids.RequestId;
            response.Headers[GraphRequestIds.ClientRequestIdHeader] = ids.ClientRequestId;
            return Task.CompletedTask;
        }, (context.Response, ids));
        return ids;
    }
}
