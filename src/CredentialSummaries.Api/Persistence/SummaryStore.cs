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
public sealed class SummaryStore(SummariesDbContext db, TimeProvider clock)
{
    /// <summary>The owner's rows as an untracked query, for OData to compose into SQL.</summary>
    public IQueryable<CredentialUserRegistrationsSummary> Query() => db.Summaries.AsNoTracking();

    /// <summary>
    /// One summary by id, untracked, through a compiled query: the hottest read skips EF Core's query-cache lookup
    /// (hashing the LINQ tree on every call).
    /// </summary>
    public Task<CredentialUserRegistrationsSummary?> FindAsync(string id, CancellationToken cancellationToken) =>
        ById(tracked: false)(db, id, cancellationToken);

    // One compiled query per context type (each store has its own model) and tracking; the owner's query filter is in it.
    private Func<SummariesDbContext, string, CancellationToken, Task<CredentialUserRegistrationsSummary?>> ById(bool tracked) =>
        CompiledById.GetOrAdd((db.GetType(), tracked), static key => key.Tracked
            ? EF.CompileAsyncQuery((SummariesDbContext context, string id, CancellationToken _) => context.Summaries.FirstOrDefault(s => s.Id == id))
            : EF.CompileAsyncQuery((SummariesDbContext context, string id, CancellationToken _) => context.Summaries.AsNoTracking().FirstOrDefault(s => s.Id == id)));

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(Type Context, bool Tracked),
        Func<SummariesDbContext, string, CancellationToken, Task<CredentialUserRegistrationsSummary?>>> CompiledById = new();

