using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace CredentialSummaries.Bench.Runner;

/// <summary>
/// A database both targets use in turn: created empty, given the service's schema by the service itself (it migrates
/// at start-up), then seeded here directly in SQL, the fast way for each provider.
/// </summary>
internal abstract class Store
{
    protected const string Table = "\"CredentialUserRegistrationsSummaries\"";

    protected const string Columns =
        "\"OwnerTenantId\", \"Id\", \"TenantId\", \"TenantDisplayName\", \"TenantLicenseType\", \"MfaAndSsprCapableUserCount\", " +
        "\"SsprEnabledUserCount\", \"MfaRegisteredUserCount\", \"SsprRegisteredUserCount\", \"MfaExcludedUserCount\", " +
        "\"TotalUserCount\", \"SecurityDefaultsEnabled\", \"MfaConditionalAccessPolicyState\", \"LastRefreshedDateTime\", \"ConcurrencyStamp\"";

    /// <summary>sqlite or postgresql, as on the command line.</summary>
    public abstract string Key { get; }

    /// <summary>For people: SQLite, PostgreSQL.</summary>
    public abstract string Name { get; }

    /// <summary>The targets' <c>Database__Provider</c>.</summary>
    public abstract string Provider { get; }

    /// <summary>The targets' <c>ConnectionStrings__Summaries</c>.</summary>
    public abstract string TargetConnectionString { get; }

    public abstract Task CreateEmptyAsync();

    /// <summary>Inserts every row of <paramref name="data"/> into the migrated, empty table.</summary>
    public abstract Task SeedAsync(DataSet data, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the rows the benchmark's POSTs created (display name <see cref="DataSet.CreatedMarker"/>), found through the
    /// (owner, display name) index, owner by owner, rather than by scanning the whole table.
    /// </summary>
    public abstract Task<int> DeleteCreatedAsync(DataSet data, CancellationToken cancellationToken);

    public abstract Task<long> RowCountAsync();

    /// <summary>
    /// Waits (at most <paramref name="limit"/>) until the database runs no statement for a target, e.g. one that wrk
    /// abandoned at the end of a run; false when it is still busy. SQLite runs inside the target: nothing to wait for.
    /// </summary>
    public virtual Task<bool> WaitUntilIdleAsync(TimeSpan limit, CancellationToken cancellationToken) => Task.FromResult(true);

    public abstract Task<long> SizeBytesAsync();
}

/// <summary>
/// A SQLite file. Seeded in one transaction with one prepared INSERT, journal and fsync off while seeding (the file
/// is thrown away if it fails), then back to WAL, which the service sets on every connection anyway. No ANALYZE: a
/// SQLite database of the service has no statistics either.
/// </summary>
internal sealed class SqliteStore(string path) : Store
{
    private static readonly string[] ParameterNames =
        ["$o", "$id", "$t", "$n", "$l", "$c1", "$c2", "$c3", "$c4", "$c5", "$total", "$sd", "$ca", "$at", "$stamp"];

    public override string Key => "sqlite";

    public override string Name => "SQLite";

    public override string Provider => "Sqlite";

    public override string TargetConnectionString => $"Data Source={path}";

    private string AdminConnectionString => new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 60 }.ToString();

