using CredentialSummaries.Api.Query;
using CredentialSummaries.Api.Edm;
using CredentialSummaries.Api.Model;
using CredentialSummaries.Api.Validation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.OData.Deltas;
using Microsoft.AspNetCore.OData.Extensions;
using Microsoft.OData;
using Microsoft.OData.Edm;

namespace CredentialSummaries.Api.Graph;

/// <summary>
/// Runs before model binding on writes, and so before anything is written: every check that can refuse a POST or
/// PATCH for what it sent, rather than for what is stored, is made here. A body that is not JSON is a 415 (ODataLib
/// would give an unreadable 400); an <c>Accept</c> the service cannot answer is a 406 (MVC would find out only when
/// writing the answer, after the write); and the body is read strictly (<see cref="SummaryBody"/>). A plain body's
/// values, or the well-typed values of a body with problems, are bound from that one reading
/// (<see cref="ReadSummaryBody"/>); any other body stays buffered for ODataLib, which binds it next.
/// </summary>
public sealed class GraphWriteRequestFilter : IAsyncResourceFilter
{
    private static readonly CredentialUserRegistrationsSummary AnswerSample = new();

    public async Task OnResourceExecutionAsync(ResourceExecutingContext context, ResourceExecutionDelegate next)
    {
        var request = context.HttpContext.Request;
        var isCreate = HttpMethods.IsPost(request.Method);
        if (!isCreate && !HttpMethods.IsPatch(request.Method) && !HttpMethods.IsPut(request.Method))
        {
            await next();
            return;
        }

        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (hasBody && !IsApplicationJson(request.ContentType))
        {
            context.Result = new GraphErrorResult(GraphError.UnsupportedMediaType("The request body", "'application/json'", request.ContentType));
            return;
        }

        if (!ResponseNegotiation.CanAnswer(context.HttpContext, AnswerSample))
        {
            context.Result = new GraphErrorResult(GraphError.ForStatus(StatusCodes.Status406NotAcceptable, request));
            return;
        }

        request.EnableBuffering();
        if (hasBody && request.GetModel()?.FindDeclaredType(GraphEdmModel.SummaryFullTypeName) is IEdmStructuredType type)
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, context.HttpContext.RequestAborted);
            request.Body.Position = 0;
            var problems = SummaryBody.Check(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), type, out var read);
            if (problems.Count > 0 && read is null)
            {
                // Not a JSON object: there is nothing the rules could judge.
                context.Result = new GraphErrorResult(problems.ToGraphError());
                return;
            }

            // Set on every write, so that only this request's own body is ever bound from it. A body with problems
            // goes on to the action, whose rules add theirs (a PATCH's need the stored row) to the same 400.
            context.HttpContext.Features.Set(read);
        }

        await next();
    }

    // Exactly application/json, with any parameters (charset, odata.metadata): what ODataLib reads. Other +json types
    // (application/merge-patch+json) are not, and would fail later with a message about ODataLib's types.
    private static bool IsApplicationJson(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Turns a body ODataLib could not read (it hands the action null and leaves the reason in ModelState) into a
/// Graph 400 that names the offending property; a write with no body at all is a 400 too.
/// </summary>
public sealed class GraphRequestBodyFilter : IAsyncActionFilter
{
    public async Task OnActionExecutionAsync(ActionExecutingContext context, ActionExecutionDelegate next)
    {
        if (!context.ModelState.IsValid)
        {
            context.Result = new GraphErrorResult(GraphError.BadRequest(Explain(context)));
            return;
        }

        foreach (var parameter in context.ActionDescriptor.Parameters)
        {
            if (IsDelta(parameter.ParameterType)
                && (!context.ActionArguments.TryGetValue(parameter.Name, out var value) || value is null))
            {
                context.Result = new GraphErrorResult(GraphError.BadRequest(
                    "A request body with a JSON object is required."));
                return;
            }
        }

        await next();
    }

    private static bool IsDelta(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Delta<>);

    // The strict reading in GraphWriteRequestFilter catches what a client can get wrong; what ODataLib still refuses
    // (an annotation it cannot use, say) it explains itself.
    private static string Explain(ActionExecutingContext context)
    {
        var error = context.ModelState.Values.SelectMany(v => v.Errors).First();
        return error.Exception switch
        {
            ODataException odata => odata.Message,
            null => string.IsNullOrEmpty(error.ErrorMessage) ? "The request body could not be read." : error.ErrorMessage,
            _ => "The request body could not be read.",
        };
    }
}

/// <summary>
/// Rewrites error results produced by the framework (OData query validation's <see cref="SerializableError"/>,
/// <c>NotFound()</c>, problem details) into Graph's error body. Never passes on stack traces or exception types.
/// </summary>
public sealed class GraphErrorResultFilter : IAlwaysRunResultFilter
{
    public void OnResultExecuting(ResultExecutingContext context)
    {
        var request = context.HttpContext.Request;
        context.Result = context.Result switch
        {
            ObjectResult { Value: not GraphError } result when (result.StatusCode ?? 200) >= 400 =>
                new GraphErrorResult(FromValue(result.StatusCode!.Value, result.Value, request)),
            StatusCodeResult { StatusCode: >= 400 } result => new GraphErrorResult(GraphError.ForStatus(result.StatusCode, request)),
            _ => context.Result,
        };
    }

    public void OnResultExecuted(ResultExecutedContext context)
    {
    }

    private static GraphError FromValue(int status, object? value, HttpRequest request)
    {
        var message = value switch
        {
            // OData query validation: name the option that failed.
            SerializableError error => error.TryGetValue("Message", out var m) && m is string s ? QueryOptionDiagnostics.Explain(request, s) : null,
            ODataError error => error.Message,
            ProblemDetails problem => problem.Detail ?? problem.Title,
            string text => text,
            _ => null,
        };
        var fallback = GraphError.ForStatus(status, request);
        return string.IsNullOrWhiteSpace(message) ? fallback : fallback with { Message = message };
    }
}
