using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace CredentialSummaries.Api.Persistence.Sqlite;

/// <summary>The SQLite store: a database file (WAL), its connection set-up, and what makes it unusable at start-up.</summary>
internal static class SqliteStoreSetup
{
    public const string DefaultConnectionString = "Data Source=credentialsummaries.db";

    public const string ExampleConnectionString = "Data Source=/var/lib/credentialsummaries/summaries.db";

    private const int Permission = 3;
    private const int ReadOnly = 8;
    private const int CantOpen = 14;
    private const int NotADatabase = 26;

    public static void AddSqliteStore(this IHostApplicationBuilder builder, string? configured, Action<DbContextOptionsBuilder> common)
    {
        var sqlite = builder.Configuration.GetSection(SqliteOptions.Section).Get<SqliteOptions>() ?? new SqliteOptions();
        var connectionString = ConnectionString(configured, builder.Environment.ContentRootPath);

        builder.Services.AddSingleton(sqlite);
        builder.Services.AddPooledDbContextFactory<SqliteSummariesDbContext>(options =>
        {
            options
                .UseSqlite(connectionString, sql => sql.MigrationsHistoryTable(PersistenceExtensions.MigrationsHistoryTable))
                .AddInterceptors(new SqliteConnectionSetup(sqlite));
            common(options);
        });
        builder.Services.AddSingleton<IDbContextFactory<SummariesDbContext>, SummariesDbContextFactory<SqliteSummariesDbContext>>();
    }

    /// <summary>What is wrong with a SQLite connection string, checked without opening it; null when it can be tried.</summary>
    public static string? DescribeInvalid(string? configured, string contentRoot)
    {
        if (configured is not null && string.IsNullOrWhiteSpace(configured))
        {
            return "is empty; SQLite would keep the data in a temporary file that is lost on restart.";
        }

        try
        {
            return DataSource(configured, contentRoot) is { } dataSource && Directory.Exists(dataSource)
                ? $"names '{dataSource}', which is a folder, not a database file."
                : null;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            return $"is '{configured}', which is not a SQLite connection string ({e.Message}).";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return $"names a database whose folder cannot be created ({e.Message}).";
        }
    }

    /// <summary>Why SQLite cannot use the configured database at all, in words for the operator; null for other faults.</summary>
    public static string? DescribeUnusable(Exception exception, string connectionString) =>
        exception is SqliteException { SqliteErrorCode: CantOpen or NotADatabase or ReadOnly or Permission } e
            ? $"names '{new SqliteConnectionStringBuilder(connectionString).DataSource}', which SQLite cannot open as a database " +
              $"({e.Message}). It must be a database file (or a path where one can be created) in a writable folder."
            : null;

    /// <summary>
    /// The absolute path of the database file (a relative <c>Data Source</c> is taken from the content root), with its
    /// folder created; null for an in-memory database.
    /// </summary>
    public static string? DataSource(string? configured, string contentRoot)
    {
        var builder = new SqliteConnectionStringBuilder(configured ?? DefaultConnectionString);
        if (builder.DataSource == ":memory:" || builder.Mode == SqliteOpenMode.Memory || string.IsNullOrEmpty(builder.DataSource))
        {
            return null;
        }

        var path = Path.GetFullPath(builder.DataSource, contentRoot);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    private static string ConnectionString(string? configured, string contentRoot)
    {
        var builder = new SqliteConnectionStringBuilder(configured ?? DefaultConnectionString);
        if (DataSource(configured, contentRoot) is { } path)
        {
            builder.DataSource = path;
        }

        return builder.ToString();
    }
}