    /// <summary>
    /// Stores a new summary, with its snapshot, under the owner's next change version; a taken id or tenantId is
    /// reported, nothing stored.
    /// </summary>
    public Task<AddOutcome> AddAsync(CredentialUserRegistrationsSummary summary, CancellationToken cancellationToken) =>
        WriteAsync(async (owner, version) =>
        {
            summary.OwnerTenantId = owner;
            summary.ChangeVersion = version;
            db.Summaries.Add(summary);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException e) when (db.ViolatedUniqueKey(e) is { } columns)
            {
                // The owner leads every key, so the other column names the key that was taken.
                db.ChangeTracker.Clear();
                return (false, columns.Contains(nameof(CredentialUserRegistrationsSummary.TenantId)) ? AddOutcome.TenantIdConflict : AddOutcome.IdConflict);
            }

            db.ChangeTracker.Clear();
            await ChangeLog.RecordSnapshotAsync(db, CredentialUserRegistrationsSummarySnapshot.Of(summary, clock.GetUtcNow().UtcDateTime), cancellationToken);
            return (true, AddOutcome.Added);
        }, cancellationToken);

    /// <summary>
    /// Reads the row and lets <paramref name="change"/> decide and change it, then writes it with its snapshot, all in
    /// one transaction that holds the owner's change counter (<see cref="ChangeLog.NextVersionSql"/>): the owner's
    /// writes take turns, so the row read is the row written over, and concurrent updates never overtake each other.
    /// Readers never wait for writers. The row is read untracked and written by one UPDATE of every column
    /// (<see cref="SummaryUpdate"/>): EF Core's change tracking and SaveChanges pipeline were a third of a PATCH's CPU,
    /// for a statement that never varies.
    /// </summary>
    public Task<(UpdateOutcome Outcome, CredentialUserRegistrationsSummary? Summary)> UpdateAsync(
        string id, Func<CredentialUserRegistrationsSummary, bool> change, CancellationToken cancellationToken) =>
        UpdateAsync(() => FindAsync(id, cancellationToken), change, cancellationToken);

    /// <summary>
    /// The summary of <paramref name="tenantId"/> updated by <paramref name="change"/>, or, when the owner has none,
    /// created by <paramref name="create"/>: one transaction holding the owner's change counter, so that concurrent
    /// upserts of one tenant take turns and exactly one of them creates the row.
    /// </summary>
    public Task<(UpsertOutcome Outcome, CredentialUserRegistrationsSummary? Summary)> UpsertByTenantIdAsync(
        string tenantId,
        Func<CredentialUserRegistrationsSummary, bool> change,
        Func<CredentialUserRegistrationsSummary?> create,
        CancellationToken cancellationToken) =>
        WriteAsync<(UpsertOutcome, CredentialUserRegistrationsSummary?)>(async (owner, version) =>
        {
            if (await FindByTenantIdAsync(tenantId, cancellationToken) is { } stored)
            {
                var (outcome, updated) = await ApplyUpdateAsync(stored, change, owner, version, cancellationToken);
                return (outcome == UpdateOutcome.Updated, (outcome == UpdateOutcome.Updated ? UpsertOutcome.Updated : UpsertOutcome.Refused, updated));
            }

            if (create() is not { } summary)
            {
                return (false, (UpsertOutcome.Refused, null));
            }

            summary.OwnerTenantId = owner;
            summary.ChangeVersion = version;
            db.Summaries.Add(summary);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException e) when (db.ViolatedUniqueKey(e) is not null)
            {
                // Only the id can be taken here (the tenant had no row while the counter was held).
                db.ChangeTracker.Clear();
                return (false, (UpsertOutcome.IdConflict, summary));
            }

            db.ChangeTracker.Clear();
            await ChangeLog.RecordSnapshotAsync(db, CredentialUserRegistrationsSummarySnapshot.Of(summary, clock.GetUtcNow().UtcDateTime), cancellationToken);
            return (true, (UpsertOutcome.Created, summary));
        }, cancellationToken);

    /// <summary>One summary by its tenantId (the alternate key), untracked.</summary>
    public Task<CredentialUserRegistrationsSummary?> FindByTenantIdAsync(string tenantId, CancellationToken cancellationToken) =>
        CompiledByTenantId.GetOrAdd(db.GetType(), static _ => EF.CompileAsyncQuery((SummariesDbContext context, string tenantId, CancellationToken _) =>
            context.Summaries.AsNoTracking().FirstOrDefault(s => s.TenantId == tenantId)))(db, tenantId, cancellationToken);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type,
        Func<SummariesDbContext, string, CancellationToken, Task<CredentialUserRegistrationsSummary?>>> CompiledByTenantId = new();

    /// <summary>As <see cref="UpdateAsync(string, Func{CredentialUserRegistrationsSummary, bool}, CancellationToken)"/>, the row found by <paramref name="find"/>.</summary>
    public Task<(UpdateOutcome Outcome, CredentialUserRegistrationsSummary? Summary)> UpdateAsync(
        Func<Task<CredentialUserRegistrationsSummary?>> find, Func<CredentialUserRegistrationsSummary, bool> change, CancellationToken cancellationToken) =>
        WriteAsync<(UpdateOutcome, CredentialUserRegistrationsSummary?)>(async (owner, version) =>
        {
            if (await find() is not { } stored)
            {
                return (false, (UpdateOutcome.NotFound, null));
            }

            var result = await ApplyUpdateAsync(stored, change, owner, version, cancellationToken);
            return (result.Outcome == UpdateOutcome.Updated, result);
        }, cancellationToken);

    private async Task<(UpdateOutcome Outcome, CredentialUserRegistrationsSummary Summary)> ApplyUpdateAsync(
        CredentialUserRegistrationsSummary summary, Func<CredentialUserRegistrationsSummary, bool> change, string owner, long version,
        CancellationToken cancellationToken)
    {
        var readStamp = summary.ConcurrencyStamp;
        if (!change(summary))
        {
            return (UpdateOutcome.Refused, summary);
        }

        summary.ConcurrencyStamp = CredentialUserRegistrationsSummary.NewConcurrencyStamp();
        summary.ChangeVersion = version;
        var update = SummaryUpdate.For(db);
        // The stamp still guards the write: a writer that did not take the owner's counter would be caught here.
        if (await db.Database.ExecuteSqlRawAsync(update.Sql, update.Parameters(summary, owner, readStamp), cancellationToken) != 1)
        {
            return (UpdateOutcome.Overtaken, summary);
        }

        await ChangeLog.RecordSnapshotAsync(db, CredentialUserRegistrationsSummarySnapshot.Of(summary, clock.GetUtcNow().UtcDateTime), cancellationToken);
        return (UpdateOutcome.Updated, summary);
    }

    /// <summary>Deletes the row if it exists and, when <paramref name="ifMatchStamps"/> is given, still has one of those stamps; a tombstone remembers it for delta queries.</summary>
    public Task<DeleteOutcome> DeleteAsync(string id, IReadOnlyCollection<string> ifMatchStamps, CancellationToken cancellationToken) =>
        DeleteAsync(db.Summaries.Where(s => s.Id == id), ifMatchStamps, cancellationToken);

    /// <summary>As <see cref="DeleteAsync(string, IReadOnlyCollection{string}, CancellationToken)"/>, the row of <paramref name="tenantId"/>.</summary>
    public Task<DeleteOutcome> DeleteByTenantIdAsync(string tenantId, IReadOnlyCollection<string> ifMatchStamps, CancellationToken cancellationToken) =>
        DeleteAsync(db.Summaries.Where(s => s.TenantId == tenantId), ifMatchStamps, cancellationToken);

    private Task<DeleteOutcome> DeleteAsync(IQueryable<CredentialUserRegistrationsSummary> rows, IReadOnlyCollection<string> ifMatchStamps, CancellationToken cancellationToken) =>
        WriteAsync(async (owner, version) =>
        {
            if (await rows.Select(s => new { s.Id, s.ConcurrencyStamp }).FirstOrDefaultAsync(cancellationToken) is not { } current)
            {
                return (false, DeleteOutcome.NotFound);
            }

            if (ifMatchStamps.Count > 0 && !ifMatchStamps.Contains("*") && !ifMatchStamps.Contains(current.ConcurrencyStamp))
            {
                return (false, DeleteOutcome.PreconditionFailed);
            }

            await db.Summaries.Where(s => s.Id == current.Id).ExecuteDeleteAsync(cancellationToken);
            await ChangeLog.RecordTombstoneAsync(db, owner, current.Id, version, clock.GetUtcNow().UtcDateTime, cancellationToken);
            return (true, DeleteOutcome.Deleted);
        }, cancellationToken);

    /// <summary>
    /// The owner's last committed change version (0 before its first write). The owner's writes commit in version
    /// order, so every change up to it is visible to the queries that follow: a delta round's base.
    /// </summary>
    public Task<long> CurrentChangeVersionAsync(CancellationToken cancellationToken) =>
        db.ChangeCounters.AsNoTracking().Select(c => c.Version).FirstOrDefaultAsync(cancellationToken);

    /// <summary>The owner's deleted summaries still remembered, as an untracked query.</summary>
    public IQueryable<SummaryTombstone> Tombstones() => db.Tombstones.AsNoTracking();

    /// <summary>
    /// Runs <paramref name="write"/> in a transaction that first takes the owner's next change version, which locks
    /// the owner's counter until the end: the owner's writes take turns and commit in version order. It commits when
    /// <paramref name="write"/> says so and rolls back otherwise. Inside an OData change set the change set's
    /// transaction is used, and committing or rolling back is the change set's to do.
    /// </summary>
    private async Task<T> WriteAsync<T>(Func<string, long, Task<(bool Commit, T Result)>> write, CancellationToken cancellationToken)
    {
        var owner = db.OwnerTenantId
            ?? throw new InvalidOperationException("The store has no owner tenant; writes need an authenticated caller.");
        if (db.Database.CurrentTransaction is not null)
        {
            return (await write(owner, await ChangeLog.NextVersionAsync(db, owner, cancellationToken))).Result;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (commit, result) = await write(owner, await ChangeLog.NextVersionAsync(db, owner, cancellationToken));
        if (commit)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        return result;
    }
}

public enum UpsertOutcome
{
    Created,
    Updated,

    /// <summary>The change or create function declined (a rule or a precondition failed); nothing was written.</summary>
    Refused,

    /// <summary>The create's id is another summary's.</summary>
    IdConflict,
}

public enum UpdateOutcome
{
    Updated,
    NotFound,

    /// <summary>The change function declined (a rule or a precondition failed); nothing was written.</summary>
    Refused,

    /// <summary>Another write landed between this one's read and its write.</summary>
    Overtaken,
}

public enum DeleteOutcome
{
    Deleted,
    NotFound,
    PreconditionFailed,
}