    public override Task CreateEmptyAsync()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return Task.CompletedTask;
    }

    public override async Task SeedAsync(DataSet data, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-1048576; PRAGMA temp_store=MEMORY;");
        await using (var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken))
        {
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = $"INSERT INTO {Table} ({Columns}) VALUES ($o, $id, $t, $n, $l, $c1, $c2, $c3, $c4, $c5, $total, $sd, $ca, $at, $stamp)";
            var parameters = ParameterNames.Select(name => insert.Parameters.Add(new SqliteParameter { ParameterName = name }))
                .ToArray();
            insert.Prepare();
            var rows = 0;
            foreach (var row in data.Rows())
            {
                if (++rows % 65536 == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                parameters[0].Value = row.OwnerTenantId;
                parameters[1].Value = row.Id;
                parameters[2].Value = row.TenantId;
                parameters[3].Value = row.TenantDisplayName;
                parameters[4].Value = (object?)row.TenantLicenseType ?? DBNull.Value;
                parameters[5].Value = row.MfaAndSsprCapableUserCount;
                parameters[6].Value = row.SsprEnabledUserCount;
                parameters[7].Value = row.MfaRegisteredUserCount;
                parameters[8].Value = row.SsprRegisteredUserCount;
                parameters[9].Value = row.MfaExcludedUserCount;
                parameters[10].Value = row.TotalUserCount;
                parameters[11].Value = row.SecurityDefaultsEnabled;
                parameters[12].Value = (object?)row.MfaConditionalAccessPolicyState ?? DBNull.Value;
                // Microsoft.Data.Sqlite writes a DateTime as EF Core's SQLite provider does: 'yyyy-MM-dd HH:mm:ss.FFFFFFF'.
                parameters[13].Value = row.LastRefreshedDateTime;
                parameters[14].Value = row.ConcurrencyStamp;
                // Synchronous: Microsoft.Data.Sqlite's async calls run synchronously anyway, with a Task each.
                insert.ExecuteNonQuery();
            }

            await transaction.CommitAsync(cancellationToken);
        }

        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;");
    }

    public override async Task<int> DeleteCreatedAsync(DataSet data, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, "PRAGMA busy_timeout=60000;");
        await using var command = connection.CreateCommand();
        // The owners are GUIDs this runner made: safe to quote inline (SQLite's parameters are limited in number).
        var owners = string.Join(", ", data.Owners.Select(o => $"'{o.TenantId}'"));
        command.CommandText = $"DELETE FROM {Table} WHERE \"OwnerTenantId\" IN ({owners}) AND \"TenantDisplayName\" = $name";
        command.Parameters.AddWithValue("$name", DataSet.CreatedMarker);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async Task<long> RowCountAsync()
    {
        await using var connection = new SqliteConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {Table}";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public override Task<long> SizeBytesAsync() => Task.FromResult(
        new[] { path, path + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length));

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// A database of the throwaway cluster. Seeded with one binary COPY into the migrated table (its indexes in place, as
/// the service made them), then VACUUM ANALYZE, so the planner has statistics and the visibility map is set, as
/// autovacuum would leave a table that has been in use for a while.
/// </summary>
internal sealed class PostgreSqlStore(PostgreSqlCluster cluster, string database) : Store
{
    public override string Key => "postgresql";

    public override string Name => "PostgreSQL";

    public override string Provider => "PostgreSql";

    public override string TargetConnectionString => cluster.ConnectionString(database);

    public override Task CreateEmptyAsync() => cluster.CreateDatabaseAsync(database);

    public override async Task SeedAsync(DataSet data, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(TargetConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var copy = await connection.BeginBinaryImportAsync($"COPY {Table} ({Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var row in data.Rows())
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(row.OwnerTenantId, NpgsqlDbType.Varchar, cancellationToken);
                await copy.WriteAsync(row.Id, NpgsqlDbType.Varchar, cancellationToken);
                await copy.WriteAsync(row.TenantId, NpgsqlDbType.Varchar, cancellationToken);
                await copy.WriteAsync(row.TenantDisplayName, NpgsqlDbType.Varchar, cancellationToken);
                await WriteNullableAsync(copy, row.TenantLicenseType, cancellationToken);
                await copy.WriteAsync(row.MfaAndSsprCapableUserCount, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(row.SsprEnabledUserCount, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(row.MfaRegisteredUserCount, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(row.SsprRegisteredUserCount, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(row.MfaExcludedUserCount, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(row.TotalUserCount, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(row.SecurityDefaultsEnabled, NpgsqlDbType.Boolean, cancellationToken);
                await WriteNullableAsync(copy, row.MfaConditionalAccessPolicyState, cancellationToken);
                await copy.WriteAsync(row.LastRefreshedDateTime, NpgsqlDbType.TimestampTz, cancellationToken);
                await copy.WriteAsync(row.ConcurrencyStamp, NpgsqlDbType.Varchar, cancellationToken);
            }

            await copy.CompleteAsync(cancellationToken);
        }

        await using var vacuum = new NpgsqlCommand($"VACUUM ANALYZE {Table}", connection) { CommandTimeout = 600 };
        await vacuum.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async Task<int> DeleteCreatedAsync(DataSet data, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(TargetConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"DELETE FROM {Table} WHERE \"OwnerTenantId\" = ANY(@owners) AND \"TenantDisplayName\" = @name", connection);
        command.Parameters.AddWithValue("owners", data.Owners.Select(o => o.TenantId).ToArray());
        command.Parameters.AddWithValue("name", DataSet.CreatedMarker);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async Task<long> RowCountAsync()
    {
        await using var connection = new NpgsqlConnection(TargetConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {Table}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public override async Task<bool> WaitUntilIdleAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(TargetConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()", connection);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((long)(await command.ExecuteScalarAsync(cancellationToken))! > 0)
        {
            if (clock.Elapsed > limit)
            {
                return false;
            }

            await Task.Delay(100, cancellationToken);
        }

        return true;
    }

    public override async Task<long> SizeBytesAsync()
    {
        await using var connection = new NpgsqlConnection(TargetConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_database_size(current_database())", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, CancellationToken cancellationToken) =>
        value is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(value, NpgsqlDbType.Varchar, cancellationToken);
}
