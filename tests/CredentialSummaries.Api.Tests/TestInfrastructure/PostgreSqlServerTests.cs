using System.Diagnostics;
using System.Globalization;
using CredentialSummaries.Api.Tests.Fixtures;
using Npgsql;

namespace CredentialSummaries.Api.Tests.TestInfrastructure;

/// <summary>
/// The throwaway PostgreSQL cluster the PostgreSQL run of the suite stands on. These need nothing of the app, so they
/// run in the SQLite project (the PostgreSQL project leaves them out: once is enough).
/// </summary>
public sealed class PostgreSqlServerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_shared_cluster_answers_select_version_with_PostgreSQL_15_over_loopback_TCP_in_UTF8_locale_C_and_UTC()
    {
        var server = PostgreSqlServer.Instance;
        var database = await server.CreateDatabaseAsync();
        try
        {
            await using var connection = new NpgsqlConnection(server.ConnectionString(database));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT version(), inet_server_addr()::text, current_setting('server_encoding'), current_setting('lc_collate'), current_setting('TimeZone')", connection);
            await using var reader = await command.ExecuteReaderAsync();
            (await reader.ReadAsync()).Should().BeTrue();

            reader.GetString(0).Should().StartWith("PostgreSQL 15.", "Debian 12's postgresql package, which .ci/run installs, is PostgreSQL 15");
            reader.GetString(1).Should().Be("127.0.0.1/32", "the tests reach the cluster over TCP on loopback");
            reader.GetString(2).Should().Be("UTF8");
            reader.GetString(3).Should().Be("C");
            reader.GetString(4).Should().Be("UTC", "a run reads the same whatever the machine's time zone");
            new NpgsqlConnectionStringBuilder(server.ConnectionString(database)).Host.Should().Be("127.0.0.1");
            server.Port.Should().NotBe(5432, "the cluster keeps off the port of a cluster the machine may run itself");
        }
        finally
        {
            await server.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public void The_cluster_runs_as_a_non_root_user_and_as_postgres_when_the_tests_run_as_root()
    {
        var uid = PostgreSqlServer.Instance.ServerUid();

        if (PostgreSqlServer.RunningAsRoot)
        {
            uid.Should().NotBe(0, "initdb and postgres refuse root");
            uid.Should().Be(UidOf("postgres"));
        }
        else
        {
            uid.Should().Be(UidOf(Environment.UserName));
        }
    }

    [Fact]
    public async Task Two_created_databases_are_distinct_and_isolated_and_a_dropped_one_is_gone()
    {
        var server = PostgreSqlServer.Instance;
        var first = await server.CreateDatabaseAsync();
        var second = await server.CreateDatabaseAsync();
        first.Should().NotBe(second);
        try
        {
            var firstDatabase = TestDatabase.PostgreSql(server, first);
            var secondDatabase = TestDatabase.PostgreSql(server, second);
            await firstDatabase.ExecuteAsync($"CREATE TABLE {TestDatabase.Quote("Only")} ({TestDatabase.Quote("Value")} text)");
            await firstDatabase.ExecuteAsync($"INSERT INTO {TestDatabase.Quote("Only")} VALUES (@value)", new Dictionary<string, object?> { ["value"] = "first" });

            (await firstDatabase.ScalarAsync($"SELECT {TestDatabase.Quote("Value")} FROM {TestDatabase.Quote("Only")}")).Should().Be("first");
            (await secondDatabase.ScalarAsync("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")).Should().Be(0L);
        }
        finally
        {
            await server.DropDatabaseAsync(first);
            await server.DropDatabaseAsync(second);
        }

        var open = async () =>
        {
            await using var connection = new NpgsqlConnection(server.ConnectionString(first));
            await connection.OpenAsync();
        };
        (await open.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("3D000", "the database no longer exists");
    }

    [Fact]
    public async Task A_private_cluster_is_stopped_and_its_folder_deleted_on_dispose()
    {
        var server = PostgreSqlServer.Start();
        var root = server.RootDirectory;
        var pid = server.ServerProcessId();
        server.RootDirectory.Should().NotBe(PostgreSqlServer.Instance.RootDirectory);
        Directory.Exists(Path.Combine(root, "data")).Should().BeTrue();
        File.Exists(Path.Combine(server.SocketDirectory, $".s.PGSQL.{server.Port.ToString(CultureInfo.InvariantCulture)}")).Should().BeTrue(
            "the server's socket is in the cluster's own folder, not in /var/run/postgresql");

        server.Dispose();

        Directory.Exists(root).Should().BeFalse();
        (await ProcessGoneAsync(pid)).Should().BeTrue("pg_ctl stop waits for the server to exit");
    }

    [Fact]
    public async Task When_the_watched_process_dies_without_stopping_it_the_watchdog_stops_the_cluster_and_deletes_its_folder()
    {
        // A stand-in for a test host killed with SIGKILL: no exit handler of it runs.
        using var host = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        var server = PostgreSqlServer.Start(watchedProcessId: host.Id);
        var root = server.RootDirectory;
        var pid = server.ServerProcessId();

        host.Kill();
        await host.WaitForExitAsync();

        var deadline = Stopwatch.StartNew();
        while (Directory.Exists(root) && deadline.Elapsed < Bound)
        {
            await Task.Delay(200);
        }

        Directory.Exists(root).Should().BeFalse("the watchdog deletes the folder within seconds");
        (await ProcessGoneAsync(pid)).Should().BeTrue("the watchdog shuts the server down");
        server.Dispose(); // nothing left to do, and that is fine
    }

    [Fact]
    public void Missing_server_binaries_fail_with_how_to_install_them_never_a_silent_skip()
    {
        var empty = Path.Combine(Path.GetTempPath(), "credentialsummaries-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(empty, "15"));
        try
        {
            var find = () => PostgreSqlServer.FindBinDirectory(pgConfig: Path.Combine(empty, "no-pg_config"), versionsRoot: empty);

            find.Should().Throw<PostgreSqlNotInstalledException>()
                .WithMessage("*apt-get install -y postgresql*")
                .And.Message.Should().Contain("PostgreSQL 15 on Debian 12").And.Contain(".ci/run").And.Contain(Path.Combine(empty, "*", "bin"));
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public void The_binaries_are_found_where_Debian_puts_them_the_newest_major_first()
    {
        var found = PostgreSqlServer.FindBinDirectory(pgConfig: null);

        found.Should().MatchRegex(@"^/usr/lib/postgresql/\d+/bin$");
        File.Exists(Path.Combine(found, "initdb")).Should().BeTrue();
    }

    private static async Task<bool> ProcessGoneAsync(int pid)
    {
        var deadline = Stopwatch.StartNew();
        while (Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}") && deadline.Elapsed < Bound)
        {
            await Task.Delay(100);
        }

        return !Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}");
    }

    private static int UidOf(string user)
    {
        using var id = Process.Start(new ProcessStartInfo("id", ["-u", user]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        var output = id.StandardOutput.ReadToEnd();
        id.WaitForExit();
        return int.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }
}
