using CredentialSummaries.Api.Graph;
using CredentialSummaries.Api.Persistence;
using Microsoft.AspNetCore.OData.Batch;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using System.Text;
using Microsoft.OData;

namespace CredentialSummaries.Api.Batching;

/// <summary>
/// OData's own <c>$batch</c> at each service root, multipart/mixed or JSON, with atomic change sets (multipart change
/// sets, JSON <c>atomicityGroup</c>): the requests of a change set share one database transaction, which commits only
/// if every one of them succeeded. The first failure ends the change set, rolls back its earlier writes and is the
/// change set's only answer. Each request runs through the whole pipeline on its own (<see cref="BatchedRequest"/>),
/// in the order sent; outside change sets a failure does not stop the batch.
/// </summary>
public sealed partial class AtomicODataBatchHandler : DefaultODataBatchHandler
{
    private const string BatchMediaTypes = "'multipart/mixed' with a boundary or 'application/json'";

    public override async Task ProcessBatchAsync(HttpContext context, RequestDelegate nextHandler)
    {
        ArgumentNullException.ThrowIfNull(context);
        GraphRequestIdMiddleware.Stamp(context);
        var maxBytes = context.RequestServices.GetRequiredService<IOptions<GraphCompatibilityOptions>>().Value.MaxRequestBodyBytes;
        if (RequestBodyLimit.Refusal(context, maxBytes) is { } tooLarge)
        {
            await tooLarge.WriteAsync(context);
            return;
        }

        try
        {
            await base.ProcessBatchAsync(context, nextHandler);
        }
        catch (ODataException exception) when (!context.Response.HasStarted)
        {
            // ODataLib's reader refuses a malformed batch by throwing.
            context.Response.Clear();
            await GraphError.BadRequest($"The batch request could not be read: {exception.Message}").WriteAsync(context);
        }
#pragma warning disable CA1031 // The batch runs before the exception handler: any other fault still gets a Graph 500.
        catch (Exception exception) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
#pragma warning restore CA1031
        {
            LogUnhandled(context.RequestServices.GetRequiredService<ILogger<AtomicODataBatchHandler>>(), exception, GraphRequestIds.Of(context).RequestId);
            context.Response.Clear();
            await GraphError.ForStatus(StatusCodes.Status500InternalServerError, context.Request).WriteAsync(context);
        }
    }

