using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>The PostgreSQL server binaries are not on this machine: the message says how to install them.</summary>
public sealed class PostgreSqlNotInstalledException(string message) : InvalidOperationException(message);

/// <summary>
/// A throwaway PostgreSQL cluster of the test run's own: <c>initdb</c> into a fresh temporary folder (trust
/// authentication on loopback, UTF8, locale C), started with <c>pg_ctl</c> on a free loopback port with its socket in
/// that folder, so it never meets a cluster the machine runs (Debian's <c>main</c> on 5432 included). When the tests
/// run as root the cluster runs as <c>postgres</c> (initdb and the server refuse root). <see cref="Instance"/> is the
/// run's shared cluster, stopped (<c>pg_ctl stop -m fast</c>) and deleted when the test process exits; each caller
/// takes a database of its own with <see cref="CreateDatabaseAsync"/>.
/// <para>
/// A watchdog started with the cluster, in a session of its own so that killing the test host's process tree does
/// not take it too, sees the test host gone within half a second, however it ended (a normal exit, SIGKILL, a
/// crashed runner), shuts the server down and deletes the folder: nothing outlives the run by more than seconds.
/// </para>
/// </summary>
public sealed class PostgreSqlServer : IDisposable
{
    /// <summary>What to do when the server binaries are missing; the tests never skip for want of them.</summary>
    public const string InstallHint =
        "The tests need the PostgreSQL server binaries (initdb, pg_ctl, postgres) and found none. " +
        "Install them with: sudo apt-get install -y postgresql (PostgreSQL 15 on Debian 12); .ci/run installs them itself.";

    /// <summary>Where Debian and Ubuntu put each major version's server binaries: <c>/usr/lib/postgresql/{major}/bin</c>.</summary>
    public const string DebianVersionsRoot = "/usr/lib/postgresql";

