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
        catch (DbUpdateException e) when (db.ViolatedUniqueKey(e) is { } columns)
        {
            // The owner leads every key, so the other column names the key that was taken.
            db.ChangeTracker.Clear();
            return columns.Contains(nameof(CredentialUserRegistrationsSummary.TenantId)) ? AddOutcome.TenantIdConflict : AddOutcome.IdConflict;
        }
    }

    /// <summary>
    /// Reads the row, lets <paramref name="change"/> decide and change it, and writes it only if nobody wrote it in
    /// between (the UPDATE carries the concurrency stamp that was read). Readers never wait for writers. A write that
    /// lost such a race is retried on the fresh row when <paramref name="retryWhenOvertaken"/> (a PATCH without
    /// If-Match), and reported as <see cref="UpdateOutcome.Overtaken"/> otherwise (its ETag is stale now).
    /// The row is read untracked and written by one UPDATE of every column (<see cref="SummaryUpdate"/>): EF Core's
    /// change tracking and SaveChanges pipeline were a third of a PATCH's CPU, for a statement that never varies.
    /// </summary>
    public async Task<(UpdateOutcome Outcome, CredentialUserRegistrationsSummary? Summary)> UpdateAsync(
        string id, Func<CredentialUserRegistrationsSummary, bool> change, bool retryWhenOvertaken, CancellationToken cancellationToken)
    {
        var owner = db.OwnerTenantId
            ?? throw new InvalidOperationException("The store has no owner tenant; writes need an authenticated caller.");
        var update = SummaryUpdate.For(db);
        for (var attempt = 1; ; attempt++)
        {
            var summary = await FindAsync(id, cancellationToken);
            if (summary is null)
            {
                return (UpdateOutcome.NotFound, null);
            }

            var readStamp = summary.ConcurrencyStamp;
            if (!change(summary))
            {
                return (UpdateOutcome.Refused, summary);
            }

            summary.ConcurrencyStamp = CredentialUserRegistrationsSummary.NewConcurrencyStamp();
            if (await db.Database.ExecuteSqlRawAsync(update.Sql, update.Parameters(summary, owner, readStamp), cancellationToken) == 1)
            {
                return (UpdateOutcome.Updated, summary);
            }

            if (!retryWhenOvertaken || attempt == MaxUpdateAttempts)
            {
                return (UpdateOutcome.Overtaken, null);
            }
        }
    }

    private const int MaxUpdateAttempts = 10;

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
