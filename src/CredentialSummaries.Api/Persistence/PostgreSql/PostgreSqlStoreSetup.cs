using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Query;
using Npgsql;

namespace CredentialSummaries.Api.Persistence.PostgreSql;

/// <summary>The PostgreSQL store: an Npgsql connection string, and what makes the server unusable at start-up.</summary>
internal static class PostgreSqlStoreSetup
{
    public const string ExampleConnectionString = "Host=127.0.0.1;Port=5432;Database=summaries;Username=summaries;Password=secret";

    public static void AddPostgreSqlStore(this IHostApplicationBuilder builder, string connectionString, Action<DbContextOptionsBuilder> common)
    {
        builder.Services.AddPooledDbContextFactory<PostgreSqlSummariesDbContext>(options =>
        {
            Configure(options, connectionString);
            common(options);
        });
        builder.Services.AddSingleton<IDbContextFactory<SummariesDbContext>, SummariesDbContextFactory<PostgreSqlSummariesDbContext>>();
    }

    internal static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString) =>
        options
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable(PersistenceExtensions.MigrationsHistoryTable))
            .AddInterceptors(PostgreSqlUnicodeCaseFolding.Instance)
            .ReplaceService<IQuerySqlGeneratorFactory, PostgreSqlODataNullOrdering>();

    /// <summary>What is wrong with an Npgsql connection string, checked without connecting; null when it can be tried.</summary>
    public static string? DescribeInvalid(string? configured)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            return "is missing; Database:Provider=PostgreSql needs an Npgsql connection string naming the server and database.";
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(configured);
            return string.IsNullOrWhiteSpace(builder.Host) ? "names no Host; an Npgsql connection string needs the server's Host." : null;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            return $"is not an Npgsql connection string ({e.Message}).";
        }
    }

    /// <summary>Why PostgreSQL cannot be used at all with this connection string, for the operator; null for other faults.</summary>
    public static string? DescribeUnusable(Exception exception, string connectionString)
    {
        var server = new NpgsqlConnectionStringBuilder(connectionString);
        var where = $"database '{server.Database}' on {server.Host}:{server.Port} as '{server.Username}'";
        return exception switch
        {
            PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } e =>
                $"names {where}, and PostgreSQL refused the login ({e.MessageText}).",
            PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } e =>
                $"names {where}, which does not exist ({e.MessageText}). Create it first: CREATE DATABASE summaries OWNER summaries;",
            PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } e =>
                // Migrating creates a missing database first, which needs CREATEDB; then the tables, which need ownership.
                $"names {where}, and that role lacks a right the migrations need ({e.MessageText}): it must own the database " +
                "(or be allowed to create it when it does not exist yet).",
            NpgsqlException { InnerException: SocketException or TimeoutException } e =>
                $"names {where}, which could not be reached ({e.InnerException!.Message}).",
            _ => null,
        };
    }
}

/// <summary>
/// For <c>dotnet ef migrations add … --context PostgreSqlSummariesDbContext</c>: the model needs no server, so the
/// tool gets the PostgreSQL context whatever the app's configuration says.
/// </summary>
public sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlSummariesDbContext>
{
    public PostgreSqlSummariesDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<PostgreSqlSummariesDbContext>();
        PostgreSqlStoreSetup.Configure(options, "Host=localhost;Database=summaries");
        return new(options.Options);
    }
}
