namespace CredentialSummaries.Bench.Baseline;

internal enum InsertOutcome
{
    Added,
    IdConflict,
    TenantIdConflict,
}

/// <summary>
/// The summaries table as the service's migrations made it. Every statement is confined to the owner
/// (<c>"OwnerTenantId" = @owner</c>) and seeks by an index: the primary key (OwnerTenantId, Id) or
/// (OwnerTenantId, TenantDisplayName).
/// </summary>
internal interface ISummaryStore : IAsyncDisposable
{
    /// <summary>A session: one connection for the statements of one request (a PATCH reads and writes on it).</summary>
    ValueTask<IStoreSession> OpenAsync(CancellationToken cancellationToken);
}

internal interface IStoreSession : IAsyncDisposable
{
    ValueTask<Summary?> FindAsync(string owner, string id, CancellationToken cancellationToken);

    ValueTask<InsertOutcome> InsertAsync(string owner, Summary summary, CancellationToken cancellationToken);

    /// <summary>Writes every mutable column and the new stamp if the row still has <paramref name="expectedStamp"/>.</summary>
    /// <returns>False when the row is gone or another write changed its stamp first.</returns>
    ValueTask<bool> UpdateAsync(string owner, Summary summary, string expectedStamp, CancellationToken cancellationToken);

    /// <summary>The owner's rows by id, after <paramref name="afterId"/> (a keyset seek), at most <paramref name="limit"/>.</summary>
    ValueTask<List<Summary>> ListAsync(string owner, string? displayName, string? afterId, int limit, CancellationToken cancellationToken);

    ValueTask<long> CountAsync(string owner, string? displayName, CancellationToken cancellationToken);

    ValueTask PingAsync(CancellationToken cancellationToken);
}

/// <summary>The SQL both providers run; identifiers quoted as the migrations wrote them.</summary>
internal static class SummarySql
{
    public const string Table = "\"CredentialUserRegistrationsSummaries\"";

    public const string Columns =
        "\"Id\", \"TenantId\", \"TenantDisplayName\", \"TenantLicenseType\", \"MfaAndSsprCapableUserCount\", \"SsprEnabledUserCount\", " +
        "\"MfaRegisteredUserCount\", \"SsprRegisteredUserCount\", \"MfaExcludedUserCount\", \"TotalUserCount\", \"SecurityDefaultsEnabled\", " +
        "\"MfaConditionalAccessPolicyState\", \"LastRefreshedDateTime\", \"ConcurrencyStamp\"";

    public const string Find = "SELECT " + Columns + " FROM " + Table + " WHERE \"OwnerTenantId\" = @owner AND \"Id\" = @id LIMIT 1";

    public const string Insert =
        "INSERT INTO " + Table + " (\"OwnerTenantId\", " + Columns + ") VALUES (@owner, @id, @tenantId, @tenantDisplayName, @tenantLicenseType, " +
        "@mfaAndSsprCapableUserCount, @ssprEnabledUserCount, @mfaRegisteredUserCount, @ssprRegisteredUserCount, @mfaExcludedUserCount, " +
        "@totalUserCount, @securityDefaultsEnabled, @mfaConditionalAccessPolicyState, @lastRefreshedDateTime, @stamp)";

    public const string Update =
        "UPDATE " + Table + " SET \"TenantDisplayName\" = @tenantDisplayName, \"TenantLicenseType\" = @tenantLicenseType, " +
        "\"MfaAndSsprCapableUserCount\" = @mfaAndSsprCapableUserCount, \"SsprEnabledUserCount\" = @ssprEnabledUserCount, " +
        "\"MfaRegisteredUserCount\" = @mfaRegisteredUserCount, \"SsprRegisteredUserCount\" = @ssprRegisteredUserCount, " +
        "\"MfaExcludedUserCount\" = @mfaExcludedUserCount, \"TotalUserCount\" = @totalUserCount, " +
        "\"SecurityDefaultsEnabled\" = @securityDefaultsEnabled, \"MfaConditionalAccessPolicyState\" = @mfaConditionalAccessPolicyState, " +
        "\"LastRefreshedDateTime\" = @lastRefreshedDateTime, \"ConcurrencyStamp\" = @stamp " +
        "WHERE \"OwnerTenantId\" = @owner AND \"Id\" = @id AND \"ConcurrencyStamp\" = @expectedStamp";

    /// <summary>The four list statements: [by display name?][after an id?].</summary>
    public static string List(bool byName, bool after) =>
        "SELECT " + Columns + " FROM " + Table + " WHERE \"OwnerTenantId\" = @owner" +
        (byName ? " AND \"TenantDisplayName\" = @name" : string.Empty) +
        (after ? " AND \"Id\" > @after" : string.Empty) +
        " ORDER BY \"Id\" LIMIT @limit";

    public static string Count(bool byName) =>
        "SELECT COUNT(*) FROM " + Table + " WHERE \"OwnerTenantId\" = @owner" + (byName ? " AND \"TenantDisplayName\" = @name" : string.Empty);

    public static int ListIndex(bool byName, bool after) => (byName ? 2 : 0) + (after ? 1 : 0);

    /// <summary>The unique keys' names in the migrations: which key a failed INSERT hit.</summary>
    public const string TenantIdIndex = "IX_CredentialUserRegistrationsSummaries_OwnerTenantId_TenantId";
}
