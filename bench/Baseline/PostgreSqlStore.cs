using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;

namespace CredentialSummaries.Bench.Baseline;

/// <summary>
/// PostgreSQL through an <see cref="NpgsqlDataSource"/> (Npgsql's own connection pool). Statements use positional
/// parameters and are prepared on each physical connection by Npgsql's automatic preparation (<c>Max Auto Prepare</c>,
/// set here unless the connection string sets it), so after their first uses they run as server-side prepared
/// statements with binary parameters. A write's transaction is Npgsql's default (READ COMMITTED), as EF Core's.
/// </summary>
internal sealed partial class PostgreSqlStore : ISummaryStore
{
    private static readonly string[] MutableColumns =
    [
        "tenantDisplayName", "tenantLicenseType", "mfaAndSsprCapableUserCount", "ssprEnabledUserCount", "mfaRegisteredUserCount",
        "ssprRegisteredUserCount", "mfaExcludedUserCount", "totalUserCount", "securityDefaultsEnabled", "mfaConditionalAccessPolicyState",
        "lastRefreshedDateTime",
    ];

    private static readonly string FindSql = Positional(SummarySql.Find, "owner", "id");
    private static readonly string NextVersionSql = Positional(SummarySql.NextVersion, "owner");
    private static readonly string InsertSql = Positional(SummarySql.Insert, ["owner", "id", "tenantId", .. MutableColumns, "stamp", "changeVersion"]);
    private static readonly string UpdateSql = Positional(SummarySql.Update, ["owner", "id", "expectedStamp", .. MutableColumns, "stamp", "changeVersion"]);
    private static readonly string SnapshotSql = Positional(SummarySql.Snapshot,
        ["owner", "snapshotId", "id", "tenantId", .. MutableColumns, "recordedDateTime", "month", "mfaRegisteredShare", "ssprRegisteredShare", "changeVersion"]);
    private static readonly string[] ListSql =
    [
        Positional(SummarySql.List(false, false), "owner", "limit"),
        Positional(SummarySql.List(false, true), "owner", "limit", "after"),
        Positional(SummarySql.List(true, false), "owner", "limit", "name"),
        Positional(SummarySql.List(true, true), "owner", "limit", "name", "after"),
    ];

    private static readonly string CountSql = Positional(SummarySql.Count(false), "owner");
    private static readonly string CountByNameSql = Positional(SummarySql.Count(true), "owner", "name");

    private readonly NpgsqlDataSource dataSource;

    public PostgreSqlStore(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 32;
            builder.AutoPrepareMinUsages = 2;
        }

        dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public async ValueTask<IStoreSession> OpenAsync(CancellationToken cancellationToken) =>
        new Session(await dataSource.OpenConnectionAsync(cancellationToken));

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();

