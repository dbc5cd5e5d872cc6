using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace CredentialSummaries.Bench.Baseline;

/// <summary>
/// SQLite through Microsoft.Data.Sqlite. Connections are kept open in a small pool of sessions; each physical
/// connection gets the service's PRAGMAs once when it opens (WAL, synchronous, busy_timeout, case_sensitive_like) and
/// keeps one prepared command per statement, so a request binds parameters and steps a compiled statement. A write's
/// transaction is <c>BEGIN IMMEDIATE</c> (Microsoft.Data.Sqlite's default, which EF Core uses too). Microsoft.Data.Sqlite's
/// async methods run synchronously anyway, so the sync ones are called.
/// </summary>
internal sealed class SqliteStore : ISummaryStore
{
    private const int MaxIdleSessions = 64;

    private readonly string connectionString;
    private readonly string pragmas;
    private readonly ConcurrentQueue<Session> idle = new();
    private int idleCount;

    public SqliteStore(string connectionString, string synchronous, int busyTimeoutMilliseconds)
    {
        this.connectionString = connectionString;
        pragmas = $"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous.ToUpperInvariant()}; " +
                  $"PRAGMA busy_timeout={busyTimeoutMilliseconds.ToString(CultureInfo.InvariantCulture)}; PRAGMA case_sensitive_like=ON;";
    }

    public ValueTask<IStoreSession> OpenAsync(CancellationToken cancellationToken)
    {
        if (idle.TryDequeue(out var session))
        {
            Interlocked.Decrement(ref idleCount);
            return ValueTask.FromResult<IStoreSession>(session);
        }

        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using (var setup = connection.CreateCommand())
        {
            setup.CommandText = pragmas;
            setup.ExecuteNonQuery();
        }

        return ValueTask.FromResult<IStoreSession>(new Session(this, connection));
    }

    private void Return(Session session)
    {
        if (Interlocked.Increment(ref idleCount) <= MaxIdleSessions)
        {
            idle.Enqueue(session);
        }
        else
        {
            Interlocked.Decrement(ref idleCount);
            session.Close();
        }
    }

    public ValueTask DisposeAsync()
    {
        while (idle.TryDequeue(out var session))
        {
            session.Close();
        }

        return ValueTask.CompletedTask;
    }

    private sealed class Session(SqliteStore store, SqliteConnection connection) : IStoreSession
    {
        private SqliteCommand? find;
        private SqliteCommand? nextVersion;
        private SqliteCommand? insert;
        private SqliteCommand? update;
        private SqliteCommand? snapshot;
        private SqliteTransaction? transaction;
        private readonly SqliteCommand?[] lists = new SqliteCommand?[4];
        private readonly SqliteCommand?[] counts = new SqliteCommand?[2];

        public ValueTask<Summary?> FindAsync(string owner, string id, CancellationToken cancellationToken)
        {
            var command = Current(find ??= Prepare(SummarySql.Find, "@owner", "@id"));
            command.Parameters[0].Value = owner;
            command.Parameters[1].Value = id;
            using var reader = command.ExecuteReader();
            return ValueTask.FromResult(reader.Read() ? Read(reader) : null);
        }

        public ValueTask<long> BeginWriteAsync(string owner, CancellationToken cancellationToken)
        {
            transaction = connection.BeginTransaction();
            var command = Current(nextVersion ??= Prepare(SummarySql.NextVersion, "@owner"));
            command.Parameters[0].Value = owner;
            return ValueTask.FromResult((long)command.ExecuteScalar()!);
        }

        public ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            transaction!.Commit();
            EndWrite();
            return ValueTask.CompletedTask;
        }

        public ValueTask<InsertOutcome> InsertAsync(string owner, Summary summary, CancellationToken cancellationToken)
        {
            var command = Current(insert ??= Prepare(SummarySql.Insert, "@owner", "@id", "@tenantId", "@tenantDisplayName", "@tenantLicenseType",
                "@mfaAndSsprCapableUserCount", "@ssprEnabledUserCount", "@mfaRegisteredUserCount", "@ssprRegisteredUserCount",
                "@mfaExcludedUserCount", "@totalUserCount", "@securityDefaultsEnabled", "@mfaConditionalAccessPolicyState",
                "@lastRefreshedDateTime", "@stamp", "@changeVersion"));
            var p = command.Parameters;
            p[0].Value = owner;
            p[1].Value = summary.Id;
            p[2].Value = summary.TenantId;
            BindMutable(p, 3, summary);
            p[14].Value = summary.ConcurrencyStamp;
            p[15].Value = summary.ChangeVersion;
            try
            {
                command.ExecuteNonQuery();
                return ValueTask.FromResult(InsertOutcome.Added);
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 19 && e.Message.Contains("UNIQUE constraint failed", StringComparison.Ordinal))
            {
                // "UNIQUE constraint failed: Table.OwnerTenantId, Table.TenantId" names the key that was taken.
                return ValueTask.FromResult(e.Message.Contains(".TenantId", StringComparison.Ordinal) ? InsertOutcome.TenantIdConflict : InsertOutcome.IdConflict);
            }
        }

