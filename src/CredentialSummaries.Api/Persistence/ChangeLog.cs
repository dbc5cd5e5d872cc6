using System.Collections.Concurrent;
using CredentialSummaries.Api.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace CredentialSummaries.Api.Persistence;

/// <summary>
/// What every write of a summary records besides the row itself, as raw SQL made once per store from its EF Core
/// model (table and column names, quoting, value converters), run through EF Core (logging, interceptors, the current
/// transaction): the owner's next change version, the snapshot of the counts, the tombstone of a delete. The two
/// stores share the statements: both speak <c>INSERT … ON CONFLICT … DO UPDATE</c> and <c>RETURNING</c>.
/// </summary>
internal sealed class ChangeLog
{
    private static readonly ConcurrentDictionary<Type, ChangeLog> ByContextType = new();

    private readonly IProperty[] snapshotColumns;

    private ChangeLog(IModel model, ISqlGenerationHelper sql)
    {
        var counter = new ModelTable(model.FindEntityType(typeof(OwnerChangeCounter))!, sql);
        NextVersionSql =
            $"INSERT INTO {counter.Name} ({counter[nameof(OwnerChangeCounter.OwnerTenantId)]}, {counter[nameof(OwnerChangeCounter.Version)]}) VALUES ({{0}}, 1) " +
            $"ON CONFLICT ({counter[nameof(OwnerChangeCounter.OwnerTenantId)]}) DO UPDATE SET {counter[nameof(OwnerChangeCounter.Version)]} = {counter.Name}.{counter[nameof(OwnerChangeCounter.Version)]} + 1 " +
            $"RETURNING {counter[nameof(OwnerChangeCounter.Version)]} AS {sql.DelimitIdentifier("Value")}";

        var tombstone = new ModelTable(model.FindEntityType(typeof(SummaryTombstone))!, sql);
        string T(string property) => tombstone[property];
        TombstoneSql =
            $"INSERT INTO {tombstone.Name} ({T(nameof(SummaryTombstone.OwnerTenantId))}, {T(nameof(SummaryTombstone.Id))}, {T(nameof(SummaryTombstone.ChangeVersion))}, {T(nameof(SummaryTombstone.DeletedDateTime))}) " +
            "VALUES ({0}, {1}, {2}, {3}) " +
            $"ON CONFLICT ({T(nameof(SummaryTombstone.OwnerTenantId))}, {T(nameof(SummaryTombstone.Id))}) DO UPDATE SET " +
            $"{T(nameof(SummaryTombstone.ChangeVersion))} = {{2}}, {T(nameof(SummaryTombstone.DeletedDateTime))} = {{3}}";

        // Every column but the previous month's share as a parameter, in model order; that share is a subquery on the
        // same table, with the owner, tenant and month as its three parameters after the columns'.
        var snapshotEntity = model.FindEntityType(typeof(CredentialUserRegistrationsSummarySnapshot))!;
        var snapshot = new ModelTable(snapshotEntity, sql);
        var previous = snapshotEntity.FindProperty(nameof(CredentialUserRegistrationsSummarySnapshot.PreviousMonthMfaRegisteredShare))!;
        snapshotColumns = [.. snapshotEntity.GetProperties().Where(p => p != previous)];
        string S(string property) => snapshot[property];
        var n = snapshotColumns.Length;
        var previousShare =
            $"(SELECT p.{S(nameof(CredentialUserRegistrationsSummarySnapshot.MfaRegisteredShare))} FROM {snapshot.Name} p " +
            $"WHERE p.{S(nameof(CredentialUserRegistrationsSummarySnapshot.OwnerTenantId))} = {{{n}}} " +
            $"AND p.{S(nameof(CredentialUserRegistrationsSummarySnapshot.TenantId))} = {{{n + 1}}} " +
            $"AND p.{S(nameof(CredentialUserRegistrationsSummarySnapshot.Month))} < {{{n + 2}}} " +
            $"ORDER BY p.{S(nameof(CredentialUserRegistrationsSummarySnapshot.Month))} DESC, p.{S(nameof(CredentialUserRegistrationsSummarySnapshot.ChangeVersion))} DESC LIMIT 1)";
        SnapshotSql =
            $"INSERT INTO {snapshot.Name} ({string.Join(", ", snapshotColumns.Select(p => snapshot[p.Name]))}, {snapshot[previous.Name]}) " +
            $"VALUES ({string.Join(", ", snapshotColumns.Select((_, i) => $"{{{i}}}"))}, {previousShare})";
    }

    /// <summary>Takes the owner's next change version and locks the owner's counter until the transaction ends.</summary>
    public string NextVersionSql { get; }

    public string TombstoneSql { get; }

    public string SnapshotSql { get; }

    public static ChangeLog For(SummariesDbContext db) =>
        ByContextType.GetOrAdd(db.GetType(), static (_, context) => new ChangeLog(context.Model, context.GetService<ISqlGenerationHelper>()), db);

    public static async Task<long> NextVersionAsync(SummariesDbContext db, string owner, CancellationToken cancellationToken)
    {
        var versions = await db.Database.SqlQueryRaw<long>(For(db).NextVersionSql, owner).ToListAsync(cancellationToken);
        return versions.Single();
    }

    public static Task RecordSnapshotAsync(SummariesDbContext db, CredentialUserRegistrationsSummarySnapshot snapshot, CancellationToken cancellationToken)
    {
        var log = For(db);
        var values = new object[log.snapshotColumns.Length + 3];
        for (var i = 0; i < log.snapshotColumns.Length; i++)
        {
            values[i] = ModelTable.ProviderValue(log.snapshotColumns[i], snapshot);
        }

        values[log.snapshotColumns.Length] = snapshot.OwnerTenantId;
        values[log.snapshotColumns.Length + 1] = snapshot.TenantId;
        values[log.snapshotColumns.Length + 2] = snapshot.Month;
        return db.Database.ExecuteSqlRawAsync(log.SnapshotSql, values, cancellationToken);
    }

    public static Task RecordTombstoneAsync(SummariesDbContext db, string owner, string id, long version, DateTime deletedUtc, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlRawAsync(For(db).TombstoneSql, [owner, id, version, deletedUtc], cancellationToken);
}
