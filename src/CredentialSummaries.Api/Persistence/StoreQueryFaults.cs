using System.Data.Common;
using CredentialSummaries.Api.Persistence.PostgreSql;
using CredentialSummaries.Api.Persistence.Sqlite;

namespace CredentialSummaries.Api.Persistence;

/// <summary>
/// Tells a read that failed because of what the client asked for (the store cannot translate or evaluate the query)
/// from a fault of the store itself (database unavailable, locked, corrupt, I/O, connection lost). The first is the
/// client's 400; the second stays a 500. Each provider's folder knows its own error codes; this asks both, so it works
/// whichever store runs.
/// </summary>
public static class StoreQueryFaults
{
    /// <returns>Why the store cannot run the query, in words fit for a client; null when the failure is not the query's.</returns>
    public static string? Explain(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case DbException db when (SqliteStoreErrors.IsCausedByQuery(db) ?? PostgreSqlStoreErrors.IsCausedByQuery(db)) == true:
                    return "the data store cannot evaluate an expression in it (too large, too deep or of the wrong type)";
                case DbException:
                    return null;
                // EF Core's query pipeline refuses expressions it cannot translate to SQL ("could not be translated").
                case InvalidOperationException when ThrownIn(e, "Microsoft.EntityFrameworkCore.Query"):
                    return "it uses a function, an operator or a combination of types that the data store cannot evaluate";
                // Microsoft.Data.Sqlite refuses parameter values it cannot bind (NaN, for one).
                case InvalidOperationException when e.TargetSite?.DeclaringType?.FullName == "Microsoft.Data.Sqlite.SqliteValueBinder":
                    return "it holds a value the data store cannot compare with (such as NaN)";
            }
        }

        return null;
    }

    private static bool ThrownIn(Exception exception, string ns) =>
        exception.TargetSite?.DeclaringType?.Namespace?.StartsWith(ns, StringComparison.Ordinal) == true;
}
