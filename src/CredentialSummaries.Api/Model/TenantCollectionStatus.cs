namespace CredentialSummaries.Api.Model;

/// <summary>
/// <c>microsoft.graph.managedTenants.tenantCollectionStatus</c>: how the built-in collector last fared with one managed
/// tenant of its owner (when, the outcome, the error code, how long), one row per tenant, keyed by the tenant's id.
/// Read-only in the API; the collector writes it, and its lease columns coordinate the instances of a deployment.
/// </summary>
public sealed class TenantCollectionStatus : Entity
{
    /// <summary>The managing tenant the collector fills summaries for (<c>Collection:OwnerTenantId</c>). Never part of the EDM.</summary>
    public string OwnerTenantId { get; set; } = string.Empty;

    /// <summary>The managed tenant (equal to <see cref="Entity.Id"/>).</summary>
    public string TenantId { get; set; } = string.Empty;

    public string? TenantDisplayName { get; set; }

    /// <summary>When the last attempt started (UTC), null before the first.</summary>
    public DateTime? LastAttemptDateTime { get; set; }

    /// <summary>When the last attempt ended (UTC), null while the first runs. A tenant is due again from it.</summary>
    public DateTime? LastCompletedDateTime { get; set; }

    /// <summary>When the tenant was last collected successfully (UTC).</summary>
    public DateTime? LastCollectedDateTime { get; set; }

    /// <summary><c>collected</c>, <c>skipped</c>, or <c>running</c> while an instance holds the lease.</summary>
    public string LastOutcome { get; set; } = CollectionOutcomes.Running;

    /// <summary>Why the last attempt skipped the tenant: Graph's or Entra ID's error code (<c>Authorization_RequestDenied</c>, <c>AADSTS700016</c>, …).</summary>
    public string? LastErrorCode { get; set; }

    /// <summary>What the service or Graph said, without secrets.</summary>
    public string? LastErrorMessage { get; set; }

    /// <summary>How long the last attempt took, in milliseconds.</summary>
    public long? LastDurationMilliseconds { get; set; }

    /// <summary>The users the last successful collection counted.</summary>
    public int? LastUserCount { get; set; }

    /// <summary>The instance collecting the tenant now. Never part of the EDM.</summary>
    public string? LeaseHolder { get; set; }

    /// <summary>Until when (UTC) <see cref="LeaseHolder"/> holds the tenant; after it, another instance may take it over. Never part of the EDM.</summary>
    public DateTime? LeaseExpiresDateTime { get; set; }
}

/// <summary>The values of <see cref="TenantCollectionStatus.LastOutcome"/>.</summary>
public static class CollectionOutcomes
{
    public const string Collected = "collected";
    public const string Skipped = "skipped";
    public const string Running = "running";
}
