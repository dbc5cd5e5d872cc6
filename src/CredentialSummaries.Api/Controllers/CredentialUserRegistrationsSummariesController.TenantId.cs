using CredentialSummaries.Api.Edm;
using CredentialSummaries.Api.Graph;
using CredentialSummaries.Api.Identity;
using CredentialSummaries.Api.Model;
using CredentialSummaries.Api.Persistence;
using CredentialSummaries.Api.Validation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OData.Deltas;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.Net.Http.Headers;

namespace CredentialSummaries.Api.Controllers;

/// <summary>
/// <c>…/credentialUserRegistrationsSummaries(tenantId='{guid}')</c>: the summary of one managed tenant by its
/// alternate key (<c>Core.AlternateKeys</c> in <c>$metadata</c>), confined to the owner like every other address. A
/// PATCH with <c>Prefer: create-if-missing</c> is Graph's upsert: a collector's one idempotent call per tenant.
/// </summary>
public sealed partial class CredentialUserRegistrationsSummariesController
{
    private const string ByTenantId = GraphEdmModel.EntitySetName + "(" + GraphEdmModel.TenantIdKey + "={tenantId})";

    [Authorize(Policy = GraphPermissions.ReadPolicy)]
    [EnableQuery]
    [HttpGet(GraphEdmModel.V1Prefix + "/" + ByTenantId)]
    [HttpGet(GraphEdmModel.BetaPrefix + "/" + ByTenantId)]
    public async Task<IActionResult> GetByTenantId(string? tenantId, CancellationToken cancellationToken)
    {
        if (TenantKey(tenantId) is not { } key)
        {
            return InvalidTenantKey(tenantId);
        }

        return await store.FindByTenantIdAsync(key, cancellationToken) is { } summary ? Found(summary) : TenantNotFound(key);
    }

    /// <summary>
    /// Updates the tenant's summary; with <c>Prefer: create-if-missing</c> creates it when the owner has none (201 and
    /// <c>Location</c>). Concurrent upserts of one tenant take turns on the owner's change counter, so exactly one of
    /// them creates the row and the others update it: never a 409 for the tenantId, never a 5xx.
    /// </summary>
    [Authorize(Policy = GraphPermissions.WritePolicy)]
    [HttpPatch(GraphEdmModel.V1Prefix + "/" + ByTenantId)]
    [HttpPatch(GraphEdmModel.BetaPrefix + "/" + ByTenantId)]
    public async Task<IActionResult> PatchByTenantId(string? tenantId, [FromBody] Delta<CredentialUserRegistrationsSummary> body, CancellationToken cancellationToken)
    {
        if (TenantKey(tenantId) is not { } key)
        {
            return InvalidTenantKey(tenantId);
        }

        // The body may repeat the key's tenantId, never name another one.
        var problems = BodyProblems;
        if (body.GetChangedPropertyNames().Contains(nameof(CredentialUserRegistrationsSummary.TenantId))
            && body.TryGetPropertyValue(nameof(CredentialUserRegistrationsSummary.TenantId), out var sent)
            && SummaryRules.NormalizeGuid(sent as string) != key)
        {
            problems = [.. problems, new RuleViolation(RuleCodes.Immutable, "tenantId",
                $"Property 'tenantId' must be the key's tenantId '{key}' or be left out; got \"{SummaryRules.Echo(sent as string ?? "null")}\".")];
        }

        IActionResult? refusal = null;
        bool Change(CredentialUserRegistrationsSummary stored) => (refusal = Refuse(stored, body, stored.Id, problems)) is null;

        if (!Preferences.Has(Request, Preferences.CreateIfMissing))
        {
            var (outcome, updated) = await store.UpdateAsync(() => store.FindByTenantIdAsync(key, cancellationToken), Change, cancellationToken);
            return outcome switch
            {
                UpdateOutcome.Updated => EntityResult.Updated(updated!, updated!.Id, updated.ConcurrencyStamp),
                UpdateOutcome.Refused => refusal!,
                UpdateOutcome.NotFound when problems.Count > 0 => new GraphErrorResult(problems.ToGraphError()),
                UpdateOutcome.NotFound => TenantNotFound(key),
                _ => SummaryConflict($"The credentialUserRegistrationsSummary of tenantId '{key}' changed while this update was applied; send it again."),
            };
        }

        CredentialUserRegistrationsSummary? Create()
        {
            // "Only if it exists" (If-Match) cannot hold for a summary that does not; a body with problems is a 400 first, as on update.
            if (problems.Count == 0 && Request.Headers.ContainsKey(HeaderNames.IfMatch))
            {
                refusal = new GraphErrorResult(TenantPreconditionFailed(key));
                return null;
            }

            body.TrySetPropertyValue(nameof(CredentialUserRegistrationsSummary.TenantId), key);
            if (SummaryRules.ApplyCreate(body, problems, clock.GetUtcNow().UtcDateTime, out var created) is { Count: > 0 } violations)
            {
                refusal = new GraphErrorResult(violations.ToGraphError());
                return null;
            }

            return created;
        }

        var (upserted, summary) = await store.UpsertByTenantIdAsync(key, Change, Create, cancellationToken);
        return upserted switch
        {
            UpsertOutcome.Created => EntityResult.Created(summary!, summary!.Id, summary.ConcurrencyStamp),
            UpsertOutcome.Updated => EntityResult.Updated(summary!, summary!.Id, summary.ConcurrencyStamp),
            UpsertOutcome.IdConflict => SummaryConflict($"A credentialUserRegistrationsSummary with id '{summary!.Id}' already exists; leave 'id' out to let the service choose one."),
            _ => refusal!,
        };
    }

