using CredentialSummaries.Api.Graph;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace CredentialSummaries.Api.Batching;

/// <summary>
/// Microsoft Graph JSON batching at <c>/v1.0/$batch</c> and <c>/beta/$batch</c>. It sits before everything else, so
/// each batched request runs through the whole pipeline below it (request ids, Graph errors, routing, authentication,
/// authorization, tenant confinement, filters) in an HttpContext and DI scope of its own, with the batch's
/// <c>Authorization</c> header unless it sends its own. Requests run one at a time, each after its <c>dependsOn</c>;
/// one whose dependency failed is answered 424 without running.
/// </summary>
public sealed partial class GraphJsonBatchMiddleware(
    RequestDelegate next, IOptions<GraphCompatibilityOptions> options, ILogger<GraphJsonBatchMiddleware> logger)
{
    private static readonly string[] VersionRoots = ["/v1.0", "/beta"];

    // Set by the batch from the request itself, never taken from the client's header object.
    private static readonly HashSet<string> ComputedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        HeaderNames.Host, HeaderNames.ContentLength, HeaderNames.TransferEncoding, HeaderNames.Connection,
    };

    private readonly long maxBytes = options.Value.MaxRequestBodyBytes;

    public async Task InvokeAsync(HttpContext context)
    {
        if (BatchRoot(context.Request.Path) is not { } versionRoot)
        {
            await next(context);
            return;
        }

        GraphRequestIdMiddleware.Stamp(context);
        try
        {
            await HandleAsync(context, versionRoot);
        }
        catch (BadHttpRequestException badRequest)
        {
            await GraphError.ForStatus(badRequest.StatusCode, context.Request).WriteAsync(context);
        }
#pragma warning disable CA1031 // The batch sits outside the exception handler: any fault still gets a Graph 500.
        catch (Exception exception) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
#pragma warning restore CA1031
        {
            LogUnhandled(logger, exception, GraphRequestIds.Of(context).RequestId);
            context.Response.Clear();
            await GraphError.ForStatus(StatusCodes.Status500InternalServerError, context.Request).WriteAsync(context);
        }
    }

    private static string? BatchRoot(PathString path)
    {
        foreach (var root in VersionRoots)
        {
            if (path.StartsWithSegments(root, StringComparison.OrdinalIgnoreCase, out var rest)
                && (rest.Equals("/$batch", StringComparison.OrdinalIgnoreCase) || rest.Equals("/$batch/", StringComparison.OrdinalIgnoreCase)))
            {
                return root;
            }
        }

        return null;
    }

    private async Task HandleAsync(HttpContext context, string versionRoot)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = "POST";
            await GraphError.ForStatus(StatusCodes.Status405MethodNotAllowed, request).WriteAsync(context);
            return;
        }

        if (!request.HasJsonContentType())
        {
            await GraphError.UnsupportedMediaType("A JSON batch", "'application/json'", request.ContentType).WriteAsync(context);
            return;
        }

        if (RequestBodyLimit.Refusal(context, maxBytes) is { } tooLarge)
        {
            await tooLarge.WriteAsync(context);
            return;
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, default, context.RequestAborted);
        }
        catch (JsonException exception)
        {
            await GraphError.BadRequest($"The batch body is not valid JSON: {exception.Message}").WriteAsync(context);
            return;
        }

        using (document)
        {
            var batch = GraphJsonBatch.Parse(document.RootElement, out var error);
            if (error is not null)
            {
                await GraphError.BadRequest(error).WriteAsync(context);
                return;
            }

            var answers = new Dictionary<string, BatchedAnswer>(StringComparer.Ordinal);
            foreach (var batched in batch.Requests)
            {
                answers[batched.Id] = await RunAsync(context, versionRoot, batched, answers);
            }

            await WriteResponsesAsync(context, batch, answers);
        }
    }

    private async Task<BatchedAnswer> RunAsync(
        HttpContext batch, string versionRoot, GraphJsonBatchRequest request, IReadOnlyDictionary<string, BatchedAnswer> answers)
    {
        var subRequest = CreateContext(batch, versionRoot, request);
        var failed = request.DependsOn.FirstOrDefault(id => answers[id].Status >= StatusCodes.Status400BadRequest);
        if (failed is not null)
        {
            return await FailedDependencyAsync(subRequest, batch.RequestServices, failed, answers[failed].Status);
        }

        var response = await BatchedRequest.RunAsync(subRequest, next, batch.RequestServices);
        return BatchedAnswer.From(response);
    }

    /// <summary>A 424 in Graph's error shape, with request ids of its own, for a request that was never run.</summary>
    private static async Task<BatchedAnswer> FailedDependencyAsync(HttpContext subRequest, IServiceProvider services, string failed, int status)
    {
        var response = new BufferedResponse();
        subRequest.Features.Set<IHttpResponseFeature>(response);
        subRequest.Features.Set<IHttpResponseBodyFeature>(response);
        subRequest.Features.Set<IServiceProvidersFeature>(new ServiceProvidersFeature { RequestServices = services });
        GraphRequestIdMiddleware.Stamp(subRequest);
        await new GraphError(StatusCodes.Status424FailedDependency, "FailedDependency",
                $"The request was not run: it depends on request '{failed}', which failed with status {status}.")
            .WriteAsync(subRequest);
        await response.CompleteAsync();
        return BatchedAnswer.From(response);
    }

    /// <summary>A fresh HttpContext for <paramref name="request"/>, sharing only the connection with the batch.</summary>
    private static DefaultHttpContext CreateContext(HttpContext batch, string versionRoot, GraphJsonBatchRequest request)
    {
        var outer = batch.Request;
        var relative = request.Url.StartsWith('/') ? request.Url : "/" + request.Url;
        var split = relative.Split('?', 2);
        var query = split.Length == 2 && split[1].Length > 0 ? QueryString.FromUriComponent("?" + split[1]) : QueryString.Empty;

        IHeaderDictionary headers = new HeaderDictionary { [HeaderNames.Host] = outer.Headers.Host };
        if (outer.Headers.Authorization.Count > 0)
        {
            headers.Authorization = outer.Headers.Authorization;
        }

        foreach (var (name, value) in request.Headers)
        {
            if (!ComputedHeaders.Contains(name))
            {
                headers[name] = value;
            }
        }

        var body = Body(request);
        if (body.Length > 0)
        {
            headers.ContentLength = body.Length;
            if (!headers.ContainsKey(HeaderNames.ContentType))
            {
                headers.ContentType = "application/json";
            }
        }

        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(new HttpRequestFeature
        {
            Protocol = outer.Protocol,
            Scheme = outer.Scheme,
            Method = request.Method,
            PathBase = outer.PathBase,
            Path = PathString.FromUriComponent(versionRoot + split[0]),
            QueryString = query.Value ?? string.Empty,
            RawTarget = outer.PathBase + versionRoot + relative,
            Headers = headers,
            Body = new MemoryStream(body, writable: false),
        });
        features.Set(batch.Features.Get<IHttpConnectionFeature>());
        features.Set(batch.Features.Get<IHttpRequestLifetimeFeature>());
        features.Set(batch.Features.Get<ITlsConnectionFeature>());
        return new DefaultHttpContext(features);
    }

    /// <summary>A JSON body as JSON; a string sent with a non-JSON Content-Type as the text itself, as Graph reads it.</summary>
    private static byte[] Body(GraphJsonBatchRequest request)
    {
        if (request.Body is not { } body)
        {
            return [];
        }

        var isJson = !request.Headers.TryGetValue(HeaderNames.ContentType, out var contentType)
            || BatchBodies.IsJson(contentType);
        return !isJson && body.ValueKind == JsonValueKind.String
            ? Encoding.UTF8.GetBytes(body.GetString()!)
            : Encoding.UTF8.GetBytes(body.GetRawText());
    }

    private static async Task WriteResponsesAsync(HttpContext context, GraphJsonBatch batch, Dictionary<string, BatchedAnswer> answers)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteStartArray("responses");
        // In the order they ran; clients match answers to requests by id.
        foreach (var request in batch.Requests)
        {
            answers[request.Id].Write(writer, request.Id);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception in JSON batch {RequestId}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string requestId);

    /// <summary>What one batched request answered: status, headers and body, captured before its scope ended.</summary>
    private sealed record BatchedAnswer(int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, string? ContentType, byte[] Body)
    {
        public static BatchedAnswer From(BufferedResponse response)
        {
            var headers = response.Headers
                .Where(h => !h.Key.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
                .Select(h => KeyValuePair.Create(h.Key, h.Value.ToString()))
                .ToArray();
            return new BatchedAnswer(response.StatusCode, headers, response.Headers.ContentType.ToString(), response.Content.ToArray());
        }

        public void Write(Utf8JsonWriter writer, string id)
        {
            writer.WriteStartObject();
            writer.WriteString("id", id);
            writer.WriteNumber("status", Status);
            writer.WriteStartObject("headers");
            foreach (var (name, value) in Headers)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
            if (Body.Length > 0)
            {
                writer.WritePropertyName("body");
                WriteBody(writer);
            }

            writer.WriteEndObject();
        }

        // JSON bodies are embedded as JSON; anything else as base64, as Graph does.
        private void WriteBody(Utf8JsonWriter writer)
        {
            if (BatchBodies.IsJson(ContentType))
            {
                try
                {
                    using var document = JsonDocument.Parse(Body);
                    document.RootElement.WriteTo(writer);
                    return;
                }
                catch (JsonException)
                {
                    // Not JSON after all: fall through to base64.
                }
            }

            writer.WriteStringValue(Convert.ToBase64String(Body));
        }
    }
}