        public ValueTask<bool> UpdateAsync(string owner, Summary summary, string expectedStamp, CancellationToken cancellationToken)
        {
            var command = Current(update ??= Prepare(SummarySql.Update, "@owner", "@id", "@expectedStamp", "@tenantDisplayName", "@tenantLicenseType",
                "@mfaAndSsprCapableUserCount", "@ssprEnabledUserCount", "@mfaRegisteredUserCount", "@ssprRegisteredUserCount",
                "@mfaExcludedUserCount", "@totalUserCount", "@securityDefaultsEnabled", "@mfaConditionalAccessPolicyState",
                "@lastRefreshedDateTime", "@stamp", "@changeVersion"));
            var p = command.Parameters;
            p[0].Value = owner;
            p[1].Value = summary.Id;
            p[2].Value = expectedStamp;
            BindMutable(p, 3, summary);
            p[14].Value = summary.ConcurrencyStamp;
            p[15].Value = summary.ChangeVersion;
            return ValueTask.FromResult(command.ExecuteNonQuery() == 1);
        }

        public ValueTask RecordSnapshotAsync(string owner, Summary summary, DateTime recordedUtc, CancellationToken cancellationToken)
        {
            var command = Current(snapshot ??= Prepare(SummarySql.Snapshot, "@owner", "@snapshotId", "@id", "@tenantId", "@tenantDisplayName",
                "@tenantLicenseType", "@mfaAndSsprCapableUserCount", "@ssprEnabledUserCount", "@mfaRegisteredUserCount", "@ssprRegisteredUserCount",
                "@mfaExcludedUserCount", "@totalUserCount", "@securityDefaultsEnabled", "@mfaConditionalAccessPolicyState",
                "@lastRefreshedDateTime", "@recordedDateTime", "@month", "@mfaRegisteredShare", "@ssprRegisteredShare", "@changeVersion"));
            var p = command.Parameters;
            p[0].Value = owner;
            p[1].Value = Guid.NewGuid().ToString();
            p[2].Value = summary.Id;
            p[3].Value = summary.TenantId;
            BindMutable(p, 4, summary);
            p[15].Value = FormatTime(recordedUtc);
            p[16].Value = SummarySql.MonthOf(summary.LastRefreshedDateTime);
            p[17].Value = SummarySql.Share(summary.MfaRegisteredUserCount, summary.TotalUserCount);
            p[18].Value = SummarySql.Share(summary.SsprRegisteredUserCount, summary.TotalUserCount);
            p[19].Value = summary.ChangeVersion;
            command.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        public ValueTask<List<Summary>> ListAsync(string owner, string? displayName, string? afterId, int limit, CancellationToken cancellationToken)
        {
            var byName = displayName is not null;
            var after = afterId is not null;
            var index = SummarySql.ListIndex(byName, after);
            var command = Current(lists[index] ??= Prepare(SummarySql.List(byName, after), ListParameters(byName, after)));
            var p = command.Parameters;
            p[0].Value = owner;
            p[1].Value = limit;
            var next = 2;
            if (byName)
            {
                p[next++].Value = displayName;
            }

            if (after)
            {
                p[next].Value = afterId;
            }

            var rows = new List<Summary>(Math.Min(limit, 101));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add(Read(reader));
            }

            return ValueTask.FromResult(rows);
        }

        public ValueTask<long> CountAsync(string owner, string? displayName, CancellationToken cancellationToken)
        {
            var byName = displayName is not null;
            var command = Current(counts[byName ? 1 : 0] ??= byName
                ? Prepare(SummarySql.Count(true), "@owner", "@name")
                : Prepare(SummarySql.Count(false), "@owner"));
            command.Parameters[0].Value = owner;
            if (byName)
            {
                command.Parameters[1].Value = displayName;
            }

            return ValueTask.FromResult((long)command.ExecuteScalar()!);
        }