    [Authorize(Policy = GraphPermissions.WritePolicy)]
    [HttpDelete(GraphEdmModel.V1Prefix + "/" + ByTenantId)]
    [HttpDelete(GraphEdmModel.BetaPrefix + "/" + ByTenantId)]
    public async Task<IActionResult> DeleteByTenantId(string? tenantId, CancellationToken cancellationToken)
    {
        if (TenantKey(tenantId) is not { } key)
        {
            return InvalidTenantKey(tenantId);
        }

        if (Request.Headers.ContainsKey(HeaderNames.IfNoneMatch)
            && await store.FindByTenantIdAsync(key, cancellationToken) is { } current
            && EntityTags.IfNoneMatchHits(Request, current.ConcurrencyStamp))
        {
            return new GraphErrorResult(TenantPreconditionFailed(key));
        }

        return await store.DeleteByTenantIdAsync(key, EntityTags.IfMatchValues(Request), cancellationToken) switch
        {
            DeleteOutcome.Deleted => NoContent(),
            DeleteOutcome.PreconditionFailed => new GraphErrorResult(TenantPreconditionFailed(key)),
            _ => TenantNotFound(key),
        };
    }

    /// <summary>The key's GUID in the stored form; the route value arrives without its quotes (<c>'…'</c>) or with them.</summary>
    private static string? TenantKey(string? tenantId) => SummaryRules.NormalizeGuid(tenantId?.Trim('\''));

    private static GraphErrorResult InvalidTenantKey(string? tenantId) => new(GraphError.BadRequest(
        $"The key tenantId must be a GUID in quotes, as in credentialUserRegistrationsSummaries(tenantId='00000000-0000-0000-0000-000000000000'); got \"{SummaryRules.Echo(tenantId ?? string.Empty)}\"."));

    private static GraphErrorResult TenantNotFound(string tenantId) =>
        new(GraphError.NotFound($"No credentialUserRegistrationsSummary with tenantId '{tenantId}' was found."));

    private static GraphError TenantPreconditionFailed(string tenantId) => new(StatusCodes.Status412PreconditionFailed, "PreconditionFailed",
        $"The credentialUserRegistrationsSummary of tenantId '{tenantId}' does not meet the request's 'If-Match' or 'If-None-Match' precondition; GET it for the current ETag.");
}
