namespace CredentialSummaries.Api.Model;

/// <summary>
/// <c>microsoft.graph.managedTenants.credentialUserRegistrationsSummary</c>: one managed tenant's MFA and SSPR
/// registration counts. JSON names are the camelCase of these properties.
/// </summary>
public sealed class CredentialUserRegistrationsSummary : Entity
{
    /// <summary>The managing tenant (the caller's <c>tid</c>) that owns this row. Never part of the EDM.</summary>
    public string OwnerTenantId { get; set; } = string.Empty;

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

    /// <summary>
    /// Kept as a UTC <see cref="DateTime"/> so every provider can compare and sort it in SQL; the EDM still
    /// declares <c>Edm.DateTimeOffset</c> and OData writes it with <c>Z</c> (ODataOptions.TimeZone is UTC).
    /// </summary>
    public DateTime LastRefreshedDateTime { get; set; }

    /// <summary>
    /// Changed by every write; the entity's ETag (<c>@odata.etag</c>, <c>ETag</c>) and the optimistic-concurrency check
    /// of <c>If-Match</c>. Never part of the EDM, so <c>$metadata</c> keeps Graph's properties only. A new stamp is
    /// given by SaveChanges to every added or modified row, not here: EF Core calls this constructor for every row it
    /// reads, and a GUID per row read was a measurable part of a GET.
    /// </summary>
    public string ConcurrencyStamp { get; set; } = string.Empty;

    /// <summary>
    /// The owner's change version of the last write of this row (<see cref="OwnerChangeCounter"/>): what delta
    /// queries compare. Never part of the EDM.
    /// </summary>
    public long ChangeVersion { get; set; }

    public static string NewConcurrencyStamp() => Guid.NewGuid().ToString("N");
}
