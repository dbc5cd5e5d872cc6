using System.Diagnostics.CodeAnalysis;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.EntityFrameworkCore.Query.SqlExpressions;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.Internal;
using Npgsql.EntityFrameworkCore.PostgreSQL.Query.Internal;

// Npgsql's SQL generator is the only place that writes ORDER BY, and it is "internal" API (EF1001): pinned in
// Directory.Packages.props, and PagingTests' null-ordering test fails on either store if an upgrade changes it.
#pragma warning disable EF1001

namespace CredentialSummaries.Api.Persistence.PostgreSql;

/// <summary>
/// Sorts nulls as OData does (OData 4.01 Part 2, 5.1.1.5.2: "null values come before non-null values when sorting in
/// ascending order and after all non-null values when sorting in descending order"), which is also SQLite's order and
/// the order the <c>$skiptoken</c> filter of the next page assumes. PostgreSQL's default is the opposite, so every
/// ordering on something that can be null gets <c>NULLS FIRST</c> (ascending) or <c>NULLS LAST</c> (descending).
/// Orderings on NOT NULL columns (the key and every indexed column) are left as they are, so their indexes still serve
/// the ORDER BY.
/// </summary>
[SuppressMessage("Performance", "CA1812", Justification = "Created by EF Core's service provider.")]
internal sealed class PostgreSqlODataNullOrdering(
    QuerySqlGeneratorDependencies dependencies,
    IRelationalTypeMappingSource typeMappingSource,
    INpgsqlSingletonOptions npgsqlOptions) : IQuerySqlGeneratorFactory
{
    public QuerySqlGenerator Create() => new Generator(dependencies, typeMappingSource, npgsqlOptions.PostgresVersion);

    private sealed class Generator(QuerySqlGeneratorDependencies dependencies, IRelationalTypeMappingSource typeMappingSource, Version postgresVersion)
        : NpgsqlQuerySqlGenerator(dependencies, typeMappingSource, reverseNullOrderingEnabled: false, postgresVersion)
    {
        protected override Expression VisitOrdering(OrderingExpression ordering)
        {
            var result = base.VisitOrdering(ordering);
            if (ordering.Expression is not ColumnExpression { IsNullable: false } and not SqlConstantExpression)
            {
                Sql.Append(ordering.IsAscending ? " NULLS FIRST" : " NULLS LAST");
            }

            return result;
        }
    }
}
