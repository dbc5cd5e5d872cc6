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

    /// <summary>
    /// Begins a read-modify-write: the read and the write see one state, and concurrent writers wait for each other
    /// (on SQLite the transaction starts IMMEDIATE, taking the write lock before the read). Joins a transaction that
    /// is already open (a batch change set) instead of starting its own.
    /// </summary>
    public async Task<StoreWrite> BeginWriteAsync(CancellationToken cancellationToken) =>
        db.Database.CurrentTransaction is null
            ? new StoreWrite(await db.Database.BeginTransactionAsync(cancellationToken))
            : new StoreWrite(null);

    /// <summary>Deletes the row if it exists and, when <paramref name="ifMatchStamps"/> is given, still has one of those stamps.</summary>
    public async Task<DeleteOutcome> DeleteAsync(string id, IReadOnlyCollection<string> ifMatchStamps, CancellationToken cancellationToken)
    {
        var rows = db.Summaries.Where(s => s.Id == id);
        if (ifMatchStamps.Count > 0 && !ifMatchStamps.Contains("*"))
        {
            if (await rows.Where(s => ifMatchStamps.Contains(s.ConcurrencyStamp)).ExecuteDeleteAsync(cancellationToken) > 0)
            {
                return DeleteOutcome.Deleted;
            }

            return await rows.AnyAsync(cancellationToken) ? DeleteOutcome.PreconditionFailed : DeleteOutcome.NotFound;
        }

        return await rows.ExecuteDeleteAsync(cancellationToken) > 0 ? DeleteOutcome.Deleted : DeleteOutcome.NotFound;
    }

}

public enum DeleteOutcome
{
    Deleted,
    NotFound,
    PreconditionFailed,
}

/// <summary>A write begun by <see cref="SummaryStore.BeginWriteAsync"/>; disposing it uncommitted rolls it back.</summary>
public sealed class StoreWrite(Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction? ownTransaction) : IAsyncDisposable
{
    public Task CommitAsync(CancellationToken cancellationToken) =>
        ownTransaction?.CommitAsync(cancellationToken) ?? Task.CompletedTask;

    public ValueTask DisposeAsync() => ownTransaction?.DisposeAsync() ?? ValueTask.CompletedTask;
}
