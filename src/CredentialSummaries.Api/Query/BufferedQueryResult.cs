using CredentialSummaries.Api.Graph;
using Microsoft.AspNetCore.Mvc;

namespace CredentialSummaries.Api.Query;

/// <summary>
/// Writes a query's answer into memory first and sends it only once it is whole, so that a result the serializer
/// cannot write becomes a 400 (or a clean 500) instead of a 200 whose body stops mid-answer. The page is bounded
/// (at most <see cref="SummaryQueryLimits.PageSize"/> rows), so the buffer is too.
/// </summary>
public sealed class BufferedQueryResult(IActionResult inner, IReadOnlyList<string> shapingOptions) : IActionResult
{
    public IActionResult Inner { get; } = inner;

    public async Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.HttpContext.Response;
        var original = response.Body;
        // SummaryJson makes the whole body in memory before it sends a byte (and runs a lazy page's query first): it
        // needs no second buffer, only the error handling below.
        await using var buffer = Inner is SummaryPageResult ? null : new MemoryStream();
        response.Body = buffer ?? original;
        try
        {
            await Inner.ExecuteResultAsync(context);
        }
        catch (Exception ex) when (QueryFaults.Explain(ex) is { } reason)
        {
            response.Body = original;
            response.Headers.Remove(Preferences.PreferenceAppliedHeader);
            response.ContentLength = null;
            var option = shapingOptions.Count == 1 ? shapingOptions[0] : null;
            await GraphError.BadRequest(QueryOptionDiagnostics.Clean(
                    QueryFaults.Describe(option, $"its result cannot be written ({reason.TrimEnd('.')})", shapingOptions)))
                .WriteAsync(context.HttpContext);
            return;
        }
        finally
        {
            response.Body = original;
        }

        if (buffer is { Length: > 0 })
        {
            response.ContentLength = buffer.Length;
            buffer.Position = 0;
            await buffer.CopyToAsync(original, context.HttpContext.RequestAborted);
        }
    }
}
