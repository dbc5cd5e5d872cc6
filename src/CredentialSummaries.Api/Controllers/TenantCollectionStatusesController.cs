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
/// <c>…/tenantRelationships/managedTenants/tenantCollectionStatuses</c>: how the built-in collector last fared with each
/// managed tenant (when, outcome, error code, duration), keyed by the tenant's id; read-only like the history.
/// </summary>
public sealed class TenantCollectionStatusesController(CollectionStatusStore store) : ODataController
{
    [Authorize(Policy = GraphPermissions.ReadPolicy)]
    [PagedQuery(AllowedQueryOptions = AllowedQueryOptions.All & ~AllowedQueryOptions.Search & ~AllowedQueryOptions.Apply & ~AllowedQueryOptions.Compute)]
    public IQueryable<TenantCollectionStatus> Get() => store.Query();

    [Authorize(Policy = GraphPermissions.ReadPolicy)]
    [EnableQuery]
    public async Task<IActionResult> Get(string key, CancellationToken cancellationToken) =>
        await store.FindAsync(key, cancellationToken) is { } status
            ? Ok(status)
            : new GraphErrorResult(GraphError.NotFound($"No tenantCollectionStatus with id '{key}' was found."));
}