    /// <summary>The statement with <c>$1…$n</c> for its <c>@name</c> parameters, numbered in <paramref name="order"/>.</summary>
    private static string Positional(string sql, params string[] order) =>
        ParameterName().Replace(sql, match => "$" + (Array.IndexOf(order, match.Groups[1].Value) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex("@([A-Za-z]+)", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterName();

    private sealed class Session(NpgsqlConnection connection) : IStoreSession
    {
        private NpgsqlTransaction? transaction;

        public async ValueTask<Summary?> FindAsync(string owner, string id, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand(FindSql, connection, transaction);
            command.Parameters.Add(Text(owner));
            command.Parameters.Add(Text(id));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
        }

        public async ValueTask<long> BeginWriteAsync(string owner, CancellationToken cancellationToken)
        {
            transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(NextVersionSql, connection, transaction);
            command.Parameters.Add(Text(owner));
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        public async ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            await transaction!.CommitAsync(cancellationToken);
            await transaction.DisposeAsync();
            transaction = null;
        }

        public async ValueTask<InsertOutcome> InsertAsync(string owner, Summary summary, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand(InsertSql, connection, transaction);
            var p = command.Parameters;
            p.Add(Text(owner));
            p.Add(Text(summary.Id));
            p.Add(Text(summary.TenantId));
            BindMutable(p, summary);
            p.Add(Text(summary.ConcurrencyStamp));
            p.Add(new NpgsqlParameter<long> { TypedValue = summary.ChangeVersion });
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
                return InsertOutcome.Added;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                return e.ConstraintName == SummarySql.TenantIdIndex ? InsertOutcome.TenantIdConflict : InsertOutcome.IdConflict;
            }
        }

        public async ValueTask<bool> UpdateAsync(string owner, Summary summary, string expectedStamp, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand(UpdateSql, connection, transaction);
            var p = command.Parameters;
            p.Add(Text(owner));
            p.Add(Text(summary.Id));
            p.Add(Text(expectedStamp));
            BindMutable(p, summary);
            p.Add(Text(summary.ConcurrencyStamp));
            p.Add(new NpgsqlParameter<long> { TypedValue = summary.ChangeVersion });
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }

        public async ValueTask RecordSnapshotAsync(string owner, Summary summary, DateTime recordedUtc, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand(SnapshotSql, connection, transaction);
            var p = command.Parameters;
            p.Add(Text(owner));
            p.Add(Text(Guid.NewGuid().ToString()));
            p.Add(Text(summary.Id));
            p.Add(Text(summary.TenantId));
            BindMutable(p, summary);
            p.Add(new NpgsqlParameter<DateTime> { TypedValue = recordedUtc, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            p.Add(Text(SummarySql.MonthOf(summary.LastRefreshedDateTime)));
            p.Add(new NpgsqlParameter<double> { TypedValue = SummarySql.Share(summary.MfaRegisteredUserCount, summary.TotalUserCount) });
            p.Add(new NpgsqlParameter<double> { TypedValue = SummarySql.Share(summary.SsprRegisteredUserCount, summary.TotalUserCount) });
            p.Add(new NpgsqlParameter<long> { TypedValue = summary.ChangeVersion });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        public async ValueTask<List<Summary>> ListAsync(string owner, string? displayName, string? afterId, int limit, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand(ListSql[SummarySql.ListIndex(displayName is not null, afterId is not null)], connection);
            var p = command.Parameters;
            p.Add(Text(owner));
            p.Add(new NpgsqlParameter<int> { TypedValue = limit });
            if (displayName is not null)
            {
                p.Add(Text(displayName));
            }

            if (afterId is not null)
            {
                p.Add(Text(afterId));
            }

            var rows = new List<Summary>(Math.Min(limit, 101));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(Read(reader));
            }

            return rows;
        }

        public async ValueTask<long> CountAsync(string owner, string? displayName, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand(displayName is null ? CountSql : CountByNameSql, connection);
            command.Parameters.Add(Text(owner));
            if (displayName is not null)
            {
                command.Parameters.Add(Text(displayName));
            }

            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        public async ValueTask PingAsync(CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
        }

        /// <summary>Rolls back a write that was not committed, and returns the connection to the pool.</summary>
        public async ValueTask DisposeAsync()
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }

            await connection.DisposeAsync();
        }

        private static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value };

        private static NpgsqlParameter NullableText(string? value) =>
            new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

        private static void BindMutable(NpgsqlParameterCollection p, Summary s)
        {
            p.Add(Text(s.TenantDisplayName));
            p.Add(NullableText(s.TenantLicenseType));
            p.Add(new NpgsqlParameter<int> { TypedValue = s.MfaAndSsprCapableUserCount });
            p.Add(new NpgsqlParameter<int> { TypedValue = s.SsprEnabledUserCount });
            p.Add(new NpgsqlParameter<int> { TypedValue = s.MfaRegisteredUserCount });
            p.Add(new NpgsqlParameter<int> { TypedValue = s.SsprRegisteredUserCount });
            p.Add(new NpgsqlParameter<int> { TypedValue = s.MfaExcludedUserCount });
            p.Add(new NpgsqlParameter<int> { TypedValue = s.TotalUserCount });
            p.Add(new NpgsqlParameter<bool> { TypedValue = s.SecurityDefaultsEnabled });
            p.Add(NullableText(s.MfaConditionalAccessPolicyState));
            p.Add(new NpgsqlParameter<DateTime> { TypedValue = s.LastRefreshedDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        }

        private static Summary Read(NpgsqlDataReader reader) => new()
        {
            Id = reader.GetString(0),
            TenantId = reader.GetString(1),
            TenantDisplayName = reader.GetString(2),
            TenantLicenseType = reader.IsDBNull(3) ? null : reader.GetString(3),
            MfaAndSsprCapableUserCount = reader.GetInt32(4),
            SsprEnabledUserCount = reader.GetInt32(5),
            MfaRegisteredUserCount = reader.GetInt32(6),
            SsprRegisteredUserCount = reader.GetInt32(7),
            MfaExcludedUserCount = reader.GetInt32(8),
            TotalUserCount = reader.GetInt32(9),
            SecurityDefaultsEnabled = reader.GetBoolean(10),
            MfaConditionalAccessPolicyState = reader.IsDBNull(11) ? null : reader.GetString(11),
            LastRefreshedDateTime = reader.GetDateTime(12),
            ConcurrencyStamp = reader.GetString(13),
            ChangeVersion = reader.GetInt64(14),
        };
    }
}
