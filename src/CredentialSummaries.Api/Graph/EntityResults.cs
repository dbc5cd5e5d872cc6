using CredentialSummaries.Api.Edm;
using CredentialSummaries.Api.Model;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OData.Extensions;

namespace CredentialSummaries.Api.Graph;

/// <summary>
/// Answers for a created or updated entity, with its <c>ETag</c>, that honour <c>Prefer: return=minimal|representation</c> and write
/// links in Graph's key-as-segment form (<c>…/credentialUserRegistrationsSummaries/{id}</c>); the links OData's own
/// results write use <c>('{id}')</c>.
/// </summary>
public sealed class EntityResult(object entity, string id, string concurrencyStamp, int statusCode, bool writeLocation) : IActionResult
{
    public static EntityResult Created(object entity, string id, string concurrencyStamp) =>
        new(entity, id, concurrencyStamp, StatusCodes.Status201Created, writeLocation: true);

    public static EntityResult Updated(object entity, string id, string concurrencyStamp) =>
        new(entity, id, concurrencyStamp, StatusCodes.Status200OK, writeLocation: false);

    public async Task ExecuteResultAsync(ActionContext context)
    {
        var request = context.HttpContext.Request;
        var response = context.HttpContext.Response;
        var link = EntityLink(request, id);
        response.Headers.ETag = EntityTags.Format(concurrencyStamp);
        if (writeLocation)
        {
            response.Headers.Location = link;
        }

        if (Preferences.Has(request, Preferences.ReturnMinimal))
        {
            response.Headers[Preferences.PreferenceAppliedHeader] = Preferences.ReturnMinimal;
            response.Headers["OData-EntityId"] = link;
            response.Headers["OData-Version"] = "4.0";
            response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        if (Preferences.Has(request, Preferences.ReturnRepresentation))
        {
            response.Headers[Preferences.PreferenceAppliedHeader] = Preferences.ReturnRepresentation;
        }

        if (entity is CredentialUserRegistrationsSummary summary && SummaryJson.CanWrite(request))
        {
            response.StatusCode = statusCode;
            await SummaryJson.WriteEntityAsync(context.HttpContext, summary);
            return;
        }

        await new ObjectResult(entity) { StatusCode = statusCode }.ExecuteResultAsync(context);
    }

    /// <summary>The absolute URL of one summary under the service root the request came in on.</summary>
    public static string EntityLink(HttpRequest request, string id)
    {
        var prefix = request.ODataFeature().RoutePrefix ?? GraphEdmModel.RoutePrefixes[0];
        return $"{request.Scheme}://{request.Host}{request.PathBase}/{prefix}/{GraphEdmModel.EntitySetName}/{Uri.EscapeDataString(id)}";
    }
}
