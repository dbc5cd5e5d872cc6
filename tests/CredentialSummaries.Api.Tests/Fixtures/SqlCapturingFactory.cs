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
        // EF Core caches "is command logging on?" per context for a second (DbContextOptionsBuilder.ConfigureLoggingCacheTime),
        // and a pooled context that has just logged a failed command keeps its logging off for that second
        // (dotnet/efcore#32244): statements sent then would be missing from Commands. No cache here, so every one is seen.
        builder.ConfigureServices(services =>
        {
            services.ConfigureDbContext<SqliteSummariesDbContext>(options => options.ConfigureLoggingCacheTime(TimeSpan.Zero));
            services.ConfigureDbContext<PostgreSqlSummariesDbContext>(options => options.ConfigureLoggingCacheTime(TimeSpan.Zero));
        });
    }
}
