using CredentialSummaries.Api.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CredentialSummaries.Api.Persistence.EntityConfigurations;

public sealed class OwnerChangeCounterConfiguration : IEntityTypeConfiguration<OwnerChangeCounter>
{
    public void Configure(EntityTypeBuilder<OwnerChangeCounter> builder)
    {
        builder.ToTable("OwnerChangeCounters");
        builder.HasKey(c => c.OwnerTenantId);
        builder.Property(c => c.OwnerTenantId).HasMaxLength(36);
    }
}

public sealed class SummaryTombstoneConfiguration : IEntityTypeConfiguration<SummaryTombstone>
{
    public void Configure(EntityTypeBuilder<SummaryTombstone> builder)
    {
        builder.ToTable("SummaryTombstones");
        // One per deleted id: a second delete of a re-created id moves its version forward.
        builder.HasKey(t => new { t.OwnerTenantId, t.Id });
        builder.Property(t => t.OwnerTenantId).HasMaxLength(36);
        builder.Property(t => t.Id).HasMaxLength(Validation.SummaryRules.MaxIdLength);
        builder.Property(t => t.DeletedDateTime).HasConversion(UtcDateTime.Converter);
        builder.HasIndex(t => new { t.OwnerTenantId, t.ChangeVersion });
        builder.HasIndex(t => t.DeletedDateTime);
    }
}

public sealed class CredentialUserRegistrationsSummarySnapshotConfiguration : IEntityTypeConfiguration<CredentialUserRegistrationsSummarySnapshot>
{
    public void Configure(EntityTypeBuilder<CredentialUserRegistrationsSummarySnapshot> builder)
    {
        builder.ToTable("CredentialUserRegistrationsSummarySnapshots");
        builder.HasKey(s => new { s.OwnerTenantId, s.Id });

        builder.Property(s => s.OwnerTenantId).HasMaxLength(36);
        builder.Property(s => s.Id).HasMaxLength(36);
        builder.Property(s => s.SummaryId).HasMaxLength(Validation.SummaryRules.MaxIdLength).IsRequired();
        builder.Property(s => s.TenantId).HasMaxLength(36).IsRequired();
        builder.Property(s => s.TenantDisplayName).HasMaxLength(Validation.SummaryRules.MaxDisplayNameLength).IsRequired();
        builder.Property(s => s.TenantLicenseType).HasMaxLength(Validation.SummaryRules.MaxShortTextLength);
        builder.Property(s => s.MfaConditionalAccessPolicyState).HasMaxLength(Validation.SummaryRules.MaxShortTextLength);
        builder.Property(s => s.Month).HasMaxLength(7).IsRequired();
        builder.Property(s => s.LastRefreshedDateTime).HasConversion(UtcDateTime.Converter);
        builder.Property(s => s.RecordedDateTime).HasConversion(UtcDateTime.Converter);

        // A tenant's trend; the month's tenants; the previous month's share of a tenant (the INSERT's subquery).
        builder.HasIndex(s => new { s.OwnerTenantId, s.TenantId, s.Month });
        builder.HasIndex(s => new { s.OwnerTenantId, s.Month });
        builder.HasIndex(s => new { s.OwnerTenantId, s.SummaryId });
        // Retention deletes by age across owners.
        builder.HasIndex(s => s.RecordedDateTime);
    }
}

/// <summary>Dates are stored as UTC <see cref="DateTime"/> on every provider and read back as UTC.</summary>
internal static class UtcDateTime
{
    public static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime, DateTime> Converter = new(
        value => value.Kind == DateTimeKind.Utc ? value : value.ToUniversalTime(),
        value => DateTime.SpecifyKind(value, DateTimeKind.Utc));

    public static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime?, DateTime?> NullableConverter = new(
        value => value == null ? null : value.Value.Kind == DateTimeKind.Utc ? value : value.Value.ToUniversalTime(),
        value => value == null ? null : DateTime.SpecifyKind(value.Value, DateTimeKind.Utc));
}

public sealed class TenantCollectionStatusConfiguration : IEntityTypeConfiguration<TenantCollectionStatus>
{
    public void Configure(EntityTypeBuilder<TenantCollectionStatus> builder)
    {
        builder.ToTable("TenantCollectionStatuses");
        builder.HasKey(s => new { s.OwnerTenantId, s.Id });
        builder.Property(s => s.OwnerTenantId).HasMaxLength(36);
        builder.Property(s => s.Id).HasMaxLength(36);
        builder.Property(s => s.TenantId).HasMaxLength(36).IsRequired();
        builder.Property(s => s.TenantDisplayName).HasMaxLength(Validation.SummaryRules.MaxDisplayNameLength);
        builder.Property(s => s.LastOutcome).HasMaxLength(16).IsRequired();
        builder.Property(s => s.LastErrorCode).HasMaxLength(64);
        builder.Property(s => s.LastErrorMessage).HasMaxLength(1024);
        builder.Property(s => s.LeaseHolder).HasMaxLength(128);
        builder.Property(s => s.LastAttemptDateTime).HasConversion(UtcDateTime.NullableConverter);
        builder.Property(s => s.LastCompletedDateTime).HasConversion(UtcDateTime.NullableConverter);
        builder.Property(s => s.LastCollectedDateTime).HasConversion(UtcDateTime.NullableConverter);
        builder.Property(s => s.LeaseExpiresDateTime).HasConversion(UtcDateTime.NullableConverter);
    }
}
