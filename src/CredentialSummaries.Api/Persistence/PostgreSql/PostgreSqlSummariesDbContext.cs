using Microsoft.EntityFrameworkCore;

namespace CredentialSummaries.Api.Persistence.PostgreSql;

/// <summary>The shared store for scale-out: PostgreSQL, which every instance of a deployment uses at once.</summary>
public sealed class PostgreSqlSummariesDbContext(DbContextOptions<PostgreSqlSummariesDbContext> options) : SummariesDbContext(options)
{
    public override IReadOnlyCollection<string>? ViolatedUniqueKey(DbUpdateException exception) =>
        PostgreSqlStoreErrors.ViolatedUniqueKey(exception, Model);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Text compares bytewise (by code point in UTF-8), as SQLite's BINARY does, whatever the database's locale:
        // $orderby and the keyset $skiptoken see one order on both stores, and the server's ICU or glibc version
        // cannot reorder an index under a running deployment.
        configurationBuilder.Properties<string>().UseCollation("C");
    }
}
