using CredentialSummaries.Api.Query;
using CredentialSummaries.Api.Edm;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.OData.Deltas;
using Microsoft.AspNetCore.OData.Extensions;
using Microsoft.OData;
using Microsoft.OData.Edm;

namespace CredentialSummaries.Api.Graph;

/// <summary>
/// OData-MaxVersion semantics: a client that cannot read OData 4.0 is refused rather than sent what it cannot read.
/// </summary>
public sealed class ODataMaxVersionFilter : IResourceFilter
{
    public void OnResourceExecuting(ResourceExecutingContext context)
    {
        var maxVersion = context.HttpContext.Request.Headers["OData-MaxVersion"].ToString();
        if (maxVersion.Length > 0
            && (!decimal.TryParse(maxVersion, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var version)
                || version < 4.0m))
        {
            context.Result = new GraphErrorResult(GraphError.BadRequest(
                $"OData-MaxVersion '{maxVersion}' excludes OData 4.0, the version this service speaks (4.01 features included)."));
        }
    }

    public void OnResourceExecuted(ResourceExecutedContext context)
    {
    }
}

/// <summary>
/// Runs before model binding on writes: a body that is not JSON gets 415 (ODataLib would give an unreadable 400),
/// and the body is buffered so that <see cref="GraphRequestBodyFilter"/> can explain a failed read.
/// </summary>
public sealed class GraphJsonBodyFilter : IResourceFilter
{
    public void OnResourceExecuting(ResourceExecutingContext context)
    {
        var request = context.HttpContext.Request;
        if (!HttpMethods.IsPost(request.Method) && !HttpMethods.IsPatch(request.Method) && !HttpMethods.IsPut(request.Method))
        {
            return;
        }

        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (hasBody && !request.HasJsonContentType())
        {
            context.Result = new GraphErrorResult(GraphError.UnsupportedMediaType("The request body", "'application/json'", request.ContentType));
            return;
        }

        request.EnableBuffering();
    }

    public void OnResourceExecuted(ResourceExecutedContext context)
    {
    }
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
            context.Result = new GraphErrorResult(GraphError.BadRequest(await ExplainAsync(context)));
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

    private static async Task<string> ExplainAsync(ActionExecutingContext context)
    {
        var request = context.HttpContext.Request;
        var type = request.GetModel()?.FindDeclaredType(GraphEdmModel.SummaryFullTypeName) as IEdmStructuredType;
        if (type is not null && request.Body.CanSeek)
        {
            request.Body.Position = 0;
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, context.HttpContext.RequestAborted);
            var explained = RequestBodyDiagnostics.Explain(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), type);
            if (explained is not null)
            {
                return explained;
            }
        }

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
