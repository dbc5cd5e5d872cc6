using CredentialSummaries.Api.Persistence.PostgreSql;
using CredentialSummaries.Api.Persistence.Sqlite;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>The real app with EF Core's command log turned on and captured: every SQL statement it sends.</summary>
public class SqlCapturingFactory : LogCapturingFactory
{
    private const string CommandCategory = "Microsoft.EntityFrameworkCore.Database.Command";
    private const int CommandExecutedEventId = 20101;
    private const int CommandErrorEventId = 20102;

    /// <summary>The statements sent: executed ones, and ones the database refused (a unique-key violation, say).</summary>
    public IEnumerable<string> Commands =>
        Entries.Where(e => e.Category == CommandCategory && e.EventId is CommandExecutedEventId or CommandErrorEventId).Select(e => e.Message);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Logging:LogLevel:" + CommandCategory, "Debug");
        builder.ConfigureServices(WithoutEfLoggingCache);
    }

    /// <summary>
    /// EF Core caches "is command logging on? is a diagnostic listener interested?" per context for a second
    /// (<c>DbContextOptionsBuilder.ConfigureLoggingCacheTime</c>), and pooled contexts keep that cache between requests:
    /// one that has just logged a failed command keeps its logging off for that second (dotnet/efcore#32244), and one
    /// that asked before a listener subscribed (at start-up, migrating) misses it for that second. Statements sent
    /// then would be missing from a capture. With no cache, every one is seen.
    /// </summary>
    public static void WithoutEfLoggingCache(IServiceCollection services)
    {
        services.ConfigureDbContext<SqliteSummariesDbContext>(options => options.ConfigureLoggingCacheTime(TimeSpan.Zero));
        services.ConfigureDbContext<PostgreSqlSummariesDbContext>(options => options.ConfigureLoggingCacheTime(TimeSpan.Zero));
    }
}
