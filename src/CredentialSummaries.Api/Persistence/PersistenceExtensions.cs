using CredentialSummaries.Api.Hosting;
using CredentialSummaries.Api.Identity;
using CredentialSummaries.Api.Persistence.PostgreSql;
using CredentialSummaries.Api.Persistence.Sqlite;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CredentialSummaries.Api.Persistence;

/// <summary>The databases the summaries can live in, chosen by <c>Database:Provider</c>.</summary>
public enum StoreProvider
{
    /// <summary>One SQLite file in WAL mode: the default, for one instance.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database that every instance of a deployment shares.</summary>
    PostgreSql,
}

public static class PersistenceExtensions
{
    public const string ConnectionStringName = "Summaries";

    public const string ProviderKey = "Database:Provider";

    public const string MigrationsHistoryTable = "__EFMigrationsHistory";

    /// <summary>One name for every instance, whatever folder it runs from, so that they all read one key ring.</summary>
    public const string DataProtectionApplicationName = "CredentialSummaries";

    /// <summary>The configured provider (case-insensitive, SQLite when unset); null when the value names none.</summary>
    public static StoreProvider? Provider(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[ProviderKey];
        // By name only: Enum.TryParse would also take "1".
        return string.IsNullOrWhiteSpace(value) ? StoreProvider.Sqlite
            : Enum.GetValues<StoreProvider>().Select(p => (StoreProvider?)p)
                .FirstOrDefault(p => p.ToString()!.Equals(value.Trim(), StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The summaries store on the configured provider: a pooled context factory (contexts are reused across requests),
    /// handed to each request already confined to the caller's tenant, through a lease so that an OData change set can
    /// share one. Everything past this method sees only the provider-neutral <see cref="SummariesDbContext"/>.
    /// </summary>
    public static IHostApplicationBuilder AddSummariesStore(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);
        switch (Provider(builder.Configuration))
        {
            case StoreProvider.PostgreSql:
                builder.AddPostgreSqlStore(connectionString!, Common);
                break;
            default:
                builder.AddSqliteStore(connectionString, Common);
                break;
        }

        // A request's context is its own, or in an OData change set the change set's (one transaction for all).
        builder.Services.AddScoped<AmbientChangeSet>();
        builder.Services.AddScoped(services =>
        {
            var owner = services.GetRequiredService<IOwnerTenantAccessor>().OwnerTenantId;
            return services.GetRequiredService<AmbientChangeSet>().Current is { } changeSet
                ? SummariesDbContextLease.Borrow(changeSet.Context, owner)
                : SummariesDbContextLease.Own(services.GetRequiredService<IDbContextFactory<SummariesDbContext>>().CreateDbContext(), owner);
        });
        builder.Services.AddScoped<ChangeSetTransaction>();
        // The Data Protection key ring lives in the same database: it survives restarts and every instance of one
        // deployment shares it, so what one instance seals (a $skiptoken) any other opens. Data Protection takes its
        // context from a scope of its own, outside any request, so it gets one without an owner.
        builder.Services.AddScoped(services => services.GetRequiredService<IDbContextFactory<SummariesDbContext>>().CreateDbContext());
        builder.Services.AddDataProtection()
            .SetApplicationName(DataProtectionApplicationName)
            .PersistKeysToDbContext<SummariesDbContext>();
        builder.Services.Configure<RetentionOptions>(builder.Configuration.GetSection(RetentionOptions.Section));
        builder.Services.AddSingleton<RetentionSweep>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RetentionSweep>());
        builder.Services.AddScoped(services => new HistoryStore(services.GetRequiredService<SummariesDbContextLease>().Context));
        builder.Services.AddScoped(services => new CollectionStatusStore(services.GetRequiredService<SummariesDbContextLease>().Context));
        builder.Services.AddScoped(services => new SummaryStore(services.GetRequiredService<SummariesDbContextLease>().Context, services.GetRequiredService<TimeProvider>()));
        return builder;
    }

    // A unique-key violation is an expected 409, not a fault: keep EF from logging it as an error with a stack trace.
    // Failures nobody handles still reach GraphExceptionHandler, which logs them with the request-id.
    private static void Common(DbContextOptionsBuilder options) =>
        options.ConfigureWarnings(warnings => warnings.Log(
            (CoreEventId.SaveChangesFailed, LogLevel.Debug),
            (RelationalEventId.CommandError, LogLevel.Debug)));

    /// <summary>
    /// Applies pending migrations before the first request (never EnsureCreated). A database the provider cannot use
    /// at all (a file SQLite cannot open, a PostgreSQL login refused or a database missing) is a configuration error
    /// naming <c>ConnectionStrings:Summaries</c>, not a crash.
    /// </summary>
    /// <remarks>
    /// Instances that start at the same moment on an empty database migrate it once. Since EF Core 9, MigrateAsync
    /// holds a database-wide migration lock while it reads the history and applies what is missing: on SQLite a row
    /// in <c>__EFMigrationsLock</c>, which is enough. On PostgreSQL that lock is a transaction's
    /// (<c>LOCK TABLE "__EFMigrationsHistory"</c>), and with two pending migrations it let a second instance apply
    /// the second migration under the first one (see <see cref="PostgreSqlMigrationGate"/>), so the whole
    /// MigrateAsync is held under an advisory lock of the service's own as well.
    /// <para>
    /// Then, under that lock again, the Data Protection key ring is loaded, which creates its first key when the
    /// database has none (<see cref="LoadKeyRingAsync"/>).
    /// </para>
    /// </remarks>
    public static async Task MigrateSummariesStoreAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var factory = app.Services.GetRequiredService<IDbContextFactory<SummariesDbContext>>();
        await using var context = await factory.CreateDbContextAsync();
        try
        {
            await using (context is PostgreSqlSummariesDbContext ? await PostgreSqlMigrationGate.EnterAsync(context) : null)
            {
                await context.Database.MigrateAsync();
            }

            await LoadKeyRingAsync(app.Services, context);
        }
        catch (Exception e) when (DescribeUnusable(e, context) is { } problem)
        {
            throw StartupConfiguration.DatabaseUnusable(problem, ExampleConnectionString(Provider(app.Configuration)));
        }
    }

