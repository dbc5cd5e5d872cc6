using CredentialSummaries.Api.Model;
using CredentialSummaries.Api.Persistence.EntityConfigurations;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace CredentialSummaries.Api.Persistence;

/// <summary>
/// The provider-neutral store. Every query is confined to <see cref="OwnerTenantId"/> by a query filter, so a
/// caller can never read, count, change or delete another managing tenant's rows; a context with no owner sees
/// nothing. Each provider derives its own context so that it can keep its own migrations.
/// It also keeps the ASP.NET Core Data Protection key ring (which seals <c>$skiptoken</c>s), so that the keys survive
/// restarts and every instance on one database shares them.
/// </summary>
public abstract class SummariesDbContext(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    /// <summary>The managing tenant this context acts for; set when the context is handed to a request.</summary>
    public string? OwnerTenantId { get; set; }

    public DbSet<CredentialUserRegistrationsSummary> Summaries => Set<CredentialUserRegistrationsSummary>();

    /// <summary>The owner's history of counts, one row per write of a summary.</summary>
    public DbSet<CredentialUserRegistrationsSummarySnapshot> Snapshots => Set<CredentialUserRegistrationsSummarySnapshot>();

    /// <summary>The owner's deleted summaries, for delta queries.</summary>
    public DbSet<SummaryTombstone> Tombstones => Set<SummaryTombstone>();

    public DbSet<OwnerChangeCounter> ChangeCounters => Set<OwnerChangeCounter>();

    /// <summary>The owner's managed tenants as the built-in collector last saw them, with each one's lease.</summary>
    public DbSet<TenantCollectionStatus> CollectionStatuses => Set<TenantCollectionStatus>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        foreach (var entry in ChangeTracker.Entries<CredentialUserRegistrationsSummary>())
        {
            if (entry.State is EntityState.Added or EntityState.Modified)
            {
                entry.Entity.ConcurrencyStamp = CredentialUserRegistrationsSummary.NewConcurrencyStamp();
            }
        }

        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>
    /// The columns of the summaries' unique key (primary key or unique index) that <paramref name="exception"/> reports
    /// as violated, read from the provider's own error; null when the failure is no such violation. Each provider
    /// answers from the exception alone, because a transaction (an OData change set) on PostgreSQL accepts no further
    /// query after an error, so the store cannot ask the database which key was taken.
    /// </summary>
    public abstract IReadOnlyCollection<string>? ViolatedUniqueKey(DbUpdateException exception);

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfiguration(new CredentialUserRegistrationsSummaryConfiguration());
        modelBuilder.ApplyConfiguration(new CredentialUserRegistrationsSummarySnapshotConfiguration());
        modelBuilder.ApplyConfiguration(new SummaryTombstoneConfiguration());
        modelBuilder.ApplyConfiguration(new OwnerChangeCounterConfiguration());
        modelBuilder.ApplyConfiguration(new TenantCollectionStatusConfiguration());
        modelBuilder.Entity<CredentialUserRegistrationsSummary>().HasQueryFilter(s => s.OwnerTenantId == OwnerTenantId);
        modelBuilder.Entity<CredentialUserRegistrationsSummarySnapshot>().HasQueryFilter(s => s.OwnerTenantId == OwnerTenantId);
        modelBuilder.Entity<SummaryTombstone>().HasQueryFilter(t => t.OwnerTenantId == OwnerTenantId);
        modelBuilder.Entity<OwnerChangeCounter>().HasQueryFilter(c => c.OwnerTenantId == OwnerTenantId);
        modelBuilder.Entity<TenantCollectionStatus>().HasQueryFilter(c => c.OwnerTenantId == OwnerTenantId);
    }
}

/// <summary>
/// Hands out the running provider's context as the provider-neutral <see cref="SummariesDbContext"/>, so that nothing
/// outside <c>Persistence/</c> (Data Protection included) needs to know which store runs.
/// </summary>
internal sealed class SummariesDbContextFactory<TContext>(IDbContextFactory<TContext> contexts) : IDbContextFactory<SummariesDbContext>
    where TContext : SummariesDbContext
{
    public SummariesDbContext CreateDbContext() => contexts.CreateDbContext();

    public async Task<SummariesDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
        await contexts.CreateDbContextAsync(cancellationToken);
}
