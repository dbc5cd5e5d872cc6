using CredentialSummaries.Api.Model;
using Microsoft.EntityFrameworkCore;

namespace CredentialSummaries.Api.Persistence;

/// <summary>
/// The caller's history of counts, read-only: the snapshots every create and update of a summary recorded
/// (<see cref="ChangeLog"/>). Confined to the owner by the context's query filter, like the summaries.
/// </summary>
public sealed class HistoryStore(SummariesDbContext db)
{
    /// <summary>The owner's snapshots, untracked, for OData to compose into one SQL statement.</summary>
    public IQueryable<CredentialUserRegistrationsSummarySnapshot> Query() => db.Snapshots.AsNoTracking();

    public Task<CredentialUserRegistrationsSummarySnapshot?> FindAsync(string id, CancellationToken cancellationToken) =>
        db.Snapshots.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
}
