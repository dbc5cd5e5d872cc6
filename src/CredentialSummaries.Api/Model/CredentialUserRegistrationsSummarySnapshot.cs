namespace CredentialSummaries.Api.Model;

/// <summary>
/// <c>microsoft.graph.managedTenants.credentialUserRegistrationsSummarySnapshot</c>: the counts of one summary as one
/// create or update left them, kept for trends. Read-only; written by the service with every write of a summary.
/// </summary>
public sealed class CredentialUserRegistrationsSummarySnapshot : Entity
{
    /// <summary>The managing tenant that owns the summary. Never part of the EDM.</summary>
    public string OwnerTenantId { get; set; } = string.Empty;

    /// <summary>The id of the summary this is a snapshot of.</summary>
    public string SummaryId { get; set; } = string.Empty;

    public string TenantId { get; set; } = string.Empty;

    public string TenantDisplayName { get; set; } = string.Empty;

    public string? TenantLicenseType { get; set; }

    public int MfaAndSsprCapableUserCount { get; set; }

    public int SsprEnabledUserCount { get; set; }

    public int MfaRegisteredUserCount { get; set; }

    public int SsprRegisteredUserCount { get; set; }

    public int MfaExcludedUserCount { get; set; }

    public int TotalUserCount { get; set; }

    public bool SecurityDefaultsEnabled { get; set; }

    public string? MfaConditionalAccessPolicyState { get; set; }

    /// <summary>The summary's <c>lastRefreshedDateTime</c>: when the counts were taken (UTC).</summary>
    public DateTime LastRefreshedDateTime { get; set; }

    /// <summary>When the service stored the write that made this snapshot (UTC): what retention counts from.</summary>
    public DateTime RecordedDateTime { get; set; }

    /// <summary>The calendar month of <see cref="LastRefreshedDateTime"/>, <c>yyyy-MM</c> (UTC): what trends group by.</summary>
    public string Month { get; set; } = string.Empty;

    /// <summary><c>mfaRegisteredUserCount ÷ totalUserCount</c>, 0 when the tenant has no users.</summary>
    public double MfaRegisteredShare { get; set; }

    /// <summary><c>ssprRegisteredUserCount ÷ totalUserCount</c>, 0 when the tenant has no users.</summary>
    public double SsprRegisteredShare { get; set; }

    /// <summary>
    /// <see cref="MfaRegisteredShare"/> of this owner's latest snapshot of the same <c>tenantId</c> in an earlier month;
    /// null when there is none. "Dropped since last month" is a comparison of two columns of one row.
    /// </summary>
    public double? PreviousMonthMfaRegisteredShare { get; set; }

    /// <summary>The owner's change version of the write (<see cref="OwnerChangeCounter"/>). Never part of the EDM.</summary>
    public long ChangeVersion { get; set; }

    public static string MonthOf(DateTime utc) => utc.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

    public static double Share(int count, int total) => total > 0 ? (double)count / total : 0d;

    public static CredentialUserRegistrationsSummarySnapshot Of(CredentialUserRegistrationsSummary summary, DateTime recordedUtc) => new()
    {
        Id = Guid.NewGuid().ToString(),
        OwnerTenantId = summary.OwnerTenantId,
        SummaryId = summary.Id,
        TenantId = summary.TenantId,
        TenantDisplayName = summary.TenantDisplayName,
        TenantLicenseType = summary.TenantLicenseType,
        MfaAndSsprCapableUserCount = summary.MfaAndSsprCapableUserCount,
        SsprEnabledUserCount = summary.SsprEnabledUserCount,
        MfaRegisteredUserCount = summary.MfaRegisteredUserCount,
        SsprRegisteredUserCount = summary.SsprRegisteredUserCount,
        MfaExcludedUserCount = summary.MfaExcludedUserCount,
        TotalUserCount = summary.TotalUserCount,
        SecurityDefaultsEnabled = summary.SecurityDefaultsEnabled,
        MfaConditionalAccessPolicyState = summary.MfaConditionalAccessPolicyState,
        LastRefreshedDateTime = summary.LastRefreshedDateTime,
        RecordedDateTime = recordedUtc,
        Month = MonthOf(summary.LastRefreshedDateTime),
        MfaRegisteredShare = Share(summary.MfaRegisteredUserCount, summary.TotalUserCount),
        SsprRegisteredShare = Share(summary.SsprRegisteredUserCount, summary.TotalUserCount),
        ChangeVersion = summary.ChangeVersion,
    };
}
