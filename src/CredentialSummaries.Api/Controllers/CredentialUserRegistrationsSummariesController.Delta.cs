using CredentialSummaries.Api.Edm;
using CredentialSummaries.Api.Graph;
using CredentialSummaries.Api.Identity;
using CredentialSummaries.Api.Model;
using CredentialSummaries.Api.Persistence;
using CredentialSummaries.Api.Query;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OData.Extensions;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Query.Validator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;

namespace CredentialSummaries.Api.Controllers;

/// <summary>
/// Graph's delta query, <c>…/credentialUserRegistrationsSummaries/delta()</c>. The initial round pages through every
/// summary of the owner, ordered by id; its last page carries a <c>@odata.deltaLink</c> holding the owner's change
/// version read before the first page. Following that link reports what was written since (the summaries as they are
/// now) and then what was deleted since (<c>@removed</c>), paged the same way, and ends with the next delta link.
/// A summary may be reported twice across rounds; none is missed, because an owner's writes commit in version order.
/// </summary>
public sealed partial class CredentialUserRegistrationsSummariesController
{
    private const string DeltaTokenOption = "deltatoken";
    private const string SkipTokenOption = "skiptoken";
    private const string SelectOption = "select";
    private const string FilterOption = "filter";
    private const string LatestDeltaToken = "latest";
    private const string StartAgain = "start a new delta round with delta()";

    // What Graph allows on delta; every other system query option is refused by name.
    private static readonly string[] UnsupportedOnDelta =
        ["orderby", "top", "skip", "count", "expand", "search", "apply", "compute", "index", "levels", "schemaversion"];