    /// <summary>The checks of the default handler, answered with Graph errors instead of plain text.</summary>
    public override async Task<bool> ValidateRequest(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType))
        {
            await GraphError.UnsupportedMediaType("A $batch request", BatchMediaTypes, request.ContentType).WriteAsync(request.HttpContext);
            return false;
        }

        var isMultipart = contentType.MediaType.Equals("multipart/mixed", StringComparison.OrdinalIgnoreCase);
        if (!isMultipart && !contentType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await GraphError.UnsupportedMediaType("A $batch request", BatchMediaTypes, request.ContentType).WriteAsync(request.HttpContext);
            return false;
        }

        if (isMultipart && string.IsNullOrEmpty(HeaderUtilities.RemoveQuotes(contentType.Boundary).Value))
        {
            await GraphError.BadRequest("A multipart/mixed $batch request needs a 'boundary' parameter in its Content-Type.").WriteAsync(request.HttpContext);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Before ODataLib writes a JSON-format answer, turns each non-JSON answer body (a <c>$value</c>'s text/plain,
    /// <c>$metadata</c>'s XML) into the JSON string the OData 4.01 JSON batch format asks for: ODataLib 8.4 copies
    /// such bodies in raw, which makes the whole answer invalid JSON. Multipart answers keep bodies as they are.
    /// </summary>
    public override Task CreateResponseMessageAsync(IEnumerable<ODataBatchResponseItem> responses, HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentNullException.ThrowIfNull(request);
        var items = responses.ToList();
        if (AnswersInJson(request))
        {
            foreach (var context in items.SelectMany(ContextsOf))
            {
                BatchBodies.EncodeNonJsonBodyAsJsonString(context.Response);
            }
        }

        return base.CreateResponseMessageAsync(items, request);
    }

    private static IEnumerable<HttpContext> ContextsOf(ODataBatchResponseItem item) => item switch
    {
        OperationResponseItem operation => [operation.Context],
        ChangeSetResponseItem changeSet => changeSet.Contexts,
        _ => [],
    };

    /// <summary>AspNetCoreOData's own choice: the best of Accept's multipart/mixed and application/json, else the request's format.</summary>
    private static bool AnswersInJson(HttpRequest request)
    {
        var accepted = MediaTypeHeaderValue.ParseList(request.Headers.GetCommaSeparatedValues(HeaderNames.Accept))
            .OrderByDescending(h => h.Quality ?? 1)
            .FirstOrDefault(h => h.MediaType.Equals("multipart/mixed", StringComparison.OrdinalIgnoreCase)
                || h.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase));
        return accepted is not null
            ? accepted.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            : request.ContentType?.Contains("application/json", StringComparison.OrdinalIgnoreCase) == true;
    }

    /// <summary>A request the reader refuses (e.g. one on another host or outside the service root) is a bad batch.</summary>
    public override async Task<IList<ODataBatchRequestItem>> ParseBatchRequestsAsync(HttpContext context)
    {
        try
        {
            return await base.ParseBatchRequestsAsync(context);
        }
        catch (InvalidOperationException exception)
        {
            throw new ODataException(exception.Message, exception);
        }
        catch (DecoderFallbackException)
        {
            throw new ODataException("The batch is not valid UTF-8.");
        }
        catch (FormatException)
        {
            // A body sent as a JSON string under a non-JSON content type must be base64, as the JSON batch format says.
            throw new ODataException("A request body in the batch is neither JSON nor valid base64 for its content type.");
        }
#pragma warning disable CA1031 // Parsing reads nothing but the client's bytes: whatever the reader throws, the batch is unreadable.
        catch (Exception exception) when (exception is not (ODataException or OperationCanceledException))
#pragma warning restore CA1031
        {
            // ODataLib 8.4's JSON batch reader throws NullReferenceException and ArgumentNullException (a "body": null
            // under a non-JSON content type) on some malformed batches; fuzzing found both.
            throw new ODataException("A request in the batch is malformed.", exception);
        }
    }

    public override async Task<IList<ODataBatchResponseItem>> ExecuteRequestMessagesAsync(IEnumerable<ODataBatchRequestItem> requests, RequestDelegate handler)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(handler);
        var responses = new List<ODataBatchResponseItem>();
        foreach (var request in requests)
        {
            responses.Add(request switch
            {
                ChangeSetRequestItem changeSet => await ExecuteChangeSetAsync(changeSet, handler),
                OperationRequestItem operation => await ExecuteOperationAsync(operation, handler),
                _ => await request.SendRequestAsync(handler),
            });
        }

        return responses;
    }

    private static async Task<ODataBatchResponseItem> ExecuteOperationAsync(OperationRequestItem operation, RequestDelegate handler)
    {
        // Until it runs, the request still holds the batch's services (AspNetCoreOData copies them).
        var batchServices = operation.Context.RequestServices;
        await ODataBatchRequestItem.SendRequestAsync(
            async context => await BatchedRequest.RunAsync(context, handler, batchServices),
            operation.Context,
            operation.ContentIdToLocationMapping);
        return new OperationResponseItem(operation.Context);
    }

    private static async Task<ODataBatchResponseItem> ExecuteChangeSetAsync(ChangeSetRequestItem changeSet, RequestDelegate handler)
    {
        var contexts = changeSet.Contexts.ToList();
        if (contexts.Count == 0)
        {
            return new ChangeSetResponseItem(contexts);
        }

        var batchServices = contexts[0].RequestServices;
        var cancellationToken = contexts[0].RequestAborted;
        await using var scope = batchServices.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        var transaction = scope.ServiceProvider.GetRequiredService<ChangeSetTransaction>();
        await transaction.BeginAsync(cancellationToken);

        foreach (var context in contexts)
        {
            await ODataBatchRequestItem.SendRequestAsync(
                async request => await BatchedRequest.RunAsync(request, handler, batchServices,
                    services => services.GetRequiredService<AmbientChangeSet>().Current = transaction),
                context,
                changeSet.ContentIdToLocationMapping);
            if (context.Response.StatusCode is < 200 or >= 300)
            {
                // Disposing the transaction uncommitted rolls back what the change set's earlier requests wrote.
                return new ChangeSetResponseItem([context]);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return new ChangeSetResponseItem(contexts);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception in OData batch {RequestId}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string requestId);
}
