using CredentialSummaries.Api.Model;
using Microsoft.EntityFrameworkCore;

namespace CredentialSummaries.Api.Persistence;

public enum AddOutcome
{
    Added,
    IdConflict,
    TenantIdConflict,
}

/// <summary>Reads and writes the current owner's summaries; the owner comes from the context's query filter.</summary>
public sealed class SummaryStore(SummariesDbContext db)
{
    /// <summary>The owner's rows as an untracked query, for OData to compose into SQL.</summary>
    public IQueryable<CredentialUserRegistrationsSummary> Query() => db.Summaries.AsNoTracking();

    public Task<CredentialUserRegistrationsSummary?> FindAsync(string id, CancellationToken cancellationToken) =>
        db.Summaries.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);

    /// <summary>A tracked row: change it, then call <see cref="SaveAsync"/>.</summary>
    public Task<CredentialUserRegistrationsSummary?> FindForUpdateAsync(string id, CancellationToken cancellationToken) =>
        db.Summaries.FirstOrDefaultAsync(s => s.Id == id, cancellationToken);

    public async Task<AddOutcome> AddAsync(CredentialUserRegistrationsSummary summary, CancellationToken cancellationToken)
    {
        summary.OwnerTenantId = db.OwnerTenantId
            ?? throw new InvalidOperationException("The store has no owner tenant; writes need an authenticated caller.");
        db.Summaries.Add(summary);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return AddOutcome.Added;
        }
        catch (DbUpdateException)
        {
            // Ask which unique key was hit instead of parsing provider-specific error codes.
            db.ChangeTracker.Clear();
            if (await db.Summaries.AnyAsync(s => s.Id == summary.Id, cancellationToken))
            {
                return AddOutcome.IdConflict;
            }

            if (await db.Summaries.AnyAsync(s => s.TenantId == summary.TenantId, cancellationToken))
            {
                return AddOutcome.TenantIdConflict;
            }

            throw;
        }
    }

    public Task SaveAsync(CancellationToken cancellationToken) => db.SaveChangesAsync(cancellationToken);

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) =>
        await db.Summaries.Where(s => s.Id == id).ExecuteDeleteAsync(cancellationToken) > 0;
}
