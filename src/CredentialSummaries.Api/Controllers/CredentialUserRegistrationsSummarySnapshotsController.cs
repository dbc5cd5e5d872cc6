using CredentialSummaries.Api.Graph;
using CredentialSummaries.Api.Identity;
using CredentialSummaries.Api.Model;
using CredentialSummaries.Api.Persistence;
using CredentialSummaries.Api.Query;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Routing.Controllers;

namespace CredentialSummaries.Api.Controllers;

/// <summary>
/// <c>…/tenantRelationships/managedTenants/credentialUserRegistrationsSummarySnapshots</c>: the history of every
/// summary, read-only (GET only; any other method is a 405 in Graph's error shape with <c>Allow: GET</c>, from routing
/// or, for the <c>('{id}')</c> form, from <see cref="SnapshotWriteRefusal"/>). The list takes the
/// list's query options and <c>$apply</c>, all run in SQL, with the list's paging and opaque <c>$skiptoken</c>.
/// </summary>
public sealed class CredentialUserRegistrationsSummarySnapshotsController(HistoryStore store) : ODataController
{
    [Authorize(Policy = GraphPermissions.ReadPolicy)]
    // $search is the summaries' (tenantDisplayName); here $filter=contains(tenantDisplayName,'…') says the same.
    [PagedQuery(AllowedQueryOptions = AllowedQueryOptions.All & ~AllowedQueryOptions.Search)]
    public IQueryable<CredentialUserRegistrationsSummarySnapshot> Get() => store.Query();

    [Authorize(Policy = GraphPermissions.ReadPolicy)]
    [EnableQuery]
    public async Task<IActionResult> Get(string key, CancellationToken cancellationToken) =>
        await store.FindAsync(key, cancellationToken) is { } snapshot
            ? Ok(snapshot)
            : new GraphErrorResult(GraphError.NotFound($"No credentialUserRegistrationsSummarySnapshot with id '{key}' was found."));
}
