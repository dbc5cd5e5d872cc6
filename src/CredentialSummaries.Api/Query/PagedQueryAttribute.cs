using CredentialSummaries.Api.Graph;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.OData.Query;

namespace CredentialSummaries.Api.Query;

/// <summary>
/// <c>[EnableQuery]</c> for collections with the service's paging: pages of <see cref="SummaryQueryLimits.PageSize"/>
/// (smaller when the client sends <c>Prefer: odata.maxpagesize</c>, confirmed by <c>Preference-Applied</c>), and
/// next links carrying a keyset <c>$skiptoken</c> on the current order plus the key (enabled in AddGraphOData),
/// so that page 1,000 costs what page 1 costs.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PagedQueryAttribute : EnableQueryAttribute
{
    private const string MaxPageSize = "odata.maxpagesize";
    private const string UnprefixedMaxPageSize = "maxpagesize";

    public PagedQueryAttribute()
    {
        PageSize = SummaryQueryLimits.PageSize;
        MaxTop = SummaryQueryLimits.MaxTop;
    }

    public override void OnActionExecuted(ActionExecutedContext actionExecutedContext)
    {
        ArgumentNullException.ThrowIfNull(actionExecutedContext);
        base.OnActionExecuted(actionExecutedContext);
        var request = actionExecutedContext.HttpContext.Request;
        // OData 4.01 also has the preference without its prefix; the unprefixed one wins, as in OData's own reading.
        var name = Preferences.TryGetInt(request, UnprefixedMaxPageSize, out var preferred) ? UnprefixedMaxPageSize
            : Preferences.TryGetInt(request, MaxPageSize, out preferred) ? MaxPageSize
            : null;
        if (name is not null && preferred > 0)
        {
            actionExecutedContext.HttpContext.Response.Headers.Append(
                Preferences.PreferenceAppliedHeader, $"{name}={Math.Min(preferred, PageSize)}");
        }
    }
}
