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

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfiguration(new CredentialUserRegistrationsSummaryConfiguration());
        modelBuilder.Entity<CredentialUserRegistrationsSummary>().HasQueryFilter(s => s.OwnerTenantId == OwnerTenantId);
    }
}

/// <summary>The embedded default: one SQLite file in WAL mode.</summary>
public sealed class SqliteSummariesDbContext(DbContextOptions<SqliteSummariesDbContext> options) : SummariesDbContext(options);
