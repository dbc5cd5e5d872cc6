using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace CredentialSummaries.Bench.Runner;

/// <summary>
/// A throwaway PostgreSQL cluster in the work folder (<c>pg/</c>): <c>initdb</c> (trust on loopback, UTF8, locale C),
/// started with <c>pg_ctl</c> on a free loopback port with its socket in its own folder, so it never meets a cluster the
/// machine runs. As root it runs as <c>postgres</c> (<c>runuser -u postgres --</c>), since PostgreSQL refuses root.
/// Written after tests/…/Fixtures/PostgreSqlServer.cs, which cannot be linked alone (it needs the test fixtures'
/// ApiProcess). Settings are the server's defaults except: loopback only, UTC, room for both targets' pools, 256 MB of
/// shared buffers (the deep owner's rows fit), and <c>synchronous_commit=off</c> (a commit is not flushed before the
/// answer, the counterpart of the service's SQLite <c>synchronous=NORMAL</c> in WAL mode; fsync stays on).
/// </summary>
internal sealed class PostgreSqlCluster : IAsyncDisposable
{
    private const string SuperUser = "postgres";
    private const string VersionsRoot = "/usr/lib/postgresql";

    private readonly string? runAs;
    private bool stopped;

    private PostgreSqlCluster(string binDirectory, string root, string? runAs, int port)
    {
        BinDirectory = binDirectory;
        Root = root;
        this.runAs = runAs;
        Port = port;
    }

    public string BinDirectory { get; }

    public string Root { get; }

    public int Port { get; }

    public string DataDirectory => Path.Combine(Root, "data");

    public string LogPath => Path.Combine(Root, "server.log");

    public static async Task<PostgreSqlCluster> StartAsync(WorkFolder work)
    {
        var bin = await FindBinDirectoryAsync();
        var runAs = IsRoot() ? SuperUser : null;
        if (runAs is not null && (await Tool.RunAsync("id", ["-u", runAs])).ExitCode != 0)
        {
            throw new BenchException("The runner is root and PostgreSQL refuses to run as root, but the user 'postgres' does not exist; " +
                "installing the server (apt-get install -y postgresql) creates it.");
        }

        var cluster = new PostgreSqlCluster(bin, work.PathOf("pg"), runAs, FreeLoopbackPort());
        try
        {
            await cluster.InitializeAndStartAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Database = database,
        Username = SuperUser,
    }.ConnectionString;

    public async Task<string> VersionAsync() => await Tool.FirstLineAsync(Path.Combine(BinDirectory, "postgres"), "--version");

    public async Task CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (stopped)
        {
            return;
        }

        stopped = true;
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            var result = await RunAsServerUserAsync("pg_ctl", ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "30"]);
            if (result.ExitCode != 0 && File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                await RunAsServerUserAsync("pg_ctl", ["stop", "-D", DataDirectory, "-m", "immediate", "-w", "-t", "30"]);
            }
        }
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task InitializeAndStartAsync()
    {
        Directory.CreateDirectory(Path.Combine(Root, "socket"));
        if (runAs is not null)
        {
            (await Tool.RunAsync("chown", ["-R", $"{runAs}:", Root])).ShouldSucceed();
        }

        (await RunAsServerUserAsync("initdb", ["-D", DataDirectory, "-U", SuperUser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-instructions"]))
            .ShouldSucceed();
        var options = string.Join(' ',
            $"-p {Port.ToString(CultureInfo.InvariantCulture)}",
            "-c listen_addresses=127.0.0.1",
            $"-c unix_socket_directories='{Path.Combine(Root, "socket")}'",
            "-c max_connections=300",
            "-c shared_buffers=256MB",
            "-c timezone=UTC",
            "-c synchronous_commit=off");
        (await RunAsServerUserAsync("pg_ctl", ["start", "-D", DataDirectory, "-l", LogPath, "-w", "-t", "60", "-o", options]))
            .ShouldSucceed(File.Exists(LogPath) ? "--- server log ---\n" + await File.ReadAllTextAsync(LogPath) : null);
    }

    private Task<ToolResult> RunAsServerUserAsync(string tool, IEnumerable<string> arguments)
    {
        var path = Path.Combine(BinDirectory, tool);
        return runAs is null
            ? Tool.RunAsync(path, arguments, TimeSpan.FromSeconds(90), Root)
            : Tool.RunAsync("runuser", ["-u", runAs, "--", path, .. arguments], TimeSpan.FromSeconds(90), Root);
    }

    /// <summary><c>pg_config --bindir</c> when it holds the server, else the newest <c>/usr/lib/postgresql/*/bin</c>.</summary>
    private static async Task<string> FindBinDirectoryAsync()
    {
        var pgConfig = await Tool.RunAsync("pg_config", ["--bindir"], TimeSpan.FromSeconds(10));
        if (pgConfig.ExitCode == 0 && HasServer(pgConfig.Output.Trim()))
        {
            return pgConfig.Output.Trim();
        }

        var newest = Directory.Exists(VersionsRoot)
            ? Directory.GetDirectories(VersionsRoot)
                .Select(d => (Bin: Path.Combine(d, "bin"), Major: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : -1))
                .Where(v => v.Major >= 0 && HasServer(v.Bin))
                .OrderByDescending(v => v.Major)
                .Select(v => v.Bin)
                .FirstOrDefault()
            : null;
        return newest ?? throw new BenchException(
            "The PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed: apt-get install -y postgresql " +
            "(./bench/run.sh installs them), or run with --stores sqlite.");
    }

    private static bool HasServer(string directory) =>
        directory.Length > 0 && File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl"))
        && File.Exists(Path.Combine(directory, "postgres"));

    private static bool IsRoot() =>
        File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal))
            .Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[2] == "0";
}
