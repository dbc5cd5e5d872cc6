using Microsoft.AspNetCore.Mvc.Formatters;
using Microsoft.AspNetCore.Mvc.Infrastructure;

namespace CredentialSummaries.Api.Graph;

/// <summary>
/// Asks MVC's own content negotiation, before an action runs, whether the answer it will produce could be written
/// for the request's <c>Accept</c> (and <c>$format</c>). The same formatters and selector decide later, so the early
/// answer and the late one agree, and a write is never made for a request that then ends in 406.
/// </summary>
public static class ResponseNegotiation
{
    /// <param name="context">The request, routed but not yet executed.</param>
    /// <param name="sample">An instance of the type the action answers with (never null: MVC answers null with 204 whatever the Accept).</param>
    public static bool CanAnswer(HttpContext context, object sample)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(sample);
        var services = context.RequestServices;
        var selector = services.GetRequiredService<OutputFormatterSelector>();
        var writerFactory = services.GetRequiredService<IHttpResponseStreamWriterFactory>();
        var writeContext = new OutputFormatterWriteContext(context, writerFactory.CreateWriter, sample.GetType(), sample);
        return selector.SelectFormatter(writeContext, [], []) is not null;
    }
}
