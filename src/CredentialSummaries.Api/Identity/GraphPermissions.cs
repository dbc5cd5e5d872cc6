namespace CredentialSummaries.Api.Identity;

/// <summary>The permission table of the product contract (DESIGN §4), in one place.</summary>
public static class GraphPermissions
{
    public const string ReadPolicy = "CredentialSummaries.Read";
    public const string WritePolicy = "CredentialSummaries.Write";

    /// <summary>The caller's (managing) tenant: the owner of everything it creates.</summary>
    public const string TenantIdClaim = "tid";

    public const string ReportsReadAll = "Reports.Read.All";
    public const string ManagedTenantsReadAll = "ManagedTenants.Read.All";
    public const string ManagedTenantsReadWriteAll = "ManagedTenants.ReadWrite.All";

    public static readonly IReadOnlyList<string> ReadScopes = [ReportsReadAll, ManagedTenantsReadAll, ManagedTenantsReadWriteAll];
    public static readonly IReadOnlyList<string> ReadRoles = [ManagedTenantsReadAll, ManagedTenantsReadWriteAll];
    public static readonly IReadOnlyList<string> WriteScopes = [ManagedTenantsReadWriteAll];
    public static readonly IReadOnlyList<string> WriteRoles = [ManagedTenantsReadWriteAll];
}
