using CredentialSummaries.Api.Model;
using CredentialSummaries.Api.Validation;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CredentialSummaries.Api.Persistence.EntityConfigurations;

public sealed class CredentialUserRegistrationsSummaryConfiguration : IEntityTypeConfiguration<CredentialUserRegistrationsSummary>
{
    public void Configure(EntityTypeBuilder<CredentialUserRegistrationsSummary> builder)
    {
        builder.ToTable("CredentialUserRegistrationsSummaries");

        // Ids are unique per owner, not globally: a create that collides with another tenant's id must succeed,
        // or the 409 would reveal that the other tenant's row exists.
        builder.HasKey(s => new { s.OwnerTenantId, s.Id });

        builder.Property(s => s.OwnerTenantId).HasMaxLength(36);
        builder.Property(s => s.Id).HasMaxLength(SummaryRules.MaxIdLength);
        builder.Property(s => s.TenantId).HasMaxLength(36).IsRequired();
        builder.Property(s => s.TenantDisplayName).HasMaxLength(SummaryRules.MaxDisplayNameLength).IsRequired();
        builder.Property(s => s.TenantLicenseType).HasMaxLength(SummaryRules.MaxShortTextLength);
        builder.Property(s => s.MfaConditionalAccessPolicyState).HasMaxLength(SummaryRules.MaxShortTextLength);

        // Stored as UTC DateTime so that every provider compares and sorts it in SQL; read back as UTC.
        builder.Property(s => s.LastRefreshedDateTime).HasConversion(UtcDateTime.Converter);

        // Every UPDATE and DELETE carries "WHERE ConcurrencyStamp = <the stamp read>", so a write based on a stale
        // read fails instead of overwriting; SummariesDbContext gives each write a new stamp.
        builder.Property(s => s.ConcurrencyStamp).HasMaxLength(32).IsRequired().IsConcurrencyToken();

        // Delta queries: the owner's rows changed after a version.
        builder.HasIndex(s => new { s.OwnerTenantId, s.ChangeVersion });

        builder.HasIndex(s => new { s.OwnerTenantId, s.TenantId }).IsUnique();
        builder.HasIndex(s => new { s.OwnerTenantId, s.TenantDisplayName });
        builder.HasIndex(s => new { s.OwnerTenantId, s.LastRefreshedDateTime });
    }
}
