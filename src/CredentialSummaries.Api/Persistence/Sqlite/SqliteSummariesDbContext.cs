using Microsoft.EntityFrameworkCore;

namespace CredentialSummaries.Api.Persistence.Sqlite;

/// <summary>The embedded default: one SQLite file in WAL mode.</summary>
public sealed class SqliteSummariesDbContext(DbContextOptions<SqliteSummariesDbContext> options) : SummariesDbContext(options)
{
    public override IReadOnlyCollection<string>? ViolatedUniqueKey(DbUpdateException exception) =>
        SqliteStoreErrors.ViolatedUniqueKey(exception, Model);
}