    // OData's operation convention matches the function's name case-sensitively.
    [Authorize(Policy = GraphPermissions.ReadPolicy)]
    [HttpGet]
    [ActionName(GraphEdmModel.DeltaFunctionName)]
    public async Task<IActionResult> Delta(CancellationToken cancellationToken)
    {
        var services = HttpContext.RequestServices;
        var owner = HttpContextOwnerTenantAccessor.FromPrincipal(User);
        if (owner is null)
        {
            return new GraphErrorResult(GraphError.ForStatus(StatusCodes.Status403Forbidden, Request));
        }

        if (!AcceptsJson(Request))
        {
            return new GraphErrorResult(GraphError.ForStatus(StatusCodes.Status406NotAcceptable, Request));
        }

        if (ReadDeltaOptions(Request) is not { } options)
        {
            return new GraphErrorResult(GraphError.BadRequest("A query option is given more than once."));
        }

        if (UnsupportedOnDelta.FirstOrDefault(options.ContainsKey) is { } unsupported)
        {
            return new GraphErrorResult(GraphError.BadRequest(
                $"The query option '${unsupported}' is not supported on delta; a delta query accepts $select, $filter, $skiptoken and $deltatoken."));
        }

        options.TryGetValue(SkipTokenOption, out var skipToken);
        options.TryGetValue(DeltaTokenOption, out var deltaToken);
        options.TryGetValue(SelectOption, out var select);
        options.TryGetValue(FilterOption, out var filter);
        if (skipToken is not null && deltaToken is not null)
        {
            return new GraphErrorResult(GraphError.BadRequest($"A delta request has either a $skiptoken or a $deltatoken, not both; follow @odata.nextLink or @odata.deltaLink as it is, or {StartAgain}."));
        }

        var tokens = services.GetRequiredService<DeltaTokens>();
        var retention = services.GetRequiredService<IOptions<RetentionOptions>>().Value;
        var now = clock.GetUtcNow();
        var preferredPageSize = PreferredPageSize(Request, out var preference);
        var latest = string.Equals(deltaToken, LatestDeltaToken, StringComparison.OrdinalIgnoreCase);

        DeltaState? state = null;
        if ((latest ? null : skipToken ?? deltaToken) is { } token)
        {
            var isDelta = deltaToken is not null;
            state = tokens.TryOpen(owner, token);
            if (state is null || state.IsDeltaToken != isDelta)
            {
                return new GraphErrorResult(GraphError.BadRequest(
                    $"The {(isDelta ? "$deltatoken" : "$skiptoken")} is not one this service issued for this caller; follow @odata.nextLink or @odata.deltaLink as it is, or {StartAgain}."));
            }

            if (state.NeedsTombstones && now - state.SinceTime > TimeSpan.FromDays(retention.DeltaTokenDays))
            {
                return new GraphErrorResult(new GraphError(StatusCodes.Status410Gone, "syncStateNotFound",
                    $"The sync state generation is not found. The delta token is expired and data must be synchronized again: {StartAgain}."));
            }

            // The round's options are in its token; sent again they must be the same.
            if ((select is not null && select != state.Select) || (filter is not null && filter != state.Filter))
            {
                return new GraphErrorResult(GraphError.BadRequest(
                    $"$select and $filter are fixed for a delta round by its first request; follow @odata.nextLink or @odata.deltaLink as it is, or {StartAgain} to change them."));
            }

            select = state.Select;
            filter = state.Filter;
        }

        var model = Request.GetModel();
        var entitySet = model.EntityContainer.FindEntitySet(GraphEdmModel.EntitySetName);
        if (ParseSelect(entitySet.EntityType, select) is not { } selection)
        {
            return new GraphErrorResult(GraphError.BadRequest(
                $"The query option '$select' is invalid: '{select}' names a property that the type '{GraphEdmModel.SummaryFullTypeName}' does not have."));
        }

        FilterQueryOption? filterOption;
        try
        {
            filterOption = Filter(model, entitySet, filter);
        }
        catch (Exception ex) when (QueryFaults.Explain(ex) is { } reason)
        {
            return new GraphErrorResult(GraphError.BadRequest($"The query option '$filter' is invalid: {reason}"));
        }

        var pageSize = preferredPageSize ?? state?.PageSize ?? SummaryQueryLimits.PageSize;
        if (state is null || state.IsDeltaToken)
        {
            // A new round: the owner's version now is the next round's base; every change after it is seen then.
            var version = await store.CurrentChangeVersionAsync(cancellationToken);
            state = state is null
                ? new DeltaState
                {
                    Owner = owner,
                    Phase = latest ? DeltaPhase.Changed : DeltaPhase.All,
                    Since = version,
                    SinceTime = now,
                    Next = version,
                    NextTime = now,
                    Select = select,
                    Filter = filter,
                    PageSize = pageSize,
                }
                : state with { IsDeltaToken = false, Phase = DeltaPhase.Changed, LastId = null, Next = version, NextTime = now, PageSize = pageSize };
        }
        else
        {
            state = state with { PageSize = pageSize };
        }

        if (preference is not null)
        {
            Response.Headers.Append(Preferences.PreferenceAppliedHeader, $"{preference}={pageSize}");
        }

        var root = Request.CreateODataLink();
        var contextUrl = root + "/$metadata#" + GraphEdmModel.EntitySetName
            + (selection.Count > 0 ? "(" + string.Join(',', selection) + ")" : string.Empty);
        var link = root + "/" + GraphEdmModel.EntitySetName + "/" + GraphEdmModel.DeltaFunctionName + "()";
        var selected = selection.Count > 0 ? selection.Append("id").ToHashSet(StringComparer.Ordinal) : null;

        if (latest)
        {
            // Graph's "sync from now": nothing of the past, and a delta link for what comes next.
            var sealedLatest = tokens.Seal(state with { IsDeltaToken = true, Phase = DeltaPhase.Changed, LastId = null });
            return new DeltaPageResult(new DeltaPage(contextUrl, [], selected, null, $"{link}?$deltatoken={sealedLatest}"));
        }

        List<DeltaEntry> entries;
        DeltaState? next;
        try
        {
            (entries, next) = await ReadDeltaPageAsync(state, filterOption, cancellationToken);
        }
        catch (Exception ex) when (QueryFaults.Explain(ex) is { } reason)
        {
            return new GraphErrorResult(GraphError.BadRequest($"The query cannot be run: the query option '$filter' {reason}."));
        }

        var page = next is not null
            ? new DeltaPage(contextUrl, entries, selected, $"{link}?$skiptoken={tokens.Seal(next)}", null)
            : new DeltaPage(contextUrl, entries, selected, null, $"{link}?$deltatoken={tokens.Seal(state with
            {
                IsDeltaToken = true,
                Phase = DeltaPhase.Changed,
                LastId = null,
                Since = state.Next,
                SinceTime = state.NextTime,
            })}");
        return new DeltaPageResult(page);
    }

    /// <summary>
    /// One page of the round from <paramref name="state"/>'s cursor: up to its page size of entries, crossing from the
    /// changed rows to the deleted ids when the first run out, and the state of the next page (null on the last).
    /// </summary>
    private async Task<(List<DeltaEntry> Entries, DeltaState? Next)> ReadDeltaPageAsync(
        DeltaState state, FilterQueryOption? filter, CancellationToken cancellationToken)
    {
        var entries = new List<DeltaEntry>(state.PageSize);
        var phase = state.Phase;
        var after = state.LastId;
        while (true)
        {
            var room = state.PageSize - entries.Count;
            List<DeltaEntry> found = phase switch
            {
                DeltaPhase.All => [.. (await Rows(ApplyFilter(store.Query(), filter), after, room + 1).ToListAsync(cancellationToken)).Select(DeltaEntry.Current)],
                DeltaPhase.Changed => await ChangedAsync(state.Since, filter, after, room + 1, cancellationToken),
                _ => [.. (await DeletedIds(state.Since, after, room + 1).ToListAsync(cancellationToken)).Select(id => DeltaEntry.Removal(id, DeltaEntry.Deleted))],
            };

            if (found.Count > room)
            {
                // More in this phase than the page holds: the next page starts after the last one written.
                entries.AddRange(found.Take(room));
                return (entries, state with { Phase = phase, LastId = room > 0 ? entries[^1].Id : after });
            }

            entries.AddRange(found);
            if (phase != DeltaPhase.Changed)
            {
                return (entries, null);
            }

            phase = DeltaPhase.Deleted;
            after = null;
        }
    }

    /// <summary>The rows written after <paramref name="since"/>, as they are now; those outside the filter as <c>@removed changed</c>.</summary>
    private async Task<List<DeltaEntry>> ChangedAsync(long since, FilterQueryOption? filter, string? after, int take, CancellationToken cancellationToken)
    {
        var rows = await Rows(store.Query().Where(s => s.ChangeVersion > since), after, take).ToListAsync(cancellationToken);
        if (filter is null || rows.Count == 0)
        {
            return [.. rows.Select(DeltaEntry.Current)];
        }

        var ids = rows.Select(r => r.Id).ToList();
        var matching = (await ApplyFilter(store.Query().Where(s => ids.Contains(s.Id)), filter).Select(s => s.Id).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);
        return [.. rows.Select(r => matching.Contains(r.Id) ? DeltaEntry.Current(r) : DeltaEntry.Removal(r.Id, DeltaEntry.Changed))];
    }

    /// <summary>The ids deleted after <paramref name="since"/> that have no row now (a row again is reported as changed).</summary>
    private IQueryable<string> DeletedIds(long since, string? after, int take)
    {
        var summaries = store.Query();
        var deleted = store.Tombstones().Where(t => t.ChangeVersion > since && !summaries.Any(s => s.Id == t.Id));
        if (after is not null)
        {
            deleted = deleted.Where(t => string.Compare(t.Id, after) > 0);
        }

        return deleted.OrderBy(t => t.Id).Select(t => t.Id).Take(take);
    }

    private static IQueryable<CredentialUserRegistrationsSummary> Rows(IQueryable<CredentialUserRegistrationsSummary> rows, string? after, int take) =>
        (after is null ? rows : rows.Where(s => string.Compare(s.Id, after) > 0)).OrderBy(s => s.Id).Take(take);

    private static IQueryable<CredentialUserRegistrationsSummary> ApplyFilter(IQueryable<CredentialUserRegistrationsSummary> rows, FilterQueryOption? filter) =>
        filter is null
            ? rows
            : (IQueryable<CredentialUserRegistrationsSummary>)filter.ApplyTo(rows, new ODataQuerySettings { TimeZone = TimeZoneInfo.Utc, HandleNullPropagation = HandleNullPropagationOption.False });

    /// <summary>
    /// <paramref name="filter"/> parsed and validated as the list does it (the route's resolver and binders, the default
    /// validation limits), to be applied to EF Core queries and so run in SQL.
    /// </summary>
    private FilterQueryOption? Filter(IEdmModel model, IEdmEntitySet entitySet, string? filter)
    {
        if (filter is null)
        {
            return null;
        }

        // The request's own query options give the context the route's services (resolver, binders, query settings).
        var context = new ODataQueryOptions<CredentialUserRegistrationsSummary>(
            new ODataQueryContext(model, typeof(CredentialUserRegistrationsSummary), new ODataPath(new EntitySetSegment(entitySet))), Request).Context;
        var parser = new ODataQueryOptionParser(model, entitySet.EntityType, entitySet, new Dictionary<string, string> { ["$filter"] = filter })
        {
            Resolver = Request.GetRouteServices().GetRequiredService<ODataUriResolver>(),
        };
        var option = new FilterQueryOption(filter, context, parser);
        option.Validate(new ODataValidationSettings());
        return option;
    }

    /// <returns>The selected properties in the EDM's spelling (empty for all), or null when one is not a property.</returns>
    private static List<string>? ParseSelect(IEdmEntityType type, string? select)
    {
        var selection = new List<string>();
        if (string.IsNullOrWhiteSpace(select))
        {
            return select is null ? selection : null;
        }

        foreach (var name in select.Split(',', StringSplitOptions.TrimEntries))
        {
            if (name == "*")
            {
                return [];
            }

            // Graph reads property names in any case.
            var property = type.StructuralProperties().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                return null;
            }

            if (!selection.Contains(property.Name))
            {
                selection.Add(property.Name);
            }
        }

        return selection;
    }

    /// <summary>
    /// The request's query options by name, lower case without '$' (Graph accepts both spellings and any case);
    /// null when one is given twice.
    /// </summary>
    private static Dictionary<string, string>? ReadDeltaOptions(HttpRequest request)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, values) in request.Query)
        {
            var name = (key.StartsWith('$') ? key[1..] : key).ToLowerInvariant();
            if (values.Count != 1 || !options.TryAdd(name, values[0] ?? string.Empty))
            {
                return null;
            }
        }

        return options;
    }

    /// <summary>The page size the client prefers (<c>odata.maxpagesize</c>, or <c>maxpagesize</c> which wins), within the list's.</summary>
    private static int? PreferredPageSize(HttpRequest request, out string? preference)
    {
        preference = Preferences.TryGetInt(request, "maxpagesize", out var preferred) ? "maxpagesize"
            : Preferences.TryGetInt(request, "odata.maxpagesize", out preferred) ? "odata.maxpagesize"
            : null;
        if (preference is null || preferred <= 0)
        {
            preference = null;
            return null;
        }

        return Math.Min(preferred, SummaryQueryLimits.PageSize);
    }

    private static bool AcceptsJson(HttpRequest request)
    {
        var ranges = request.Headers.Accept.SelectMany(a => (a ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        return ranges.Count == 0 || ranges.Any(r =>
        {
            var mediaType = r.Split(';', 2)[0].Trim();
            return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                || mediaType.Equals("application/*", StringComparison.OrdinalIgnoreCase)
                || mediaType == "*/*";
        });
    }
}
