using System.Globalization;

namespace CredentialSummaries.Bench.Runner;

/// <summary>
/// The run's temporary folder (databases, PostgreSQL cluster, wrk scripts and data, probe files, logs) and what is
/// left running in it. A watchdog in a session of its own (<c>setsid</c>) polls the runner; once the runner is gone,
/// however it ended (a normal exit, an exception, Ctrl+C, SIGKILL), it kills the targets still listed in
/// <c>pids</c>, shuts the PostgreSQL cluster down and deletes the folder, so nothing outlives a run by more than
/// seconds. The runner itself stops everything in order first; the watchdog is the safety net.
/// </summary>
internal sealed class WorkFolder : IDisposable
{
    private readonly Lock gate = new();
    private readonly HashSet<int> processes = [];

    private WorkFolder(string root, bool keep)
    {
        Root = root;
        Keep = keep;
    }

    public string Root { get; }

    public bool Keep { get; }

    private string PidsFile => Path.Combine(Root, "pids");

    public static async Task<WorkFolder> CreateAsync(bool keep)
    {
        var root = Path.Combine(Path.GetTempPath(), $"credentialsummaries-bench-{Guid.NewGuid().ToString("N")[..12]}");
        Directory.CreateDirectory(root);
        // The cluster runs as 'postgres' when the runner is root: it must be able to reach its folder inside this one.
        File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var folder = new WorkFolder(root, keep);
        if (keep)
        {
            await File.WriteAllTextAsync(Path.Combine(root, "keep"), "");
        }

        await folder.StartWatchdogAsync();
        return folder;
    }

    public string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>A process the watchdog kills if the runner dies before stopping it.</summary>
    public void Register(int processId)
    {
        lock (gate)
        {
            processes.Add(processId);
            WritePids();
        }
    }

    public void Unregister(int processId)
    {
        lock (gate)
        {
            processes.Remove(processId);
            WritePids();
        }
    }

    public void Dispose()
    {
        if (Keep)
        {
            return;
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The watchdog deletes it once this process is gone.
        }
    }

    private void WritePids()
    {
        var temporary = PidsFile + ".tmp";
        File.WriteAllLines(temporary, processes.Select(p => p.ToString(CultureInfo.InvariantCulture)));
        File.Move(temporary, PidsFile, overwrite: true);
    }

    private async Task StartWatchdogAsync()
    {
        const string Script = """
            exec </dev/null >/dev/null 2>&1
            while kill -0 "$1" 2>/dev/null; do sleep 0.5; done
            if [ -f "$2/pids" ]; then
              for pid in $(cat "$2/pids"); do kill -KILL "$pid" 2>/dev/null; done
            fi
            pidfile="$2/pg/data/postmaster.pid"
            if [ -f "$pidfile" ]; then
              server=$(head -n 1 "$pidfile")
              kill -INT "$server" 2>/dev/null
              i=0
              while kill -0 "$server" 2>/dev/null && [ "$i" -lt 20 ]; do sleep 0.5; i=$((i + 1)); done
              kill -QUIT "$server" 2>/dev/null && sleep 1 && kill -KILL "$server" 2>/dev/null
            fi
            [ -f "$2/keep" ] || rm -rf "$2"
            """;
        (await Tool.RunAsync("setsid", ["-f", "sh", "-c", Script, "bench-watchdog", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), Root]))
            .ShouldSucceed();
    }
}
