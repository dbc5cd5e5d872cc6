using CredentialSummaries.Api.Graph;
using CredentialSummaries.Api.Model;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.OData.Extensions;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Query.Container;
using Microsoft.OData;

namespace CredentialSummaries.Api.Query;

/// <summary>
/// <c>[EnableQuery]</c> for collections with the service's paging: pages of <see cref="SummaryQueryLimits.PageSize"/>
/// (smaller when the client sends <c>Prefer: odata.maxpagesize</c>, confirmed by <c>Preference-Applied</c>), and
/// next links carrying a keyset <c>$skiptoken</c> on the current order plus the key (enabled in AddGraphOData),
/// so that page 1,000 costs what page 1 costs.
/// A query the service cannot run is a 400 that names the option, decided before the first byte is written: aliases
/// are checked with the other validation, the page and <c>$count</c> are run before serialization starts, and the
/// answer is serialized into memory (see <see cref="BufferedQueryResult"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PagedQueryAttribute : EnableQueryAttribute
{
    private const string MaxPageSize = "odata.maxpagesize";
    private const string UnprefixedMaxPageSize = "maxpagesize";

    // The options that decide the shape of each row of the answer, and so can make it unwritable.
    private static readonly string[] ShapingOptions = ["$apply", "$compute", "$select"];

    public PagedQueryAttribute()
    {
        PageSize = SummaryQueryLimits.PageSize;
        MaxTop = SummaryQueryLimits.MaxTop;
    }

    protected override ODataQueryOptions CreateQueryOptionsOnExecuting(ActionExecutingContext actionExecutingContext)
    {
        ArgumentNullException.ThrowIfNull(actionExecutingContext);
        try
        {
            return base.CreateQueryOptionsOnExecuting(actionExecutingContext);
        }
        catch (ArgumentException ex) when (ex is not ArgumentOutOfRangeException)
        {
            // OData refuses some options with no value ($skiptoken=) with an ArgumentException, which it would let through as a 500.
            var empty = actionExecutingContext.HttpContext.Request.Query.Where(q => string.IsNullOrEmpty(q.Value.ToString())).Select(q => q.Key).FirstOrDefault();
            throw new ODataException(empty is null
                ? "The query options could not be read."
                : $"Query option '{OptionName(empty)}' is invalid: it has no value.", ex);
        }
    }

    public override void ValidateQuery(HttpRequest request, ODataQueryOptions queryOptions)
    {
        try
        {
            base.ValidateQuery(request, queryOptions);
            QueryAliases.Validate(queryOptions);
        }
        catch (ArgumentException ex)
        {
            // ODataLib's binder throws ArgumentExceptions for some malformed expressions (isof with a non-type); still the query's fault.
            throw new ODataException(QueryOptionDiagnostics.Explain(request, "The query cannot be run: it cannot be evaluated as written."), ex);
        }
    }

    /// <summary>Runs the page (and <c>$count</c>) now, so that a query the store cannot run fails here, as a 400.</summary>
    public override IQueryable ApplyQuery(IQueryable queryable, ODataQueryOptions queryOptions)
    {
        ArgumentNullException.ThrowIfNull(queryOptions);
        try
        {
            var result = base.ApplyQuery(queryable, queryOptions);
            // $count=true is counted lazily by default, while the response is written; count it with the page.
            _ = queryOptions.Request.ODataFeature().TotalCount;
            return result;
        }
        catch (Exception ex) when (QueryFaults.Explain(ex) is { } reason)
        {
            // EnableQuery answers an ODataException with a 400; GraphErrorResultFilter gives it Graph's shape.
            if (ex is ODataException)
            {
                throw;
            }

            var present = PresentOptions(queryOptions.Request).ToArray();
            var option = present.Length == 1 ? present[0] : QueryFaults.Locate(queryable, queryOptions);
            throw new ODataException(QueryFaults.Describe(option, reason, present), ex);
        }
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
        var pageSize = name is not null && preferred > 0 ? Math.Min(preferred, PageSize) : PageSize;

        if (actionExecutedContext.Result is ObjectResult { StatusCode: null or < 300 } answer)
        {
            var shaping = PresentOptions(request).Where(o => ShapingOptions.Contains(o)).ToArray();
            // A last page of whole entities in the default shape is written directly. Projections, aggregates, special
            // formats, and pages with a next link (its keyset $skiptoken comes from OData's serializer) go through OData.
            IActionResult page = answer.Value is IEnumerable<CredentialUserRegistrationsSummary> rows
                && IsLastPage(answer.Value, request, pageSize) && SummaryJson.CanWritePage(request)
                ? new SummaryPageResult(rows)
                : answer;
            actionExecutedContext.Result = new BufferedQueryResult(page, shaping);
        }

        if (name is not null && preferred > 0)
        {
            actionExecutedContext.HttpContext.Response.Headers.Append(Preferences.PreferenceAppliedHeader, $"{name}={pageSize}");
        }
    }

    /// <summary>
    /// Whether OData's paging left no next page: it cut the rows at the page size and found no more (a truncated
    /// collection that is not truncated), or a <c>$top</c> within the page size asked for no more than a page.
    /// </summary>
    private static bool IsLastPage(object? value, HttpRequest request, int pageSize) =>
        request.ODataFeature().NextLink is null
        && (value is ITruncatedCollection { IsTruncated: false }
            || (value is not ITruncatedCollection
                && int.TryParse(request.Query["$top"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var top)
                && top <= pageSize));

    /// <summary>The system query options of the request, as '$name' in lower case, whatever way they were sent.</summary>
    private static IEnumerable<string> PresentOptions(HttpRequest request) =>
        request.Query.Keys.Select(OptionName).Where(IsSystemOption).Distinct();

    private static string OptionName(string key) => (key.StartsWith('$') ? key : "$" + key).ToLowerInvariant();

    private static bool IsSystemOption(string name) => name is "$filter" or "$orderby" or "$select" or "$expand" or "$apply"
        or "$compute" or "$search" or "$count" or "$top" or "$skip" or "$skiptoken";
}
