using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CredentialSummaries.Api.Persistence.PostgreSql;

/// <summary>
/// One instance at a time migrates a PostgreSQL database: a session-level advisory lock, held on the context's
/// connection from before EF Core looks at the migrations history until <c>MigrateAsync</c> has returned.
/// </summary>
/// <remarks>
/// EF Core's own lock (<c>LOCK TABLE "__EFMigrationsHistory"</c>) is a transaction's, and it did not keep two
/// pending migrations together: in one clean CI run of two instances started together on an empty database, one
/// instance logged that it applied InitialCreate, then failed on CollectorFeatures with <c>column "ChangeVersion" …
/// already exists</c> and exited: the other had applied CollectorFeatures in between. Under this lock an instance
/// reads the history only once any other has finished migrating, finds nothing to apply and starts.
/// </remarks>
internal static class PostgreSqlMigrationGate
{
    /// <summary>The advisory lock's key (ASCII "CSMIGRAT"): the same for every instance of the service.</summary>
    public const long LockKey = 0x43534D4947524154;

    /// <summary>
    /// Waits for the lock and holds it until disposed. Null, and no lock, when the database does not exist yet:
    /// <c>MigrateAsync</c> then creates it or reports why not, as it would without the gate.
    /// </summary>
    public static async Task<IAsyncDisposable?> EnterAsync(SummariesDbContext context)
    {
        try
        {
            await context.Database.OpenConnectionAsync();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            return null;
        }

        try
        {
            await context.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({LockKey})");
        }
        catch
        {
            await context.Database.CloseConnectionAsync();
            throw;
        }

        return new Held(context);
    }

    private sealed class Held(SummariesDbContext context) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                // Explicitly: a pooled connection keeps its session, and with it a lock it was not told to release.
                await context.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({LockKey})");
            }
            catch (NpgsqlException)
            {
                // The connection broke (and the session with its lock went with it); the migration's own error is the one to report.
            }
            finally
            {
                await context.Database.CloseConnectionAsync();
            }
        }
    }
}
