using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CredentialSummaries.Api.Persistence;

public enum SqliteSynchronous
{
    /// <summary>WAL with synchronous=NORMAL: a commit survives a crash of the process; a power loss may lose the last few.</summary>
    Normal,

    /// <summary>synchronous=FULL: every commit also survives a power loss, at the cost of an fsync per commit.</summary>
    Full,
}

public sealed class SqliteOptions
{
    public const string Section = "Sqlite";

    public SqliteSynchronous Synchronous { get; set; } = SqliteSynchronous.Normal;

    /// <summary>How long a writer waits for another writer's lock before giving up.</summary>
    public int BusyTimeoutMilliseconds { get; set; } = 30_000;
}

/// <summary>
/// Sets WAL, the synchronous level and a busy timeout on every connection EF opens, so that concurrent writers
/// queue for the write lock instead of failing with SQLITE_BUSY.
/// </summary>
public sealed class SqliteConnectionSetup(SqliteOptions options) : DbConnectionInterceptor
{
    private readonly string pragmas =
        $"PRAGMA journal_mode=WAL; PRAGMA synchronous={options.Synchronous.ToString().ToUpperInvariant()}; " +
        $"PRAGMA busy_timeout={options.BusyTimeoutMilliseconds};";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
