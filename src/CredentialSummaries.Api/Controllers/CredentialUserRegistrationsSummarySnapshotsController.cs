using CredentialSummaries.Api.Edm;
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
/// summary, read-only (GET only; any other method is a 405 in Graph's error shape with <c>Allow: GET</c>). The list takes the
/// list's query options and <c>$apply</c>, all run in SQL, with the list's paging and opaque <c>$skiptoken</c>.
/// </summary>
public sealed class CredentialUserRegistrationsSummarySnapshotsController(HistoryStore store) : ODataController
{
    private const string ByKey = GraphEdmModel.SnapshotEntitySetName + "({key})";

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

    /// <summary>
    /// A write to one snapshot addressed as <c>…Snapshots('{id}')</c>: the 405 that the <c>…Snapshots/{id}</c> form
    /// and the collection get from routing. Routing cannot give it here: its templates of the form <c>set({key})</c>
    /// are one complex segment, so it picks the summaries' PATCH or DELETE by method first, then drops them on their
    /// <c>credentialUserRegistrationsSummaries(</c> literal and finds nothing, a 404. Anonymous like routing's 405:
    /// the method is refused whoever asks.
    /// </summary>
    [AllowAnonymous]
    [AcceptVerbs("POST", "PUT", "PATCH", "DELETE", Route = GraphEdmModel.V1Prefix + "/" + ByKey)]
    [AcceptVerbs("POST", "PUT", "PATCH", "DELETE", Route = GraphEdmModel.BetaPrefix + "/" + ByKey)]
    public IActionResult WriteToSnapshot()
    {
        Response.Headers.Allow = HttpMethods.Get;
        return new GraphErrorResult(GraphError.ForStatus(StatusCodes.Status405MethodNotAllowed, Request));
    }
}
