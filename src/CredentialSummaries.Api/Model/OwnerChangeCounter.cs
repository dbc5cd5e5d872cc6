namespace CredentialSummaries.Api.Model;

/// <summary>
/// One row per managing tenant: the version of its last change. Every write of that owner's summaries takes the next
/// version inside its transaction, which also locks this row until the transaction ends. The owner's writes therefore
/// commit in version order, so a reader that has seen version V has seen every change up to V: what delta links rely on.
/// </summary>
public sealed class OwnerChangeCounter
{
    public string OwnerTenantId { get; set; } = string.Empty;

    public long Version { get; set; }
}