    private const string SuperUser = "postgres";
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);
    private static readonly Lazy<PostgreSqlServer> Shared = new(StartShared, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string? runAs;
    private readonly int watchedProcessId;
    private readonly Lock gate = new();
    private int databases;
    private bool stopped;

    private PostgreSqlServer(string binDirectory, string rootDirectory, string? runAs, int port, int watchedProcessId)
    {
        this.watchedProcessId = watchedProcessId;
        BinDirectory = binDirectory;
        RootDirectory = rootDirectory;
        this.runAs = runAs;
        Port = port;
    }

    /// <summary>The run's shared cluster, started on first use and stopped when the test process exits.</summary>
    public static PostgreSqlServer Instance => Shared.Value;

    /// <summary>The folder of <c>initdb</c>, <c>pg_ctl</c> and <c>postgres</c> this cluster runs.</summary>
    public string BinDirectory { get; }

    /// <summary>The cluster's own folder: <c>data/</c>, <c>socket/</c> and <c>server.log</c>. Deleted on <see cref="Dispose"/>.</summary>
    public string RootDirectory { get; }

    public string DataDirectory => Path.Combine(RootDirectory, "data");

    public string SocketDirectory => Path.Combine(RootDirectory, "socket");

    public string LogPath => Path.Combine(RootDirectory, "server.log");

    public int Port { get; }

    /// <summary>
    /// Starts a cluster of the caller's own (the fixture's tests use one; everything else uses <see cref="Instance"/>).
    /// Dispose it to stop it and delete its folder. The watchdog watches <paramref name="watchedProcessId"/>, this
    /// process unless a test of the watchdog names another.
    /// </summary>
    public static PostgreSqlServer Start(string? binDirectory = null, int? watchedProcessId = null)
    {
        binDirectory ??= FindBinDirectory();
        var runAs = IsRoot() ? NonRootUser() : null;
        Exception? last = null;
        // A free port can be taken between asking for it and the server binding it: try a few.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var root = Path.Combine(Path.GetTempPath(), $"credentialsummaries-pg-{Guid.NewGuid():N}");
            var server = new PostgreSqlServer(binDirectory, root, runAs, ApiProcess.FreeLoopbackPort(), watchedProcessId ?? Environment.ProcessId);
            try
            {
                server.InitializeAndStart();
                return server;
            }
            catch (InvalidOperationException e) when (attempt < 2 && e is not PostgreSqlNotInstalledException)
            {
                last = e;
                server.Dispose();
            }
        }

        throw new InvalidOperationException("PostgreSQL did not start.", last);
    }

    /// <summary>
    /// The server binaries: <c>pg_config --bindir</c> when it names a folder holding <c>initdb</c> (Debian's
    /// <c>/usr/bin/pg_config</c> from libpq-dev alone does not), else the newest <c>{versionsRoot}/*/bin</c>.
    /// Throws <see cref="PostgreSqlNotInstalledException"/>, saying how to install them, when there are none.
    /// </summary>
    public static string FindBinDirectory(string? pgConfig = "pg_config", string versionsRoot = DebianVersionsRoot)
    {
        if (pgConfig is not null && TryRun(pgConfig, ["--bindir"], out var output) && HasServerBinaries(output.Trim()))
        {
            return output.Trim();
        }

        var newest = Directory.Exists(versionsRoot)
            ? Directory.GetDirectories(versionsRoot)
                .Select(d => (Bin: Path.Combine(d, "bin"), Major: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : -1))
                .Where(v => v.Major >= 0 && HasServerBinaries(v.Bin))
                .OrderByDescending(v => v.Major)
                .Select(v => v.Bin)
                .FirstOrDefault()
            : null;
        return newest ?? throw new PostgreSqlNotInstalledException(
            $"{InstallHint} Looked for with '{pgConfig ?? "pg_config"} --bindir' and in {Path.Combine(versionsRoot, "*", "bin")}.");
    }

    /// <summary>An Npgsql connection string for <paramref name="database"/> on this cluster, over TCP on loopback.</summary>
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Database = database,
        Username = SuperUser,
    }.ConnectionString;

    /// <summary>A new, empty database with a name no other caller of this run gets.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"test_{Interlocked.Increment(ref databases)}_{Guid.NewGuid().ToString("N")[..8]}");
        await ExecuteAsync($"CREATE DATABASE \"{name}\"");
        return name;
    }

    /// <summary>Drops <paramref name="name"/>, closing whatever connections (a host's pool) still use it.</summary>
    public async Task DropDatabaseAsync(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        await using (var pooled = new NpgsqlConnection(ConnectionString(name)))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        await ExecuteAsync($"DROP DATABASE IF EXISTS \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\" WITH (FORCE)");
    }

    /// <summary>Whether <paramref name="name"/> is a database of this cluster.</summary>
    public async Task<bool> DatabaseExistsAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = @name", connection);
        command.Parameters.AddWithValue("name", name);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    /// <summary>True when the tests run as root (then the cluster runs as <c>postgres</c>).</summary>
    public static bool RunningAsRoot => IsRoot();

    /// <summary>The server's process id, from its <c>postmaster.pid</c>.</summary>
    public int ServerProcessId() =>
        int.Parse(File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).First().Trim(), CultureInfo.InvariantCulture);

    /// <summary>The user the server process runs as, as a numeric uid.</summary>
    public int ServerUid() => EffectiveUid($"/proc/{ServerProcessId()}/status");

    /// <summary><c>pg_ctl stop -m fast</c>, then the folder is deleted. Safe to call more than once.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (stopped)
            {
                return;
            }

            stopped = true;
        }

        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            var exitCode = RunAsServerUser("pg_ctl", ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "30"]).ExitCode;
            if (exitCode != 0 && File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                // Not stopped in time: an immediate shutdown, as the watchdog would do.
                RunAsServerUser("pg_ctl", ["stop", "-D", DataDirectory, "-m", "immediate", "-w", "-t", "30"]);
            }
        }

        try
        {
            if (Directory.Exists(RootDirectory))
            {
                Directory.Delete(RootDirectory, recursive: true);
            }
        }
        catch (IOException)
        {
            // The watchdog deletes it once this process is gone.
        }
    }

    private static PostgreSqlServer StartShared()
    {
        var server = Start();
        // The test runner kills its test host moments after the run, too soon for 'pg_ctl stop -w' and a delete: at
        // exit the server is only told to shut down fast (what 'pg_ctl stop -m fast' sends), and the watchdog, which
        // outlives this process, waits for it and deletes the folder.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.BeginFastShutdown();
        return server;
    }

    /// <summary><c>pg_ctl stop -m fast --no-wait</c>: the shutdown starts, nobody waits for it.</summary>
    private void BeginFastShutdown()
    {
        lock (gate)
        {
            if (stopped)
            {
                return;
            }

            stopped = true;
        }

        RunAsServerUser("pg_ctl", ["stop", "-D", DataDirectory, "-m", "fast", "--no-wait"]);
    }

    private void InitializeAndStart()
    {
        Directory.CreateDirectory(SocketDirectory);
        if (runAs is not null)
        {
            Run("chown", ["-R", $"{runAs}:", RootDirectory]).ShouldSucceed("chown");
        }

        RunAsServerUser("initdb", ["-D", DataDirectory, "-U", SuperUser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-instructions"])
            .ShouldSucceed("initdb", this);
        StartWatchdog();

        // Loopback only, the socket in our folder; fsync off because a throwaway cluster need not survive a power cut
        // (a killed app, as the crash test does, loses nothing the server acknowledged either way); room for many
        // hosts' pools; UTC whatever the machine's zone, so a run reads the same everywhere.
        var options = string.Join(' ',
            $"-p {Port.ToString(CultureInfo.InvariantCulture)}",
            "-c listen_addresses=127.0.0.1",
            $"-c unix_socket_directories='{SocketDirectory}'",
            "-c max_connections=400",
            "-c timezone=UTC",
            "-c fsync=off",
            "-c full_page_writes=off",
            "-c synchronous_commit=off");
        RunAsServerUser("pg_ctl", ["start", "-D", DataDirectory, "-l", LogPath, "-w", "-t", "60", "-o", options])
            .ShouldSucceed("pg_ctl start", this);
    }

    /// <summary>
    /// A shell in a session of its own (so that a kill of the test host's process tree spares it) that polls the
    /// watched process; once that is gone, it shuts the server down fast (SIGINT, as <c>pg_ctl stop -m fast</c>;
    /// SIGQUIT, then SIGKILL, if that takes over 10 s) and deletes the folder. A cluster already stopped leaves it
    /// only the delete.
    /// </summary>
    private void StartWatchdog()
    {
        const string Script = """
            exec </dev/null >/dev/null 2>&1
            while kill -0 "$1" 2>/dev/null; do sleep 0.5; done
            pidfile="$2/data/postmaster.pid"
            if [ -f "$pidfile" ]; then
              server=$(head -n 1 "$pidfile")
              kill -INT "$server" 2>/dev/null
              i=0
              while kill -0 "$server" 2>/dev/null && [ "$i" -lt 20 ]; do sleep 0.5; i=$((i + 1)); done
              kill -QUIT "$server" 2>/dev/null && sleep 1 && kill -KILL "$server" 2>/dev/null
            fi
            rm -rf "$2"
            """;
        Run("setsid", ["-f", "sh", "-c", Script, "postgresql-watchdog", watchedProcessId.ToString(CultureInfo.InvariantCulture), RootDirectory])
            .ShouldSucceed("the watchdog (setsid)");
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private ToolResult RunAsServerUser(string tool, IEnumerable<string> arguments)
    {
        var path = Path.Combine(BinDirectory, tool);
        return runAs is null
            ? Run(path, arguments, RootDirectory)
            : Run("runuser", ["-u", runAs, "--", path, .. arguments], RootDirectory);
    }

    private static bool HasServerBinaries(string directory) =>
        directory.Length > 0 && File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl"))
        && File.Exists(Path.Combine(directory, "postgres"));

    private static bool IsRoot() => OperatingSystem.IsLinux() && EffectiveUid("/proc/self/status") == 0;

    private static int EffectiveUid(string statusFile)
    {
        var uids = File.ReadLines(statusFile).First(l => l.StartsWith("Uid:", StringComparison.Ordinal))
            .Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
        return int.Parse(uids[2], CultureInfo.InvariantCulture);
    }

    /// <summary>initdb and postgres refuse to run as root: as root, the cluster runs as <c>postgres</c>.</summary>
    private static string NonRootUser() =>
        TryRun("id", ["-u", SuperUser], out _)
            ? SuperUser
            : throw new InvalidOperationException(
                "The tests run as root, and PostgreSQL refuses to: they run the cluster as the user 'postgres', which does not exist. " +
                "Installing the server (apt-get install -y postgresql) creates it.");

    private static bool TryRun(string fileName, IEnumerable<string> arguments, out string output)
    {
        try
        {
            var result = Run(fileName, arguments);
            output = result.Output;
            return result.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            output = "";
            return false;
        }
    }

    private static ToolResult Run(string fileName, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // PGDATA, PGPORT, PGHOST … of the developer's shell must not redirect the tools to another cluster.
        foreach (var name in start.Environment.Keys.Where(n => n.StartsWith("PG", StringComparison.Ordinal)).ToArray())
        {
            start.Environment.Remove(name);
        }

        start.Environment["LC_ALL"] = "C";
        var text = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(text, e.Data);
        process.ErrorDataReceived += (_, e) => Append(text, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(ToolTimeout))
        {
            process.Kill(entireProcessTree: true);
            return new ToolResult($"{fileName} {string.Join(' ', start.ArgumentList)}", -1, $"did not finish within {ToolTimeout.TotalSeconds} s\n{Read(text)}");
        }

        process.WaitForExit(); // the end of both streams
        return new ToolResult($"{fileName} {string.Join(' ', start.ArgumentList)}", process.ExitCode, Read(text));
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.AppendLine(line);
        }
    }

    private static string Read(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }

    private sealed record ToolResult(string Command, int ExitCode, string Output)
    {
        public void ShouldSucceed(string what, PostgreSqlServer? server = null)
        {
            if (ExitCode == 0)
            {
                return;
            }

            var log = server is not null && File.Exists(server.LogPath) ? File.ReadAllText(server.LogPath) : "(none)";
            throw new InvalidOperationException($"{what} failed (exit code {ExitCode}): {Command}\n{Output}\n--- server log ---\n{log}");
        }
    }
}
