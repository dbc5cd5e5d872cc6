using CredentialSummaries.Api.Model;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace CredentialSummaries.Api.Persistence.Sqlite;

/// <summary>What SQLite's errors mean for a client: a query it caused, or a unique key it hit.</summary>
internal static class SqliteStoreErrors
{
    // SQLite result codes a query can cause: a generic SQL error (expression tree too deep, too many terms),
    // a string or blob too big, a datatype mismatch, a parameter out of range.
    private const int SqliteError = 1;
    private const int SqliteTooBig = 18;
    private const int SqliteConstraint = 19;
    private const int SqliteMismatch = 20;
    private const int SqliteRange = 25;

    private const int SqliteConstraintPrimaryKey = SqliteConstraint | (6 << 8);
    private const int SqliteConstraintUnique = SqliteConstraint | (8 << 8);

    private const string UniqueFailed = "UNIQUE constraint failed: ";

    /// <returns>True when SQLite refused the query itself; false for its other errors; null when it is not SQLite's.</returns>
    public static bool? IsCausedByQuery(Exception exception) =>
        exception is SqliteException sqlite
            ? sqlite.SqliteErrorCode switch
            {
                SqliteTooBig or SqliteMismatch or SqliteRange => true,
                // "no such table/column" is a schema fault of the service, not of the query.
                SqliteError => !sqlite.Message.Contains("no such ", StringComparison.OrdinalIgnoreCase),
                _ => false,
            }
            : null;

    /// <summary>
    /// The columns of the summaries' key that a write violated: SQLite reports error 19 (primary key or unique) and
    /// names the columns, <c>UNIQUE constraint failed: Table.OwnerTenantId, Table.TenantId</c>.
    /// </summary>
    public static IReadOnlyCollection<string>? ViolatedUniqueKey(DbUpdateException exception, IModel model)
    {
        if (exception.InnerException is not SqliteException { SqliteErrorCode: SqliteConstraint } sqlite
            || sqlite.SqliteExtendedErrorCode is not (SqliteConstraintPrimaryKey or SqliteConstraintUnique))
        {
            return null;
        }

        var start = sqlite.Message.IndexOf(UniqueFailed, StringComparison.Ordinal);
        var table = model.FindEntityType(typeof(CredentialUserRegistrationsSummary))?.GetTableName();
        if (start < 0 || table is null)
        {
            return null;
        }

        var columns = sqlite.Message[(start + UniqueFailed.Length)..].TrimEnd('.', '\'', ' ')
            .Split(", ", StringSplitOptions.TrimEntries)
            .Select(qualified => qualified.Split('.', 2))
            .ToArray();
        return columns.Length > 0 && columns.All(c => c.Length == 2 && c[0] == table) ? columns.Select(c => c[1]).ToArray() : null;
    }
}
