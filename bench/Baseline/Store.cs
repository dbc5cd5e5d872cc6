namespace CredentialSummaries.Bench.Baseline;

internal enum InsertOutcome
{
    Added,
    IdConflict,
    TenantIdConflict,
}

/// <summary>
/// The summaries table, the owners' change counters and the snapshots, as the service's migrations made them. Every
/// statement is confined to the owner (<c>"OwnerTenantId" = @owner</c>) and seeks by an index: a primary key, or
/// (OwnerTenantId, TenantDisplayName), or the snapshots' (OwnerTenantId, TenantId, Month).
/// </summary>
internal interface ISummaryStore : IAsyncDisposable
{
    /// <summary>A session: one connection for the statements of one request (a write's transaction is on it).</summary>
    ValueTask<IStoreSession> OpenAsync(CancellationToken cancellationToken);
}

internal interface IStoreSession : IAsyncDisposable
{
    ValueTask<Summary?> FindAsync(string owner, string id, CancellationToken cancellationToken);

    /// <summary>
    /// Begins a write's transaction and takes the owner's next change version (<see cref="SummarySql.NextVersion"/>),
    /// which locks the owner's counter row until the transaction ends: the owner's writes take turns and commit in
    /// version order, as the service's. <see cref="CommitAsync"/> ends it; disposing the session rolls back a write
    /// that was not committed.
    /// </summary>
    ValueTask<long> BeginWriteAsync(string owner, CancellationToken cancellationToken);

    ValueTask CommitAsync(CancellationToken cancellationToken);

    /// <summary>Inserts every column, <see cref="Summary.ChangeVersion"/> included.</summary>
    ValueTask<InsertOutcome> InsertAsync(string owner, Summary summary, CancellationToken cancellationToken);

    /// <summary>Writes every mutable column, the new stamp and change version if the row still has <paramref name="expectedStamp"/>.</summary>
    /// <returns>False when the row is gone or another write changed its stamp first.</returns>
    ValueTask<bool> UpdateAsync(string owner, Summary summary, string expectedStamp, CancellationToken cancellationToken);

    /// <summary>Inserts the snapshot of the summary as just written (<see cref="SummarySql.Snapshot"/>), under its change version.</summary>
    ValueTask RecordSnapshotAsync(string owner, Summary summary, DateTime recordedUtc, CancellationToken cancellationToken);

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
        "\"MfaConditionalAccessPolicyState\", \"LastRefreshedDateTime\", \"ConcurrencyStamp\", \"ChangeVersion\"";

    public const string Find = "SELECT " + Columns + " FROM " + Table + " WHERE \"OwnerTenantId\" = @owner AND \"Id\" = @id LIMIT 1";

    public const string Insert =
        "INSERT INTO " + Table + " (\"OwnerTenantId\", " + Columns + ") VALUES (@owner, @id, @tenantId, @tenantDisplayName, @tenantLicenseType, " +
        "@mfaAndSsprCapableUserCount, @ssprEnabledUserCount, @mfaRegisteredUserCount, @ssprRegisteredUserCount, @mfaExcludedUserCount, " +
        "@totalUserCount, @securityDefaultsEnabled, @mfaConditionalAccessPolicyState, @lastRefreshedDateTime, @stamp, @changeVersion)";

    public const string Update =
        "UPDATE " + Table + " SET \"TenantDisplayName\" = @tenantDisplayName, \"TenantLicenseType\" = @tenantLicenseType, " +
        "\"MfaAndSsprCapableUserCount\" = @mfaAndSsprCapableUserCount, \"SsprEnabledUserCount\" = @ssprEnabledUserCount, " +
        "\"MfaRegisteredUserCount\" = @mfaRegisteredUserCount, \"SsprRegisteredUserCount\" = @ssprRegisteredUserCount, " +
        "\"MfaExcludedUserCount\" = @mfaExcludedUserCount, \"TotalUserCount\" = @totalUserCount, " +
        "\"SecurityDefaultsEnabled\" = @securityDefaultsEnabled, \"MfaConditionalAccessPolicyState\" = @mfaConditionalAccessPolicyState, " +
        "\"LastRefreshedDateTime\" = @lastRefreshedDateTime, \"ConcurrencyStamp\" = @stamp, \"ChangeVersion\" = @changeVersion " +
        "WHERE \"OwnerTenantId\" = @owner AND \"Id\" = @id AND \"ConcurrencyStamp\" = @expectedStamp";

    /// <summary>The owner's next change version (the service's ChangeLog.NextVersionSql); the upsert locks the counter row.</summary>
    public const string NextVersion =
        "INSERT INTO \"OwnerChangeCounters\" (\"OwnerTenantId\", \"Version\") VALUES (@owner, 1) " +
        "ON CONFLICT (\"OwnerTenantId\") DO UPDATE SET \"Version\" = \"OwnerChangeCounters\".\"Version\" + 1 RETURNING \"Version\"";

    public const string SnapshotTable = "\"CredentialUserRegistrationsSummarySnapshots\"";

    /// <summary>
    /// A write's snapshot (the service's ChangeLog.SnapshotSql): the summary's values under a new id, then the time
    /// recorded, the month of lastRefreshedDateTime, the two shares, the change version, and the share of this owner's
    /// latest snapshot of the tenant in an earlier month, by the same subquery. The mutable columns are in
    /// <see cref="Insert"/>'s order.
    /// </summary>
    public const string Snapshot =
        "INSERT INTO " + SnapshotTable + " (\"OwnerTenantId\", \"Id\", \"SummaryId\", \"TenantId\", \"TenantDisplayName\", \"TenantLicenseType\", " +
        "\"MfaAndSsprCapableUserCount\", \"SsprEnabledUserCount\", \"MfaRegisteredUserCount\", \"SsprRegisteredUserCount\", \"MfaExcludedUserCount\", " +
        "\"TotalUserCount\", \"SecurityDefaultsEnabled\", \"MfaConditionalAccessPolicyState\", \"LastRefreshedDateTime\", \"RecordedDateTime\", \"Month\", " +
        "\"MfaRegisteredShare\", \"SsprRegisteredShare\", \"ChangeVersion\", \"PreviousMonthMfaRegisteredShare\") " +
        "VALUES (@owner, @snapshotId, @id, @tenantId, @tenantDisplayName, @tenantLicenseType, @mfaAndSsprCapableUserCount, @ssprEnabledUserCount, " +
        "@mfaRegisteredUserCount, @ssprRegisteredUserCount, @mfaExcludedUserCount, @totalUserCount, @securityDefaultsEnabled, " +
        "@mfaConditionalAccessPolicyState, @lastRefreshedDateTime, @recordedDateTime, @month, @mfaRegisteredShare, @ssprRegisteredShare, @changeVersion, " +
        "(SELECT p.\"MfaRegisteredShare\" FROM " + SnapshotTable + " p WHERE p.\"OwnerTenantId\" = @owner AND p.\"TenantId\" = @tenantId " +
        "AND p.\"Month\" < @month ORDER BY p.\"Month\" DESC, p.\"ChangeVersion\" DESC LIMIT 1))";

    /// <summary>The snapshot's month: <c>yyyy-MM</c> of lastRefreshedDateTime (UTC), as the service's snapshot.</summary>
    public static string MonthOf(DateTime utc) => utc.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary><c>count ÷ totalUserCount</c>, 0 when the tenant has no users, as the service's snapshot.</summary>
    public static double Share(int count, int total) => total > 0 ? (double)count / total : 0d;

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
