using CredentialSummaries.Api.Model;
using CredentialSummaries.Api.Persistence;
using Microsoft.EntityFrameworkCore;

namespace CredentialSummaries.Api.Collection;

/// <summary>
/// Which instance collects which tenant: a row per managed tenant (<see cref="TenantCollectionStatus"/>) whose lease an
/// instance takes with one conditional UPDATE — only when no other instance holds it and the tenant is due (its last
/// attempt ended before the round's due time) — so that the instances of a deployment collect each tenant once per
/// round, on either store. An instance that dies leaves its lease to expire; the tenant's summary is written in one
/// transaction at the end, so nothing half-collected is ever stored, and the next round takes the tenant over.
/// </summary>
public sealed class CollectionLeases(SummariesDbContext db, TimeProvider clock)
{
    /// <summary>Takes <paramref name="tenant"/> for <paramref name="holder"/> until <paramref name="leaseDuration"/> from now, if it is due and free.</summary>
    public async Task<bool> TryTakeAsync(ManagedTenant tenant, string holder, DateTime dueBefore, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        await EnsureRowAsync(tenant, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + leaseDuration;
        var taken = await db.CollectionStatuses
            .Where(s => s.Id == tenant.TenantId
                && (s.LeaseExpiresDateTime == null || s.LeaseExpiresDateTime < now)
                && (s.LastCompletedDateTime == null || s.LastCompletedDateTime < dueBefore))
            .ExecuteUpdateAsync(set => set
                .SetProperty(s => s.LeaseHolder, holder)
                .SetProperty(s => s.LeaseExpiresDateTime, until)
                .SetProperty(s => s.LastAttemptDateTime, now)
                .SetProperty(s => s.LastOutcome, CollectionOutcomes.Running), cancellationToken);
        return taken == 1;
    }

    /// <summary>Records how the attempt ended and gives the lease back (only the holder's own).</summary>
    public Task CompleteAsync(TenantRoundResult result, string holder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        var now = clock.GetUtcNow().UtcDateTime;
        var collected = result.Outcome == TenantRoundOutcome.Collected;
        DateTime? collectedAt = collected ? now : null;
        int? users = collected ? result.Counts?.TotalUserCount : null;
        var name = result.DisplayName;
        return db.CollectionStatuses
            .Where(s => s.Id == result.TenantId && s.LeaseHolder == holder)
            .ExecuteUpdateAsync(set => set
                .SetProperty(s => s.TenantDisplayName, s => name ?? s.TenantDisplayName)
                .SetProperty(s => s.LastCompletedDateTime, now)
                .SetProperty(s => s.LastCollectedDateTime, s => collectedAt ?? s.LastCollectedDateTime)
                .SetProperty(s => s.LastOutcome, collected ? CollectionOutcomes.Collected : CollectionOutcomes.Skipped)
                .SetProperty(s => s.LastErrorCode, result.ErrorCode)
                .SetProperty(s => s.LastErrorMessage, result.ErrorMessage)
                .SetProperty(s => s.LastDurationMilliseconds, (long)result.Duration.TotalMilliseconds)
                .SetProperty(s => s.LastUserCount, s => users ?? s.LastUserCount)
                .SetProperty(s => s.LeaseHolder, (string?)null)
                .SetProperty(s => s.LeaseExpiresDateTime, (DateTime?)null), cancellationToken);
    }

    private async Task EnsureRowAsync(ManagedTenant tenant, CancellationToken cancellationToken)
    {
        if (await db.CollectionStatuses.AsNoTracking().AnyAsync(s => s.Id == tenant.TenantId, cancellationToken))
        {
            return;
        }

        db.CollectionStatuses.Add(new TenantCollectionStatus
        {
            OwnerTenantId = db.OwnerTenantId!,
            Id = tenant.TenantId,
            TenantId = tenant.TenantId,
            TenantDisplayName = tenant.DisplayName,
            LastOutcome = CollectionOutcomes.Skipped,
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another instance made the row first: the lease is what decides.
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }
}
