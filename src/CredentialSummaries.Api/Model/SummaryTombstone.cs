namespace CredentialSummaries.Api.Model;

/// <summary>
/// A deleted summary, remembered so that a delta query can report it (<c>"@removed": {"reason": "deleted"}</c>):
/// its id, the owner's change version of the delete and when it happened. Kept as long as delta links live.
/// </summary>
public sealed class SummaryTombstone
{
    public string OwnerTenantId { get; set; } = string.Empty;

    /// <summary>The deleted summary's id.</summary>
    public string Id { get; set; } = string.Empty;

    public long ChangeVersion { get; set; }

    public DateTime DeletedDateTime { get; set; }
}
