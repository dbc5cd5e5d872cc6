using System.Diagnostics;
using CredentialSummaries.Api.Graph;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.OData.Query;

namespace CredentialSummaries.Api.Query;

/// <summary>
/// Around every <c>[EnableQuery]</c> (item routes included): a system query option given twice is a 400, and a query
/// that OData's parser or binder rejects with something other than an ODataException (an ArgumentException from
/// <c>isof(…,duration'…')</c>, say) is a 400 naming the option instead of a 500.
/// </summary>
public sealed class QueryExceptionFilter : IAsyncActionFilter
{
    public async Task OnActionExecutionAsync(ActionExecutingContext context, ActionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var request = context.HttpContext.Request;
        var repeated = request.Query
            .SelectMany(q => q.Value.Select(_ => (q.Key.StartsWith('$') ? q.Key : "$" + q.Key).ToLowerInvariant()))
            .Where(name => name is "$filter" or "$orderby" or "$select" or "$expand" or "$apply" or "$compute" or "$search"
                or "$count" or "$top" or "$skip" or "$skiptoken" or "$format")
            .GroupBy(name => name)
            .FirstOrDefault(g => g.Count() > 1)?.Key;
        if (repeated is not null)
        {
            context.Result = new GraphErrorResult(GraphError.BadRequest($"Query option '{repeated}' is given more than once."));
            return;
        }

        var executed = await next();
        if (executed.Exception is { } exception && !executed.ExceptionHandled && ThrownByQueryHandling(exception)
            && QueryFaults.Explain(exception) is { } reason)
        {
            executed.Result = new GraphErrorResult(GraphError.BadRequest(
                QueryOptionDiagnostics.Explain(request, $"The query cannot be run: {reason}.")));
            executed.ExceptionHandled = true;
        }
    }

    // Only failures of EnableQuery's own work on the query, not of the action.
    private static bool ThrownByQueryHandling(Exception exception) =>
        new StackTrace(exception).GetFrames().Any(f => f.GetMethod()?.DeclaringType is { } type && typeof(EnableQueryAttribute).IsAssignableFrom(type));
}
