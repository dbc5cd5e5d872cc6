using System.Globalization;
using System.Net;
using System.Text.Json;
using CredentialSummaries.Api.Persistence;
using CredentialSummaries.Api.Persistence.Sqlite;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CredentialSummaries.Api.Tests.Persistence;

public sealed class SqliteStorageTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private const string Table = "CredentialUserRegistrationsSummaries";

    private readonly TestTenant tenant = new(factory);

    [Fact]
    public async Task After_start_up_the_database_file_is_in_wal_mode()
    {
        await StartAsync(factory);

        var journalMode = await ScalarAsync(factory.DatabasePath, "PRAGMA journal_mode");

        journalMode.Should().Be("wal");
        File.Exists(factory.DatabasePath).Should().BeTrue();
    }

    [Fact]
    public async Task After_start_up_every_migration_is_recorded_in_the_history_table()
    {
        await StartAsync(factory);

        var migrations = await ColumnAsync(factory.DatabasePath, "SELECT MigrationId FROM __EFMigrationsHistory ORDER BY MigrationId");

        migrations.Should().Equal(AllMigrations());
        migrations[0].Should().EndWith("_InitialCreate");
    }

    private static string[] AllMigrations()
    {
        using var context = new SqliteSummariesDbContext(new DbContextOptionsBuilder<SqliteSummariesDbContext>().UseSqlite("Data Source=:memory:").Options);
        return context.Database.GetMigrations().Order(StringComparer.Ordinal).ToArray();
    }

    [Fact]
    public async Task The_primary_key_is_unique_per_owner_and_id()
    {
        await StartAsync(factory);

        var primaryKey = await ColumnAsync(factory.DatabasePath,
            $"SELECT name FROM pragma_table_info('{Table}') WHERE pk > 0 ORDER BY pk");
        var indexes = await IndexesAsync(factory.DatabasePath);

        primaryKey.Should().Equal("OwnerTenantId", "Id");
        indexes.Should().ContainSingle(i => i.Origin == "pk")
            .Which.Should().BeEquivalentTo(
                new IndexInfo($"sqlite_autoindex_{Table}_1", Unique: true, "pk", ["OwnerTenantId", "Id"]),
                options => options.WithStrictOrdering().ComparingRecordsByMembers());
    }

    [Fact]
    public async Task The_indexes_serve_tenant_id_display_name_last_refreshed_and_change_version_per_owner()
    {
        await StartAsync(factory);

        var indexes = await IndexesAsync(factory.DatabasePath);

        indexes.Where(i => i.Origin == "c").Should().BeEquivalentTo(new[]
        {
            new IndexInfo($"IX_{Table}_OwnerTenantId_TenantId", Unique: true, "c", ["OwnerTenantId", "TenantId"]),
            new IndexInfo($"IX_{Table}_OwnerTenantId_TenantDisplayName", Unique: false, "c", ["OwnerTenantId", "TenantDisplayName"]),
            new IndexInfo($"IX_{Table}_OwnerTenantId_LastRefreshedDateTime", Unique: false, "c", ["OwnerTenantId", "LastRefreshedDateTime"]),
            // Delta queries: the owner's rows changed after a version.
            new IndexInfo($"IX_{Table}_OwnerTenantId_ChangeVersion", Unique: false, "c", ["OwnerTenantId", "ChangeVersion"]),
        }, options => options.WithStrictOrderingFor(i => i.Columns).ComparingRecordsByMembers());
    }

    [Fact]
    public async Task Last_refreshed_date_time_sorts_by_the_instant_not_by_the_text_that_was_sent()
    {
        var times = await CreateThreeTimesAsync();

        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?$orderby=lastRefreshedDateTime desc");

        (await NamesAndTimesAsync(response)).Should().Equal(
            ("C", "2026-01-01T01:00:00Z"),
            ("B", "2025-12-31T23:00:00Z"),
            ("A", "2025-06-15T12:00:00Z"));
        times.Should().HaveCount(3);
    }

    [Fact]
    public async Task Last_refreshed_date_time_compares_by_the_instant_in_a_filter()
    {
        await CreateThreeTimesAsync();

        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?$filter=lastRefreshedDateTime gt 2026-01-01T00:00:00Z");

        (await NamesAndTimesAsync(response)).Should().Equal(("C", "2026-01-01T01:00:00Z"));
    }

    [Fact]
    public async Task Last_refreshed_date_time_filters_by_its_utc_year()
    {
        await CreateThreeTimesAsync();

        using var response = await tenant.Reader.GetAsync(
            $"{GraphApi.Summaries}?$filter=year(lastRefreshedDateTime) eq 2025&$orderby=lastRefreshedDateTime");

        (await NamesAndTimesAsync(response)).Should().Equal(
            ("A", "2025-06-15T12:00:00Z"),
            ("B", "2025-12-31T23:00:00Z"));
    }

    [Fact]
    public async Task Forty_concurrent_creates_on_one_file_all_return_201_and_are_all_counted()
    {
        var writer = tenant.Writer;

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            var body = GraphApi.SeedBody();
            body["tenantDisplayName"] = $"Concurrent {i}";
            using var response = await writer.PostAsync(GraphApi.Summaries, body);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));

        responses.Should().OnlyContain(r => r.StatusCode == HttpStatusCode.Created,
            string.Join(Environment.NewLine, responses.Where(r => r.StatusCode != HttpStatusCode.Created).Select(r => r.Body)));
        responses.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("tenantDisplayName").GetString())
            .Should().BeEquivalentTo(Enumerable.Range(0, 40).Select(i => $"Concurrent {i}"));
        using var count = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/$count");
        (await count.Content.ReadAsStringAsync()).Should().Be("40");
        count.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Twenty_concurrent_updates_of_one_row_all_return_200_and_one_of_them_wins_whole()
    {
        var created = await tenant.Writer.CreateAsync();
        var id = created.Id();
        var writer = tenant.Writer;

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            using var response = await writer.PatchAsync($"{GraphApi.Summaries}/{id}",
                new { tenantDisplayName = $"Update {i}", totalUserCount = 1000 + i });
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(), Index: i);
        }));

        responses.Should().OnlyContain(r => r.StatusCode == HttpStatusCode.OK,
            string.Join(Environment.NewLine, responses.Where(r => r.StatusCode != HttpStatusCode.OK).Select(r => r.Body)));
        foreach (var (_, body, i) in responses)
        {
            using var document = JsonDocument.Parse(body);
            document.RootElement.GetProperty("tenantDisplayName").GetString().Should().Be($"Update {i}");
            document.RootElement.GetProperty("totalUserCount").GetInt32().Should().Be(1000 + i);
        }

        using var stored = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{id}");
        var json = await stored.ReadJsonAsync();
        var winner = json.GetProperty("totalUserCount").GetInt32() - 1000;
        winner.Should().BeInRange(0, 19);
        json.GetProperty("tenantDisplayName").GetString().Should().Be($"Update {winner}", "both fields come from the same write");
    }

    [Fact]
    public async Task A_created_row_is_visible_to_another_connection_on_the_file_as_soon_as_the_create_is_answered()
    {
        var created = await tenant.Writer.CreateAsync();

        var stored = await ColumnAsync(factory.DatabasePath,
            $"SELECT TenantDisplayName FROM {Table} WHERE OwnerTenantId = '{tenant.Id}' AND Id = '{created.Id()}'");

        stored.Should().Equal("Contoso Ltd");
    }

    [Fact]
    public async Task A_created_row_survives_a_restart_of_the_service_on_the_same_file()
    {
        var path = SummariesApiFactory.NewDatabasePath();
        var owner = Guid.NewGuid().ToString();
        var token = TokenMinter.Delegated(owner, GraphApi.ReadWrite);
        try
        {
            string id;
            using (var first = new FileReusingFactory(path))
            {
                var body = GraphApi.SeedBody();
                body["tenantDisplayName"] = "Survivor";
                id = (await first.ClientFor(token).CreateAsync(body)).Id();
            }

            using var second = new FileReusingFactory(path);
            using var response = await second.ClientFor(token).GetAsync($"{GraphApi.Summaries}/{id}");

            var json = await response.ReadJsonAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
            json.GetProperty("tenantDisplayName").GetString().Should().Be("Survivor");
            json.GetProperty("lastRefreshedDateTime").GetString().Should().Be("2026-11-24T07:00:00Z");
            second.DatabasePath.Should().Be(Path.GetFullPath(path));
            (await ColumnAsync(path, "SELECT MigrationId FROM __EFMigrationsHistory ORDER BY MigrationId")).Should()
                .Equal(AllMigrations(), "the second start applies nothing twice");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public async Task A_conflicting_create_is_answered_409_without_an_error_in_the_log()
    {
        using var capturing = new LogCapturingFactory();
        var owner = new TestTenant(capturing);
        var body = GraphApi.SeedBody();
        await owner.Writer.CreateAsync(body);
        capturing.Entries.Clear();

        using var response = await owner.Writer.PostAsync(GraphApi.Summaries, body);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Conflict, "Conflict");
        capturing.Entries.Where(e => e.Level >= LogLevel.Warning).Should().BeEmpty("a 409 is the expected answer, not a fault");
    }

    [Fact]
    public async Task Every_query_option_of_a_list_runs_in_sql_confined_to_the_owner()
    {
        using var capturing = new SqlCapturingFactory();
        var owner = new TestTenant(capturing);
        var tenantIds = new Dictionary<string, string>();
        foreach (var (name, total) in new[] { ("A", 10), ("B", 3), ("C", 20), ("D", 30), ("E", 40), ("F", 50) })
        {
            tenantIds[name] = Guid.NewGuid().ToString();
            await owner.Writer.CreateAsync(new { tenantId = tenantIds[name], tenantDisplayName = $"Tenant {name}", totalUserCount = total });
        }

        capturing.Entries.Clear();

        using var response = await owner.Reader.GetAsync(
            $"{GraphApi.Summaries}?$filter=totalUserCount gt 5&$orderby=tenantDisplayName&$top=3&$skip=1&$select=tenantId&$count=true");

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        json.GetProperty("@odata.count").GetInt32().Should().Be(5);
        json.GetProperty("value").EnumerateArray().Select(e => e.GetProperty("tenantId").GetString())
            .Should().Equal(tenantIds["C"], tenantIds["D"], tenantIds["E"]);
        var commands = capturing.Commands.ToArray();
        var count = commands.Should().ContainSingle(c => c.Contains("COUNT(", StringComparison.Ordinal),
            "$count should be a SQL COUNT; captured: {0}", string.Join("\n---\n", commands)).Subject;
        count.Should().Contain("WHERE").And.Contain("\"OwnerTenantId\" =").And.Contain("\"TotalUserCount\" >");
        count.Should().NotContain("LIMIT", "the count is of every match, not of the page");
        var select = commands.Should().ContainSingle(c => c.Contains("LIMIT", StringComparison.Ordinal)).Subject;
        select.Should().Contain("WHERE").And.Contain("\"OwnerTenantId\" =").And.Contain("\"TotalUserCount\" >")
            .And.Contain("ORDER BY \"c\".\"TenantDisplayName\"").And.Contain("OFFSET");
        var columns = select[select.IndexOf("SELECT", StringComparison.Ordinal)..select.IndexOf("FROM", StringComparison.Ordinal)];
        // $select is a SQL projection: the selected column, the key and the order column (which the next link's
        // $skiptoken is made of), never the whole row.
        columns.Should().Contain("\"TenantId\"").And.Contain("\"Id\"")
            .And.NotContain("\"TotalUserCount\"").And.NotContain("\"MfaRegisteredUserCount\"").And.NotContain("\"SsprEnabledUserCount\"");
        commands.Where(c => c.Contains(Table, StringComparison.Ordinal)).Should()
            .OnlyContain(c => c.Contains("\"OwnerTenantId\" =", StringComparison.Ordinal), "no query may read across owners");
        string.Join(",", json.GetProperty("value").EnumerateArray().Select(e => e.ToString())).Should().NotContain("tenantDisplayName");
    }

    [Fact]
    public async Task By_default_connections_use_synchronous_normal()
    {
        await StartAsync(factory);

        var synchronous = await AppConnectionPragmaAsync(factory, "PRAGMA synchronous");

        synchronous.Should().Be(1L, "synchronous=NORMAL is 1");
        factory.Services.GetRequiredService<SqliteOptions>().Synchronous.Should().Be(SqliteSynchronous.Normal);
    }

    [Fact]
    public async Task Sqlite_synchronous_full_in_configuration_makes_connections_use_synchronous_full()
    {
        using var full = new SynchronousFullFactory();
        await StartAsync(full);

        var synchronous = await AppConnectionPragmaAsync(full, "PRAGMA synchronous");
        var journalMode = await AppConnectionPragmaAsync(full, "PRAGMA journal_mode");

        synchronous.Should().Be(2L, "synchronous=FULL is 2");
        journalMode.Should().Be("wal");
    }

    [Fact]
    public async Task Connections_the_app_opens_wait_for_a_busy_writer_instead_of_failing()
    {
        await StartAsync(factory);

        var busyTimeout = await AppConnectionPragmaAsync(factory, "PRAGMA busy_timeout");

        busyTimeout.Should().Be(30_000L);
    }

    /// <summary>
    /// Three instants whose local text sorts differently from their UTC instant: B's text says 2026 but it is 2025 in
    /// UTC, C's text says 2025 but it is 2026 in UTC.
    /// </summary>
    private async Task<string[]> CreateThreeTimesAsync()
    {
        var sent = new[] { ("A", "2025-06-15T12:00:00Z"), ("B", "2026-01-01T01:00:00+02:00"), ("C", "2025-12-31T23:00:00-02:00") };
        var stored = new List<string>();
        foreach (var (name, time) in sent)
        {
            var body = GraphApi.SeedBody();
            body["tenantDisplayName"] = name;
            body["lastRefreshedDateTime"] = time;
            stored.Add((await tenant.Writer.CreateAsync(body)).GetProperty("lastRefreshedDateTime").GetString()!);
        }

        stored.Should().Equal("2025-06-15T12:00:00Z", "2025-12-31T23:00:00Z", "2026-01-01T01:00:00Z");
        return [.. stored];
    }

    private static async Task<(string Name, string Time)[]> NamesAndTimesAsync(HttpResponseMessage response)
    {
        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        return json.GetProperty("value").EnumerateArray()
            .Select(e => (e.GetProperty("tenantDisplayName").GetString()!, e.GetProperty("lastRefreshedDateTime").GetString()!))
            .ToArray();
    }

    /// <summary>The host starts (and migrates) on first use.</summary>
    private static async Task StartAsync(SummariesApiFactory host)
    {
        using var response = await host.ClientFor(token: null).GetAsync($"{GraphApi.V1Root}/$metadata");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    /// <summary>A pragma as seen by a connection the app itself opens (its interceptor has run on it).</summary>
    private static async Task<object?> AppConnectionPragmaAsync(SummariesApiFactory host, string pragma)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var contexts = scope.ServiceProvider.GetRequiredService<IDbContextFactory<SummariesDbContext>>();
        await using var context = await contexts.CreateDbContextAsync();
        await context.Database.OpenConnectionAsync();
        try
        {
            await using var command = context.Database.GetDbConnection().CreateCommand();
            command.CommandText = pragma;
            return await command.ExecuteScalarAsync();
        }
        finally
        {
            await context.Database.CloseConnectionAsync();
        }
    }

    private static async Task<object?> ScalarAsync(string path, string sql)
    {
        await using var connection = Open(path);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static async Task<List<string>> ColumnAsync(string path, string sql)
    {
        await using var connection = Open(path);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture)!);
        }

        return values;
    }

    private static async Task<List<IndexInfo>> IndexesAsync(string path)
    {
        var indexes = new List<IndexInfo>();
        foreach (var row in await RowsAsync(path, $"SELECT name, \"unique\", origin FROM pragma_index_list('{Table}')"))
        {
            var name = (string)row[0]!;
            var columns = await ColumnAsync(path, $"SELECT name FROM pragma_index_info('{name}') ORDER BY seqno");
            indexes.Add(new IndexInfo(name, (long)row[1]! == 1, (string)row[2]!, [.. columns]));
        }

        var declared = await ColumnAsync(path, $"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '{Table}' AND sql IS NOT NULL");
        declared.Should().BeEquivalentTo(indexes.Where(i => i.Origin == "c").Select(i => i.Name));
        return indexes;
    }

    private static async Task<List<object?[]>> RowsAsync(string path, string sql)
    {
        await using var connection = Open(path);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            reader.GetValues(row!);
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>A connection of the test's own on the app's file, outside the app's pool and interceptors.</summary>
    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private sealed record IndexInfo(string Name, bool Unique, string Origin, string[] Columns);

    private sealed class FileReusingFactory(string databasePath) : SummariesApiFactory(TestDatabase.Sqlite(databasePath));

    private sealed class SynchronousFullFactory : SummariesApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
            [.. base.Settings(), new("Sqlite:Synchronous", "Full")];
    }
}