    /// <summary>
    /// Loads the Data Protection key ring (which seals <c>$skiptoken</c>s) while holding EF Core's migration lock, so
    /// that instances starting together on a database without a usable key create one key between them: the first
    /// creates it, the others wait and read it. Left to Data Protection's own start-up, each instance read the empty
    /// ring and created a key of its own (seen on PostgreSQL in every simultaneous start tried), and an instance that
    /// had read the ring before the other's key was stored did not know that key: once Data Protection stops
    /// reloading the ring for an unknown key (2 minutes after start-up), it refused every <c>$skiptoken</c> the other
    /// sealed, until its daily refresh. (Replacement keys, made before a key expires, are no such race: they activate
    /// days after they are made, when every instance has read them.)
    /// </summary>
    /// <remarks>
    /// PostgreSQL's migration lock is <c>LOCK TABLE "__EFMigrationsHistory"</c>, held by a transaction of its own;
    /// SQLite's is a row in <c>__EFMigrationsLock</c>, held until released, and needs no transaction (one would hold
    /// SQLite's write lock and block the key's INSERT, which Data Protection runs on a connection of its own).
    /// </remarks>
    private static async Task LoadKeyRingAsync(IServiceProvider services, SummariesDbContext context)
    {
        var history = context.GetService<IHistoryRepository>();
        await context.Database.OpenConnectionAsync();
        try
        {
            await using var transaction = history.LockReleaseBehavior == LockReleaseBehavior.Transaction
                ? await context.Database.BeginTransactionAsync()
                : null;
            await using (await history.AcquireDatabaseLockAsync())
            {
                // Any protection loads the ring, creating a key when there is none usable.
                services.GetDataProtector(KeyRingLoadPurpose).Protect([]);
            }

            if (transaction is not null)
            {
                await transaction.CommitAsync();
            }
        }
        finally
        {
            await context.Database.CloseConnectionAsync();
        }
    }

    private const string KeyRingLoadPurpose = "CredentialSummaries.KeyRingLoad";

    /// <summary>A connection string that would work for <paramref name="provider"/>, for the configuration check's messages.</summary>
    public static string ExampleConnectionString(StoreProvider? provider) =>
        provider == StoreProvider.PostgreSql ? PostgreSqlStoreSetup.ExampleConnectionString : SqliteStoreSetup.ExampleConnectionString;

    /// <summary>What is wrong with the configured connection string, judged without opening it; null when it can be tried.</summary>
    public static string? DescribeInvalidConnectionString(IConfiguration configuration, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = configuration.GetConnectionString(ConnectionStringName);
        return Provider(configuration) switch
        {
            StoreProvider.PostgreSql => PostgreSqlStoreSetup.DescribeInvalid(configured),
            StoreProvider.Sqlite => SqliteStoreSetup.DescribeInvalid(configured, contentRoot),
            _ => null,
        };
    }

    private static string? DescribeUnusable(Exception exception, SummariesDbContext context) =>
        context switch
        {
            PostgreSqlSummariesDbContext => PostgreSqlStoreSetup.DescribeUnusable(exception, context.Database.GetConnectionString()!),
            _ => SqliteStoreSetup.DescribeUnusable(exception, context.Database.GetConnectionString()!),
        };
}
