using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>
/// A database of one test's (or one host's) own on the assembly's store (<see cref="TestStore.Provider"/>): a SQLite
/// file in a fresh temporary folder, or a fresh database on <see cref="PostgreSqlServer.Instance"/>. It gives the
/// app's settings for it and reads or writes it directly in SQL that runs on both stores: identifiers in double
/// quotes (<see cref="Quote"/>; PostgreSQL folds unquoted ones to lower case, EF Core's names are PascalCase) and
/// parameters as <c>@name</c>. Disposing it deletes the file or drops the database.
/// </summary>
public sealed class TestDatabase : IDisposable
{
    private readonly PostgreSqlServer? server;

    private TestDatabase(StoreProvider provider, string connectionString, string? filePath, string? postgreSqlName, PostgreSqlServer? server = null)
    {
        this.server = server;
        Provider = provider;
        ConnectionString = connectionString;
        FilePath = filePath;
        PostgreSqlName = postgreSqlName;
    }

    public StoreProvider Provider { get; }

    /// <summary>The connection string the app is given: <c>Data Source=…</c> or Npgsql's <c>Host=…;Port=…;Database=…;Username=…</c>.</summary>
    public string ConnectionString { get; }

    /// <summary>The SQLite file; null on PostgreSQL.</summary>
    public string? FilePath { get; }

    /// <summary>The PostgreSQL database's name; null on SQLite.</summary>
    public string? PostgreSqlName { get; }

    /// <summary>
    /// The app's configuration for this database, as <c>Key:Sub</c> settings. SQLite is the app's default, so it gets
    /// only the connection string (the default path stays tested).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Settings => Provider == StoreProvider.Sqlite
        ? [new("ConnectionStrings:Summaries", ConnectionString)]
        : [new("Database:Provider", "PostgreSql"), new("ConnectionStrings:Summaries", ConnectionString)];

    /// <summary><see cref="Settings"/> as environment variables (<c>Key__Sub</c>), for the app started as a process.</summary>
    public IReadOnlyDictionary<string, string?> EnvironmentVariables =>
        Settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);

    /// <summary>A new database on the assembly's store.</summary>
    public static TestDatabase Create() => Create(TestStore.Provider);

    public static TestDatabase Create(StoreProvider provider) => provider switch
    {
        StoreProvider.Sqlite => Sqlite(Path.Combine(Path.GetTempPath(), "credentialsummaries-tests", Guid.NewGuid().ToString("N"), "summaries.db")),
        // Fixture constructors are synchronous (xunit creates class fixtures with 'new'): a bounded wait on a CREATE DATABASE.
        _ => PostgreSql(PostgreSqlServer.Instance, PostgreSqlServer.Instance.CreateDatabaseAsync().WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult()),
    };

    /// <summary>The SQLite file <paramref name="path"/> (its folder is created by the app, and deleted on dispose).</summary>
    public static TestDatabase Sqlite(string path)
    {
        var full = Path.GetFullPath(path);
        return new TestDatabase(StoreProvider.Sqlite, $"Data Source={full}", full, null);
    }

    /// <summary>
    /// <paramref name="database"/> on <paramref name="server"/>, reached on <paramref name="port"/> when given (a
    /// <see cref="TcpRelay"/> in front of the server) instead of the server's own port.
    /// </summary>
    public static TestDatabase PostgreSql(PostgreSqlServer server, string database, int? port = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        var connectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString(database));
        connectionString.Port = port ?? connectionString.Port;
        return new TestDatabase(StoreProvider.PostgreSql, connectionString.ConnectionString, null, database, server);
    }

    /// <summary>An identifier as both stores read it exactly: <c>"Name"</c>.</summary>
    public static string Quote(string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        return "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>A connection of its own (not pooled on SQLite, so the file can be deleted), opened.</summary>
    public async Task<DbConnection> OpenAsync()
    {
        if (FilePath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!); // the app creates it too, when it starts first
        }

        DbConnection connection = Provider == StoreProvider.Sqlite
            ? new SqliteConnection(new SqliteConnectionStringBuilder(ConnectionString) { Pooling = false }.ToString())
            : new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Every row <paramref name="sql"/> returns, each as its column values in order.</summary>
    public async Task<IReadOnlyList<object?[]>> QueryAsync(string sql, IReadOnlyDictionary<string, object?>? parameters = null)
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The first column of the first row, or null.</summary>
    public async Task<object?> ScalarAsync(string sql, IReadOnlyDictionary<string, object?>? parameters = null)
    {
        var rows = await QueryAsync(sql, parameters);
        return rows.Count == 0 ? null : rows[0][0];
    }

    /// <summary>Runs <paramref name="sql"/> once per parameter set, all in one transaction; returns the rows affected.</summary>
    public async Task<int> ExecuteAsync(string sql, IEnumerable<IReadOnlyDictionary<string, object?>> parameterSets)
    {
        ArgumentNullException.ThrowIfNull(parameterSets);
        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var affected = 0;
        foreach (var parameters in parameterSets)
        {
            await using var command = Command(connection, sql, parameters);
            command.Transaction = transaction;
            affected += await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return affected;
    }

    public Task<int> ExecuteAsync(string sql, IReadOnlyDictionary<string, object?>? parameters = null) =>
        ExecuteAsync(sql, [parameters ?? new Dictionary<string, object?>()]);

    /// <summary>
    /// The store's own check that the data and its indexes are sound: SQLite's <c>PRAGMA integrity_check</c>;
    /// on PostgreSQL, amcheck's <c>bt_index_check</c> with heap verification over every B-tree index of the
    /// public schema. "ok" when sound, otherwise what the store reported.
    /// </summary>
    public async Task<string> IntegrityCheckAsync()
    {
        if (Provider == StoreProvider.Sqlite)
        {
            return Convert.ToString(await ScalarAsync("PRAGMA integrity_check"), CultureInfo.InvariantCulture) ?? "";
        }

        try
        {
            await ExecuteAsync("CREATE EXTENSION IF NOT EXISTS amcheck");
            var indexes = await QueryAsync("""
                SELECT c.relname, bt_index_check(c.oid, true)::text
                FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_am a ON a.oid = c.relam
                WHERE n.nspname = 'public' AND a.amname = 'btree'
                """);
            return indexes.Count > 0 ? "ok" : "no index to check";
        }
        catch (PostgresException e)
        {
            return $"{e.SqlState}: {e.MessageText}";
        }
    }

    /// <summary>Deletes the SQLite file's folder, or drops the PostgreSQL database (closing the app's pooled connections).</summary>
    public void Dispose()
    {
        if (Provider == StoreProvider.Sqlite)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                var directory = Path.GetDirectoryName(FilePath);
                if (directory is not null && Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
            catch (IOException)
            {
                // A file still held by a pooled connection: the OS temp cleaner takes it.
            }

            return;
        }

        server!.DropDatabaseAsync(PostgreSqlName!).WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
    }

    private static DbCommand Command(DbConnection connection, string sql, IReadOnlyDictionary<string, object?>? parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters ?? new Dictionary<string, object?>())
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
