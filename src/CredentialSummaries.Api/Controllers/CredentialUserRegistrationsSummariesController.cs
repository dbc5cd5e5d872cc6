using CredentialSummaries.Api.Query;
using CredentialSummaries.Api.Graph;
using CredentialSummaries.Api.Identity;
using CredentialSummaries.Api.Model;
using CredentialSummaries.Api.Persistence;
using CredentialSummaries.Api.Validation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.OData.Deltas;
using Microsoft.AspNetCore.OData.Extensions;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Routing.Controllers;
using Microsoft.Net.Http.Headers;
using Microsoft.OData.UriParser;

namespace CredentialSummaries.Api.Controllers;

/// <summary>
/// <c>…/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries</c>: the two seed pages (Create,
/// Update) plus list, get and delete. Errors, headers, annotations and tenant confinement live elsewhere, once.
/// </summary>
public sealed partial class CredentialUserRegistrationsSummariesController(SummaryStore store, TimeProvider clock) : ODataController
{
    // The EDM's camelCase property names to the CLR getters, looked up once rather than reflected per request.
    private static readonly FrozenDictionary<string, Func<CredentialUserRegistrationsSummary, object?>> PropertyReaders =
        typeof(CredentialUserRegistrationsSummary).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .ToFrozenDictionary(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name), p => (Func<CredentialUserRegistrationsSummary, object?>)p.GetValue);

    [Authorize(Policy = GraphPermissions.ReadPolicy)]
    [PagedQuery]
    public IQueryable<CredentialUserRegistrationsSummary> Get() => store.Query();

    [Authorize(Policy = GraphPermissions.ReadPolicy)]
    [EnableQuery]
    public async Task<IActionResult> Get(string key, CancellationToken cancellationToken)
    {
        var summary = await store.FindAsync(key, cancellationToken);
        return summary is null ? SummaryNotFound(key) : Found(summary);
    }

    /// <summary>A GET's answer for a summary found: its ETag, 304 when the client's copy is current, else the entity.</summary>
    private IActionResult Found(CredentialUserRegistrationsSummary summary)
    {
        Response.Headers.ETag = EntityTags.Format(summary.ConcurrencyStamp);
        if (EntityTags.IfNoneMatchHits(Request, summary.ConcurrencyStamp))
        {
            return StatusCode(StatusCodes.Status304NotModified);
        }

        // The whole entity in the default shape, written directly; any query option or special Accept goes through OData.
        return SummaryJson.CanWrite(Request) ? new SummaryJsonResult(summary) : Ok(summary);
    }

    /// <summary><c>…/{id}/{property}</c> and <c>…/{id}/{property}/$value</c>, routed by <see cref="SummaryPropertyConvention"/>.</summary>
    [Authorize(Policy = GraphPermissions.ReadPolicy)]
    public async Task<IActionResult> GetProperty(string key, CancellationToken cancellationToken)
    {
        var summary = await store.FindAsync(key, cancellationToken);
        if (summary is null)
        {
            return SummaryNotFound(key);
        }

        var path = Request.ODataFeature().Path;
        var property = path.OfType<PropertySegment>().Single().Property;
        var value = PropertyReaders[property.Name](summary);
        Response.Headers.ETag = EntityTags.Format(summary.ConcurrencyStamp);
        return value switch
        {
            // OData: a null property is 204; its raw $value does not exist.
            null when path.LastSegment is ValueSegment => new GraphErrorResult(GraphError.NotFound($"Property '{property.Name}' of '{key}' is null; it has no raw value.")),
            null => NoContent(),
            _ => Ok(value),
        };
    }

    [Authorize(Policy = GraphPermissions.WritePolicy)]
    public async Task<IActionResult> Post([FromBody] Delta<CredentialUserRegistrationsSummary> body, CancellationToken cancellationToken)
    {
        if (SummaryRules.ApplyCreate(body, BodyProblems, clock.GetUtcNow().UtcDateTime, out var summary) is { Count: > 0 } violations)
        {
            return new GraphErrorResult(violations.ToGraphError());
        }

        return await store.AddAsync(summary, cancellationToken) switch
        {
            AddOutcome.IdConflict => SummaryConflict($"A credentialUserRegistrationsSummary with id '{summary.Id}' already exists."),
            AddOutcome.TenantIdConflict => SummaryConflict(
                $"A credentialUserRegistrationsSummary for tenantId '{summary.TenantId}' already exists; update it with PATCH instead."),
            _ => EntityResult.Created(summary, summary.Id, summary.ConcurrencyStamp),
        };
    }

    [Authorize(Policy = GraphPermissions.WritePolicy)]
    public async Task<IActionResult> Patch(string key, [FromBody] Delta<CredentialUserRegistrationsSummary> body, CancellationToken cancellationToken)
    {
        IActionResult? refusal = null;
        var problems = BodyProblems;
        var (outcome, summary) = await store.UpdateAsync(key, stored => (refusal = Refuse(stored, body, key, problems)) is null, cancellationToken);

        return outcome switch
        {
            UpdateOutcome.Updated => EntityResult.Updated(summary!, summary!.Id, summary.ConcurrencyStamp),
            UpdateOutcome.Refused => refusal!,
            // A body that is wrong whatever is stored is refused as such, also when nothing is.
            UpdateOutcome.NotFound when problems.Count > 0 => new GraphErrorResult(problems.ToGraphError()),
            UpdateOutcome.Overtaken when Request.Headers.ContainsKey(HeaderNames.IfMatch) => new GraphErrorResult(EntityTags.PreconditionFailed(key)),
            UpdateOutcome.Overtaken => SummaryConflict($"The credentialUserRegistrationsSummary '{key}' changed while this update was applied; send it again."),
            _ => SummaryNotFound(key),
        };
    }

    /// <summary>
    /// Applies a PATCH body to the stored row: null when it may be written, else the answer that refuses it. A body
    /// with problems of its own is a 400 listing them with every rule the merge breaks (an immutable tenantId, say),
    /// whatever the preconditions; otherwise a failed <c>If-Match</c>/<c>If-None-Match</c> is a 412, then the rules.
    /// </summary>
    private GraphErrorResult? Refuse(
        CredentialUserRegistrationsSummary stored, Delta<CredentialUserRegistrationsSummary> body, string key, IReadOnlyList<RuleViolation> problems) =>
        problems.Count == 0 && !EntityTags.PreconditionsAllow(Request, stored.ConcurrencyStamp)
            ? new GraphErrorResult(EntityTags.PreconditionFailed(key))
            : SummaryRules.ApplyUpdate(stored, body, problems, clock.GetUtcNow().UtcDateTime) is { Count: > 0 } violations
                ? new GraphErrorResult(violations.ToGraphError())
                : null;

    /// <summary>What the strict reading found wrong in this request's body (<see cref="ReadSummaryBody"/>).</summary>
    private IReadOnlyList<RuleViolation> BodyProblems => ReadSummaryBody.ProblemsOf(HttpContext);

    [Authorize(Policy = GraphPermissions.WritePolicy)]
    public async Task<IActionResult> Delete(string key, CancellationToken cancellationToken)
    {
        // "Delete unless it is still this version" is rare enough to pay for a read; If-Match is judged in the DELETE.
        if (Request.Headers.ContainsKey(HeaderNames.IfNoneMatch)
            && await store.FindAsync(key, cancellationToken) is { } current
            && EntityTags.IfNoneMatchHits(Request, current.ConcurrencyStamp))
        {
            return new GraphErrorResult(EntityTags.PreconditionFailed(key));
        }

        return await store.DeleteAsync(key, EntityTags.IfMatchValues(Request), cancellationToken) switch
        {
            DeleteOutcome.Deleted => NoContent(),
            DeleteOutcome.PreconditionFailed => new GraphErrorResult(EntityTags.PreconditionFailed(key)),
            _ => SummaryNotFound(key),
        };
    }

    private static GraphErrorResult SummaryNotFound(string key) =>
        new(GraphError.NotFound($"No credentialUserRegistrationsSummary with id '{key}' was found."));

    private static GraphErrorResult SummaryConflict(string message) => new(GraphError.Conflict(message));
}
