using Microsoft.EntityFrameworkCore.Storage;

namespace CredentialSummaries.Api.Persistence;

/// <summary>
/// The context one request works on. Normally the request's own, taken from the pool and returned when the request
/// ends; inside an OData change set, the change set's (see <see cref="ChangeSetTransaction"/>), borrowed for the
/// request and left open for the change set's next request.
/// </summary>
public sealed class SummariesDbContextLease : IDisposable, IAsyncDisposable
{
    private readonly bool owned;

    private SummariesDbContextLease(SummariesDbContext context, string? ownerTenantId, bool owned)
    {
        Context = context;
        Context.OwnerTenantId = ownerTenantId;
        this.owned = owned;
    }

    public SummariesDbContext Context { get; }

    public static SummariesDbContextLease Own(SummariesDbContext context, string? ownerTenantId) => new(context, ownerTenantId, owned: true);

    /// <summary>
    /// The change set's context, confined to this request's owner: the requests of one change set may carry
    /// different tokens, and nothing one request tracked is visible to the next.
    /// </summary>
    public static SummariesDbContextLease Borrow(SummariesDbContext context, string? ownerTenantId)
    {
        context.ChangeTracker.Clear();
        return new(context, ownerTenantId, owned: false);
    }

    public void Dispose()
    {
        if (owned)
        {
            Context.Dispose();
        }
    }

    public ValueTask DisposeAsync() => owned ? Context.DisposeAsync() : ValueTask.CompletedTask;
}

/// <summary>
/// One database transaction for the requests of an OData change set: each request of the change set works on this
/// transaction's context (through <see cref="AmbientChangeSet"/>), and the writes persist only if
/// <see cref="CommitAsync"/> is called once all of them succeeded; disposing it uncommitted rolls every one back.
/// Provider-neutral: it uses only EF Core's transaction API.
/// </summary>
public sealed class ChangeSetTransaction(SummariesDbContextLease lease) : IDisposable, IAsyncDisposable
{
    private IDbContextTransaction? transaction;

    public SummariesDbContext Context => lease.Context;

    public async Task BeginAsync(CancellationToken cancellationToken) =>
        transaction = await lease.Context.Database.BeginTransactionAsync(cancellationToken);

    public Task CommitAsync(CancellationToken cancellationToken) =>
        (transaction ?? throw new InvalidOperationException("The change set's transaction was never begun.")).CommitAsync(cancellationToken);

    public void Dispose() => transaction?.Dispose();

    public ValueTask DisposeAsync() => transaction?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>The change set the current request belongs to, if any; the batch handler sets it in the request's scope.</summary>
public sealed class AmbientChangeSet
{
    public ChangeSetTransaction? Current { get; set; }
}