        public ValueTask PingAsync(CancellationToken cancellationToken)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            command.ExecuteScalar();
            return ValueTask.CompletedTask;
        }

        /// <summary>Rolls back a write that was not committed, and returns the connection to the pool.</summary>
        public ValueTask DisposeAsync()
        {
            if (transaction is not null)
            {
                transaction.Rollback();
                EndWrite();
            }

            store.Return(this);
            return ValueTask.CompletedTask;
        }

        public void Close()
        {
            find?.Dispose();
            nextVersion?.Dispose();
            insert?.Dispose();
            update?.Dispose();
            snapshot?.Dispose();
            foreach (var command in lists.Concat(counts))
            {
                command?.Dispose();
            }

            connection.Dispose();
        }

        private void EndWrite()
        {
            transaction!.Dispose();
            transaction = null;
        }

        /// <summary>The command on the session's write transaction, if any: Microsoft.Data.Sqlite wants the connection's own.</summary>
        private SqliteCommand Current(SqliteCommand command)
        {
            command.Transaction = transaction;
            return command;
        }

        private SqliteCommand Prepare(string sql, params string[] parameters)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                command.Parameters.Add(new SqliteParameter(name, null));
            }

            command.Prepare();
            return command;
        }

        private static string[] ListParameters(bool byName, bool after)
        {
            var names = new List<string> { "@owner", "@limit" };
            if (byName)
            {
                names.Add("@name");
            }

            if (after)
            {
                names.Add("@after");
            }

            return [.. names];
        }

        /// <summary>Parameters <paramref name="first"/>…+10: the columns a PATCH may change, in <see cref="SummarySql.Insert"/>'s order.</summary>
        private static void BindMutable(SqliteParameterCollection p, int first, Summary s)
        {
            p[first].Value = s.TenantDisplayName;
            p[first + 1].Value = (object?)s.TenantLicenseType ?? DBNull.Value;
            p[first + 2].Value = s.MfaAndSsprCapableUserCount;
            p[first + 3].Value = s.SsprEnabledUserCount;
            p[first + 4].Value = s.MfaRegisteredUserCount;
            p[first + 5].Value = s.SsprRegisteredUserCount;
            p[first + 6].Value = s.MfaExcludedUserCount;
            p[first + 7].Value = s.TotalUserCount;
            p[first + 8].Value = s.SecurityDefaultsEnabled ? 1 : 0;
            p[first + 9].Value = (object?)s.MfaConditionalAccessPolicyState ?? DBNull.Value;
            p[first + 10].Value = FormatTime(s.LastRefreshedDateTime);
        }

        private static Summary Read(SqliteDataReader reader) => new()
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
            SecurityDefaultsEnabled = reader.GetInt64(10) != 0,
            MfaConditionalAccessPolicyState = reader.IsDBNull(11) ? null : reader.GetString(11),
            LastRefreshedDateTime = ParseTime(reader.GetString(12)),
            ConcurrencyStamp = reader.GetString(13),
            ChangeVersion = reader.GetInt64(14),
        };
    }

    /// <summary>EF Core's SQLite text form of a DateTime (what the service stores): <c>2026-11-24 07:00:00.123456</c>.</summary>
    public static string FormatTime(DateTime utc) => utc.ToString("yyyy'-'MM'-'dd HH':'mm':'ss.FFFFFFF", CultureInfo.InvariantCulture);

    /// <summary>Reads <see cref="FormatTime"/>'s form without DateTime.Parse; anything else through it, as UTC.</summary>
    public static DateTime ParseTime(string text)
    {
        if (text.Length >= 19 && text.Length <= 27 && text[4] == '-' && text[7] == '-' && text[10] is ' ' or 'T' && text[13] == ':' && text[16] == ':'
            && (text.Length == 19 || text[19] == '.' && text.Length > 20)
            && TryDigits(text, 0, 4, out var year) && TryDigits(text, 5, 2, out var month) && TryDigits(text, 8, 2, out var day)
            && TryDigits(text, 11, 2, out var hour) && TryDigits(text, 14, 2, out var minute) && TryDigits(text, 17, 2, out var second))
        {
            long fraction = 0;
            if (text.Length > 20)
            {
                var digits = text.Length - 20;
                if (!TryDigits(text, 20, digits, out var value))
                {
                    return Fallback(text);
                }

                fraction = value;
                for (var i = digits; i < 7; i++)
                {
                    fraction *= 10;
                }
            }

            return new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(fraction);
        }

        return Fallback(text);
    }

    private static DateTime Fallback(string text) =>
        DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    private static bool TryDigits(string text, int start, int length, out int value)
    {
        value = 0;
        for (var i = start; i < start + length; i++)
        {
            var digit = text[i] - '0';
            if ((uint)digit > 9)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }
}
