using CredentialSummaries.Api.Hosting;
using CredentialSummaries.Api.Identity;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CredentialSummaries.Api.Persistence;

public static class PersistenceExtensions
{
    public const string ConnectionStringName = "Summaries";

    /// <summary>One name for every instance, whatever folder it runs from, so that they all read one key ring.</summary>
    public const string DataProtectionApplicationName = "CredentialSummaries";

    /// <summary>
    /// The summaries store on SQLite: a pooled context factory (contexts are reused across requests), handed to each
    /// request already confined to the caller's tenant, through a lease so that an OData change set can share one.
    /// </summary>
    public static IHostApplicationBuilder AddSummariesStore(this IHostApplicationBuilder builder)
    {
        var sqlite = builder.Configuration.GetSection(SqliteOptions.Section).Get<SqliteOptions>() ?? new SqliteOptions();
        var connectionString = SqliteConnectionString(
            builder.Configuration.GetConnectionString(ConnectionStringName), builder.Environment.ContentRootPath);

        builder.Services.AddSingleton(sqlite);
        builder.Services.AddPooledDbContextFactory<SqliteSummariesDbContext>(options => options
            .UseSqlite(connectionString, sql => sql.MigrationsHistoryTable("__EFMigrationsHistory"))
            .AddInterceptors(new SqliteConnectionSetup(sqlite))
            // A unique-key violation is an expected 409, not a fault: keep EF from logging it as an error with a stack
            // trace. Failures nobody handles still reach GraphExceptionHandler, which logs them with the request-id.
            .ConfigureWarnings(warnings => warnings.Log(
                (CoreEventId.SaveChangesFailed, LogLevel.Debug),
                (RelationalEventId.CommandError, LogLevel.Debug))));
        // A request's context is its own, or in an OData change set the change set's (one transaction for all).
        builder.Services.AddScoped<AmbientChangeSet>();
        builder.Services.AddScoped(services =>
        {
            var owner = services.GetRequiredService<IOwnerTenantAccessor>().OwnerTenantId;
            return services.GetRequiredService<AmbientChangeSet>().Current is { } changeSet
                ? SummariesDbContextLease.Borrow(changeSet.Context, owner)
                : SummariesDbContextLease.Own(services.GetRequiredService<IDbContextFactory<SqliteSummariesDbContext>>().CreateDbContext(), owner);
        });
        builder.Services.AddScoped<ChangeSetTransaction>();
        // The Data Protection key ring lives in the same database: it survives restarts and every instance of one
        // deployment shares it, so what one instance seals (a $skiptoken) any other opens. Data Protection takes its
        // context from a scope of its own, outside any request, so it gets one without an owner.
        builder.Services.AddScoped(services => services.GetRequiredService<IDbContextFactory<SqliteSummariesDbContext>>().CreateDbContext());
        builder.Services.AddDataProtection()
            .SetApplicationName(DataProtectionApplicationName)
            .PersistKeysToDbContext<SqliteSummariesDbContext>();
        builder.Services.AddScoped(services => new SummaryStore(services.GetRequiredService<SummariesDbContextLease>().Context));
        return builder;
    }

    /// <summary>
    /// Applies pending migrations before the first request (never EnsureCreated). A database file SQLite cannot open
    /// is a configuration error naming <c>ConnectionStrings:Summaries</c>, not a crash.
    /// </summary>
    public static async Task MigrateSummariesStoreAsync(this WebApplication app)
    {
        var factory = app.Services.GetRequiredService<IDbContextFactory<SqliteSummariesDbContext>>();
        await using var context = await factory.CreateDbContextAsync();
        try
        {
            await context.Database.MigrateAsync();
        }
        catch (SqliteException e) when (e.SqliteErrorCode is CantOpen or NotADatabase or ReadOnly or Permission)
        {
            var dataSource = new SqliteConnectionStringBuilder(context.Database.GetConnectionString()).DataSource;
            throw StartupConfiguration.DatabaseUnusable(dataSource, e.Message);
        }
    }

    private const int Permission = 3;
    private const int ReadOnly = 8;
    private const int CantOpen = 14;
    private const int NotADatabase = 26;

    /// <summary>
    /// The absolute path of the database file (a relative <c>Data Source</c> is taken from the content root), with its
    /// folder created; null for an in-memory database.
    /// </summary>
    internal static string? SqliteDataSource(string? configured, string contentRoot)
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

    private const string DefaultConnectionString = "Data Source=credentialsummaries.db";

    private static string SqliteConnectionString(string? configured, string contentRoot)
    {
        var builder = new SqliteConnectionStringBuilder(configured ?? DefaultConnectionString);
        if (SqliteDataSource(configured, contentRoot) is { } path)
        {
            builder.DataSource = path;
        }

        return builder.ToString();
    }
}
