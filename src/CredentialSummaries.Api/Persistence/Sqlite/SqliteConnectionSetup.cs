using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using SQLitePCL;

namespace CredentialSummaries.Api.Persistence.Sqlite;

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
/// queue for the write lock instead of failing with SQLITE_BUSY. It also replaces SQLite's <c>lower()</c> and
/// <c>upper()</c>, which fold ASCII letters only, with .NET's invariant case mapping, so that <c>$search</c> and
/// <c>tolower</c>/<c>toupper</c> ignore the case of every letter, as PostgreSQL's do (<c>$search="ÉCOLE"</c> finds
/// "École"). And LIKE, which EF uses for <c>startswith</c> and <c>endswith</c>, is made case-sensitive, as
/// OData's functions and PostgreSQL's LIKE are (SQLite's ignores the case of ASCII letters).
/// </summary>
/// <remarks>
/// The PRAGMAs run once per physical connection, not on every open: the pool hands the same SQLite handle out again,
/// and the handle keeps them (checked: a pooled handle still answers <c>busy_timeout</c> 30000 and a case-sensitive
/// LIKE). Running them on every open re-parsed four statements per request. The functions are registered on every
/// open, because they belong to the <see cref="SqliteConnection"/> object, which is not always the one that set up the
/// handle.
/// </remarks>
public sealed class SqliteConnectionSetup(SqliteOptions options) : DbConnectionInterceptor
{
    private readonly string pragmas =
        $"PRAGMA journal_mode=WAL; PRAGMA synchronous={options.Synchronous.ToString().ToUpperInvariant()}; " +
        $"PRAGMA busy_timeout={options.BusyTimeoutMilliseconds}; PRAGMA case_sensitive_like=ON;";

    /// <summary>The handles already set up; a handle closed for good is collected and drops out.</summary>
    private readonly ConditionalWeakTable<sqlite3, object> setUp = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        var sqlite = (SqliteConnection)connection;
        FoldCaseByUnicode(sqlite);
        if (!IsSetUp(sqlite))
        {
            using var command = connection.CreateCommand();
            command.CommandText = pragmas;
            command.ExecuteNonQuery();
            MarkSetUp(sqlite);
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        var sqlite = (SqliteConnection)connection;
        FoldCaseByUnicode(sqlite);
        if (!IsSetUp(sqlite))
        {
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = pragmas;
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            MarkSetUp(sqlite);
        }
    }

    private bool IsSetUp(SqliteConnection connection) => connection.Handle is { } handle && setUp.TryGetValue(handle, out _);

    private void MarkSetUp(SqliteConnection connection)
    {
        if (connection.Handle is { } handle)
        {
            setUp.AddOrUpdate(handle, setUp);
        }
    }

    private static void FoldCaseByUnicode(SqliteConnection connection)
    {
        connection.CreateFunction("lower", (string? text) => text?.ToLowerInvariant(), isDeterministic: true);
        connection.CreateFunction("upper", (string? text) => text?.ToUpperInvariant(), isDeterministic: true);
    }
}
