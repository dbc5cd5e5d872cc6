using CredentialSummaries.Api.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;

namespace CredentialSummaries.Api.Persistence.PostgreSql;

/// <summary>What PostgreSQL's errors mean for a client: a query it caused, or a unique key it hit.</summary>
internal static class PostgreSqlStoreErrors
{
    /// <returns>True when PostgreSQL refused the query itself; false for its other errors; null when it is not PostgreSQL's.</returns>
    public static bool? IsCausedByQuery(Exception exception) =>
        exception switch
        {
            PostgresException postgres => IsCausedByQuery(postgres.SqlState),
            // Npgsql's own faults: a broken connection, a timeout, a protocol error.
            NpgsqlException => false,
            _ => null,
        };

    private static bool IsCausedByQuery(string sqlState) =>
        sqlState switch
        {
            // The schema or the service's rights are wrong, not the query: undefined table or column, no privilege.
            PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn or PostgresErrorCodes.InsufficientPrivilege => false,
            // Class 22, data exception: division by zero, a value out of range, an invalid text representation.
            // Class 42, syntax or access rule: no such function or operator for these types, a datatype mismatch.
            // Class 54, program limit exceeded: a statement or expression too complex or too deep.
            _ => sqlState.StartsWith("22", StringComparison.Ordinal)
                || sqlState.StartsWith("42", StringComparison.Ordinal)
                || sqlState.StartsWith("54", StringComparison.Ordinal),
        };

    /// <summary>
    /// The columns of the summaries' key that a write violated: PostgreSQL reports 23505 (unique_violation) with the
    /// name of the constraint or index, which the model maps back to its columns.
    /// </summary>
    public static IReadOnlyCollection<string>? ViolatedUniqueKey(DbUpdateException exception, IModel model)
    {
        if (exception.InnerException is not PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } postgres
            || model.FindEntityType(typeof(CredentialUserRegistrationsSummary)) is not { } summaries
            || postgres.TableName != summaries.GetTableName())
        {
            return null;
        }

        var table = StoreObjectIdentifier.Table(summaries.GetTableName()!, summaries.GetSchema());
        var key = summaries.GetKeys().FirstOrDefault(k => k.GetName(table) == postgres.ConstraintName)?.Properties
            ?? summaries.GetIndexes().FirstOrDefault(i => i.IsUnique && i.GetDatabaseName(table) == postgres.ConstraintName)?.Properties;
        return key?.Select(p => p.GetColumnName(table)!).ToArray();
    }
}
