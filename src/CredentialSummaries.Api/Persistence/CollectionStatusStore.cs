using CredentialSummaries.Api.Model;
using Microsoft.EntityFrameworkCore;

namespace CredentialSummaries.Api.Persistence;

/// <summary>
/// The built-in collector's last round per managed tenant, read-only: what <c>Collection/CollectionLeases</c> records.
/// Confined to the owner by the context's query filter, like the summaries; the owner is the collector's
/// <c>Collection:OwnerTenantId</c>, so other callers see an empty set.
/// </summary>
public sealed class CollectionStatusStore(SummariesDbContext db)
{
    public IQueryable<TenantCollectionStatus> Query() => db.CollectionStatuses.AsNoTracking();

    public Task<TenantCollectionStatus?> FindAsync(string id, CancellationToken cancellationToken) =>
        db.CollectionStatuses.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
}
