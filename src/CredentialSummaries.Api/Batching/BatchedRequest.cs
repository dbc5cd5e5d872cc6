using CredentialSummaries.Api.Graph;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace CredentialSummaries.Api.Batching;

/// <summary>
/// Runs one request of a batch (Graph JSON or OData <c>$batch</c>) through the rest of the pipeline as if it had
/// arrived on its own: its own DI scope (so its own authentication result, owner tenant and database context), its
/// own user, and a response held in memory. Both batch forms use it so that a batched request is authenticated,
/// authorised, confined to its tenant and answered with Graph errors exactly like a direct one.
/// </summary>
public static class BatchedRequest
{
    /// <param name="request">The batched request; its request features are set, its response is replaced here.</param>
    /// <param name="next">The pipeline after the batch middleware.</param>
    /// <param name="batchServices">The services of the outer batch request, for the scope factory.</param>
    /// <param name="prepareScope">Runs on the request's fresh scope before the pipeline (e.g. to join a change set).</param>
    public static async Task<BufferedResponse> RunAsync(
        HttpContext request, RequestDelegate next, IServiceProvider batchServices, Action<IServiceProvider>? prepareScope = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(batchServices);

        var response = new BufferedResponse();
        var features = request.Features;
        features.Set<IHttpResponseFeature>(response);
        features.Set<IHttpResponseBodyFeature>(response);
        // Whatever the outer request (or its copy of it) held must not leak into this one.
        features.Set<IHttpAuthenticationFeature>(new HttpAuthenticationFeature());
        features.Set<IRequestBodyPipeFeature>(new RequestBodyPipeFeature(request));
        features.Set<IFormFeature>(null);
        features.Set<IRouteValuesFeature>(null);
        features.Set<IEndpointFeature>(null);
        features.Set<GraphRequestIds>(null);

        await using var scope = batchServices.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        features.Set<IServiceProvidersFeature>(new ServiceProvidersFeature { RequestServices = scope.ServiceProvider });
        prepareScope?.Invoke(scope.ServiceProvider);

        // The owner-tenant accessor reads the current HttpContext: make that this request, not the batch.
        var accessor = scope.ServiceProvider.GetService<IHttpContextAccessor>();
        if (accessor is not null)
        {
            accessor.HttpContext = request;
        }

        try
        {
            if (ODataVersionNegotiation.Negotiate(request.Request) is { } refusal)
            {
                GraphRequestIdMiddleware.Stamp(request);
                await refusal.WriteAsync(request);
            }
            else
            {
                await next(request);
            }

            await response.CompleteAsync();
        }
        finally
        {
            await response.FireOnCompletedAsync();
        }

        return response;
    }
}

/// <summary>
/// A response held in memory that behaves like a server's: <c>OnStarting</c> callbacks (which stamp
/// <c>request-id</c>, for one) run when the body is first written or the request ends, and <c>HasStarted</c> turns
/// true then, so the exception handler and status-code pages judge it as they would a real response.
/// </summary>
#pragma warning disable CA1001 // The body is a MemoryStream with nothing to release; OData's batch writer reads it after the request ends.
public sealed class BufferedResponse : IHttpResponseFeature, IHttpResponseBodyFeature
#pragma warning restore CA1001
{
    private readonly Stack<(Func<object, Task> Callback, object State)> onStarting = new();
    private readonly Stack<(Func<object, Task> Callback, object State)> onCompleted = new();
    private readonly StartingStream body;
    private PipeWriter? writer;
    private bool starting;

    public BufferedResponse() => body = new StartingStream(this);

    public int StatusCode { get; set; } = StatusCodes.Status200OK;

    public string? ReasonPhrase { get; set; }

    public IHeaderDictionary Headers { get; set; } = new HeaderDictionary();

    public Stream Body
    {
        get => body;
        set => throw new NotSupportedException("A batched response keeps its own body.");
    }

    public bool HasStarted { get; private set; }

    public Stream Stream => body;

    public PipeWriter Writer => writer ??= PipeWriter.Create(body, new StreamPipeWriterOptions(leaveOpen: true));

    /// <summary>The body written so far.</summary>
    public ReadOnlyMemory<byte> Content => body.GetBuffer().AsMemory(0, (int)body.Length);

    public void OnStarting(Func<object, Task> callback, object state) => onStarting.Push((callback, state));

    public void OnCompleted(Func<object, Task> callback, object state) => onCompleted.Push((callback, state));

    public void DisableBuffering()
    {
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (starting)
        {
            return;
        }

        starting = true;
        while (onStarting.TryPop(out var registration))
        {
            await registration.Callback(registration.State);
        }

        HasStarted = true;
    }

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        SendFileFallback.SendFileAsync(Stream, path, offset, count, cancellationToken);

    public async Task CompleteAsync()
    {
        if (writer is not null)
        {
            await writer.FlushAsync();
        }

        await StartAsync();
    }

    internal async Task FireOnCompletedAsync()
    {
        while (onCompleted.TryPop(out var registration))
        {
            await registration.Callback(registration.State);
        }
    }

    /// <summary>A seekable body (the OData batch writer and the exception handler rewind it) that starts the response on first write.</summary>
    private sealed class StartingStream(BufferedResponse response) : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count)
        {
            response.StartAsync().GetAwaiter().GetResult();
            base.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            response.StartAsync().GetAwaiter().GetResult();
            base.Write(buffer);
        }

        public override void WriteByte(byte value)
        {
            response.StartAsync().GetAwaiter().GetResult();
            base.WriteByte(value);
        }

        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            await response.StartAsync(cancellationToken);
            await base.WriteAsync(buffer.AsMemory(offset, count), cancellationToken);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await response.StartAsync(cancellationToken);
            await base.WriteAsync(buffer, cancellationToken);
        }

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            await response.StartAsync(cancellationToken);
            await base.FlushAsync(cancellationToken);
        }
    }
}
