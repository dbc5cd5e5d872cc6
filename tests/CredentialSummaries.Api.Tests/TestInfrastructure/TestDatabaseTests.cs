using CredentialSummaries.Api.Tests.Fixtures;
using Npgsql;

namespace CredentialSummaries.Api.Tests.TestInfrastructure;

/// <summary>
/// The database each test host gets, on either store: the settings the app is given, the direct SQL the tests use
/// (quoted identifiers, <c>@name</c> parameters), the store's integrity check, and the clean-up. Like the cluster's
/// tests they need nothing of the app, so only the SQLite project runs them, for both stores.
/// </summary>
public sealed class TestDatabaseTests
{
    [Fact]
    public void On_PostgreSQL_the_app_is_given_the_provider_and_an_Npgsql_connection_string_on_loopback()
    {
        using var database = TestDatabase.Create(StoreProvider.PostgreSql);

        database.Settings.Should().Equal(
            new KeyValuePair<string, string?>("Database:Provider", "PostgreSql"),
            new KeyValuePair<string, string?>("ConnectionStrings:Summaries", database.ConnectionString));
        database.EnvironmentVariables.Should().Equal(new Dictionary<string, string?>
        {
            ["Database__Provider"] = "PostgreSql",
            ["ConnectionStrings__Summaries"] = database.ConnectionString,
        });
        var connection = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        connection.Host.Should().Be("127.0.0.1");
        connection.Port.Should().Be(PostgreSqlServer.Instance.Port);
        connection.Database.Should().Be(database.PostgreSqlName);
        connection.Username.Should().Be("postgres");
        database.FilePath.Should().BeNull();
    }

    [Fact]
    public void On_SQLite_the_app_is_given_only_the_file_as_before_the_default_store_stays_the_default()
    {
        using var database = TestDatabase.Create(StoreProvider.Sqlite);

        database.Settings.Should().ContainSingle().Which.Should().Be(
            new KeyValuePair<string, string?>("ConnectionStrings:Summaries", $"Data Source={database.FilePath}"));
        Path.IsPathFullyQualified(database.FilePath!).Should().BeTrue();
    }

    [Theory]
    [InlineData(StoreProvider.Sqlite)]
    [InlineData(StoreProvider.PostgreSql)]
    public async Task The_same_sql_arranges_and_reads_rows_and_the_store_checks_sound(StoreProvider provider)
    {
        using var database = TestDatabase.Create(provider);
        var table = TestDatabase.Quote("CredentialUserRegistrationsSummaries");
        var (id, name, flag, refreshed) = (TestDatabase.Quote("Id"), TestDatabase.Quote("TenantDisplayName"),
            TestDatabase.Quote("SecurityDefaultsEnabled"), TestDatabase.Quote("LastRefreshedDateTime"));
        var timestamp = provider == StoreProvider.PostgreSql ? "timestamp with time zone" : "TEXT";
        await database.ExecuteAsync($"CREATE TABLE {table} ({id} text PRIMARY KEY, {name} text NOT NULL, {flag} boolean NOT NULL, {refreshed} {timestamp})");
        await database.ExecuteAsync($"CREATE INDEX {TestDatabase.Quote("IX_Name")} ON {table} ({name})");

        var inserted = await database.ExecuteAsync($"INSERT INTO {table} ({id}, {name}, {flag}) VALUES (@id, @name, @flag)",
            Enumerable.Range(0, 50).Select(i => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>
            {
                ["id"] = $"id-{i:D2}",
                ["name"] = $"O'Brien \"{i}\"",
                ["flag"] = i % 2 == 0,
            }));
        var rows = await database.QueryAsync($"SELECT {id}, {name}, {refreshed} FROM {table} WHERE {flag} = @flag ORDER BY {id}",
            new Dictionary<string, object?> { ["flag"] = true });

        inserted.Should().Be(50);
        rows.Should().HaveCount(25);
        rows[0].Should().Equal("id-00", "O'Brien \"0\"", null);
        (await database.IntegrityCheckAsync()).Should().Be("ok");
    }

    [Fact]
    public async Task Disposing_drops_the_PostgreSQL_database_even_while_a_pooled_connection_holds_it()
    {
        var database = TestDatabase.Create(StoreProvider.PostgreSql);
        await using (var pooled = new NpgsqlConnection(database.ConnectionString))
        {
            await pooled.OpenAsync(); // back to the pool on dispose, still connected: as an app host leaves it
        }

        database.Dispose();

        (await PostgreSqlServer.Instance.DatabaseExistsAsync(database.PostgreSqlName!)).Should().BeFalse();
    }

    [Fact]
    public void Disposing_deletes_the_SQLite_file_and_its_folder()
    {
        var database = TestDatabase.Create(StoreProvider.Sqlite);
        Directory.CreateDirectory(Path.GetDirectoryName(database.FilePath)!);
        File.WriteAllText(database.FilePath!, "");

        database.Dispose();

        Directory.Exists(Path.GetDirectoryName(database.FilePath)).Should().BeFalse();
    }
}
