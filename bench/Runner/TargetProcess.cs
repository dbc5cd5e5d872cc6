using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace CredentialSummaries.Bench.Runner;

/// <summary>
/// A server to benchmark: <paramref name="Name"/> is its slot (service, baseline), <paramref name="Dll"/> what runs in
/// it, and <paramref name="RunsService"/> whether it gets the service's environment (Development, throttling off, an
/// empty HOME) rather than the baseline's (Production).
/// </summary>
internal sealed record TargetSpec(string Name, string Dll, bool RunsService);

/// <summary>A sample of the startup hook bench/Probe: allocated bytes and GC counts of the target, every 100 ms.</summary>
internal readonly record struct ProbeSample(long Sequence, long AllocatedBytes, int Gen0, int Gen1, int Gen2, long PauseMilliseconds);

/// <summary>
/// A target started as the contract says: <c>dotnet &lt;dll&gt; --urls http://127.0.0.1:&lt;port&gt;</c> from the dll's
/// folder (its content root), with the store's and the tokens' settings, the probe as a startup hook, and its console
/// output discarded (a file in the work folder with --server-logs). The process is <c>dotnet</c> itself (started
/// through <c>sh -c 'exec …'</c> only to redirect its output), so /proc/&lt;pid&gt; is the server's own: CPU time
/// (utime+stime in /proc/&lt;pid&gt;/stat), peak RSS (VmHWM in /proc/&lt;pid&gt;/status, reset by writing 5 to
/// /proc/&lt;pid&gt;/clear_refs).
/// </summary>
internal sealed class TargetProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);
    private static readonly double TicksPerSecond = ClockTicksPerSecond();

    private readonly Process process;
    private readonly WorkFolder work;
    private readonly string probeFile;
    private readonly string? logFile;
    private bool stopped;

    private TargetProcess(TargetSpec spec, Process process, WorkFolder work, int port, string probeFile, string? logFile)
    {
        Spec = spec;
        this.process = process;
        this.work = work;
        this.probeFile = probeFile;
        this.logFile = logFile;
        BaseAddress = new Uri(UrlOf(port));
    }

    public TargetSpec Spec { get; }

    public Uri BaseAddress { get; }

    public int ProcessId => process.Id;

    public TimeSpan StartupTime { get; private set; }

    public static async Task<TargetProcess> StartAsync(
        TargetSpec spec, Store store, Tokens tokens, string probeDll, WorkFolder work, bool keepLogs,
        IReadOnlyDictionary<string, string> extraEnvironment, string tag, CancellationToken cancellationToken)
    {
        if (!File.Exists(spec.Dll))
        {
            throw new BenchException($"The {spec.Name} is not built: '{spec.Dll}' does not exist (dotnet build -c Release).");
        }

        var port = PostgreSqlCluster.FreeLoopbackPort();
        var probeFile = work.PathOf("probe", $"{tag}.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(probeFile)!);
        File.Delete(probeFile);
        var logFile = keepLogs ? work.PathOf("logs", $"{tag}.log") : null;
        if (logFile is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        }

        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            WorkingDirectory = Path.GetDirectoryName(spec.Dll)!,
        };
        foreach (var argument in (string[])["-c", "exec \"$0\" \"$@\" >>\"$BENCH_TARGET_LOG\" 2>&1", DotnetHost(), spec.Dll, "--urls", UrlOf(port)])
        {
            start.ArgumentList.Add(argument);
        }

        // The target must not inherit the runner's idea of an environment, of any setting (Section__Key variables) or
        // of the runtime's knobs (GC, JIT, startup hooks); where the runtime is installed (DOTNET_ROOT) it may keep.
        foreach (var name in start.Environment.Keys.ToArray())
        {
            if (name.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
                || (name.StartsWith("DOTNET_", StringComparison.OrdinalIgnoreCase) && !name.StartsWith("DOTNET_ROOT", StringComparison.OrdinalIgnoreCase))
                || name.Contains("__", StringComparison.Ordinal))
            {
                start.Environment.Remove(name);
            }
        }

        var environment = new Dictionary<string, string?>
        {
            ["BENCH_TARGET_LOG"] = logFile ?? "/dev/null",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_STARTUP_HOOKS"] = probeDll,
            ["BENCH_PROBE_FILE"] = probeFile,
            ["Database__Provider"] = store.Provider,
            ["ConnectionStrings__Summaries"] = store.TargetConnectionString,
        };
        foreach (var (name, value) in tokens.Settings)
        {
            environment[name] = value;
        }

        if (spec.RunsService)
        {
            var home = work.PathOf("home", tag);
            Directory.CreateDirectory(home);
            environment["ASPNETCORE_ENVIRONMENT"] = "Development";
            environment["Throttling__Enabled"] = "false";
            environment["AzureAd__ClientId"] = "";
            environment["HOME"] = home;
        }
        else
        {
            environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        }

        foreach (var (name, value) in extraEnvironment)
        {
            environment[name] = value;
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var started = Stopwatch.StartNew();
        if (!process.Start())
        {
            throw new BenchException($"Could not start the {spec.Name}.");
        }

        process.StandardInput.Close();
        work.Register(process.Id);
        var target = new TargetProcess(spec, process, work, port, probeFile, logFile);
        try
        {
            await target.WaitUntilReadyAsync(cancellationToken);
            target.StartupTime = started.Elapsed;
            return target;
        }
        catch
        {
            await target.DisposeAsync();
            throw;
        }
    }

    /// <summary>utime + stime of the server so far, in microseconds.</summary>
    public double CpuMicroseconds()
    {
        var stat = File.ReadAllText($"/proc/{process.Id}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 of the whole line (utime, stime) are 12 and 13 after the name, counting from 1 at field 3.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks * 1_000_000d / TicksPerSecond;
    }

    /// <summary>Resets the peak resident set size (VmHWM) to the current one.</summary>
    public void ResetPeakRss() => File.WriteAllText($"/proc/{process.Id}/clear_refs", "5");

    /// <summary>VmHWM: the largest resident set since the last <see cref="ResetPeakRss"/>, in bytes.</summary>
    public long PeakRssBytes() => StatusKilobytes("VmHWM:") * 1024;

    public long RssBytes() => StatusKilobytes("VmRSS:") * 1024;

    /// <summary>
    /// A probe sample taken after this call: waits for the probe to write twice more (about 200 ms), so that what the
    /// server did up to now is in it.
    /// </summary>
    public async Task<ProbeSample> ReadProbeAsync(CancellationToken cancellationToken)
    {
        var first = await TryReadProbeAsync();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(50, cancellationToken);
            var sample = await TryReadProbeAsync();
            if (sample is { } s && (first is null || s.Sequence >= first.Value.Sequence + 2))
            {
                return s;
            }
        }

        throw new BenchException(
            $"The {Spec.Name} wrote no probe sample to '{probeFile}' within 5 s: is the startup hook loaded (DOTNET_STARTUP_HOOKS)?");
    }

    public bool HasExited => process.HasExited;

    /// <summary>
    /// Waits until the server uses less than 5% of a core over 250 ms (at most <paramref name="limit"/>), so that what
    /// a run left behind is not billed to the next one: requests wrk abandoned at its end (a slow query goes on after
    /// its client left) and, above all, the tiered JIT, which recompiles the methods a run made hot once the calls
    /// stop (seconds of a core for the service after a short run). Returns how long it waited.
    /// </summary>
    public async Task<TimeSpan> WaitUntilIdleAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var step = TimeSpan.FromMilliseconds(250);
        var last = CpuMicroseconds();
        while (clock.Elapsed < limit && !process.HasExited)
        {
            await Task.Delay(step, cancellationToken);
            var now = CpuMicroseconds();
            if (now - last < step.TotalMicroseconds * 0.05)
            {
                break;
            }

            last = now;
        }

        return clock.Elapsed;
    }

    /// <summary>SIGTERM, as a service manager stops it; SIGKILL if it has not exited after 30 s.</summary>
    public async Task StopAsync()
    {
        if (stopped)
        {
            return;
        }

        stopped = true;
        if (!process.HasExited)
        {
            await Tool.SignalAsync(process.Id, "TERM");
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine($"  The {Spec.Name} did not stop within 30 s of SIGTERM: killed.");
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }

        work.Unregister(process.Id);
    }

    public async ValueTask DisposeAsync()
    {
        if (!stopped)
        {
            stopped = true;
            try
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            work.Unregister(process.Id);
        }

        process.Dispose();
    }

    /// <summary>
    /// Until <c>GET /readyz</c> answers 200 (the service: migrated and its database reachable). A server without
    /// /readyz (a 404) counts as ready once it answers at all; the smoke requests check the rest.
    /// </summary>
    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < ReadyTimeout)
        {
            if (process.HasExited)
            {
                throw new BenchException($"The {Spec.Name} exited with code {process.ExitCode} before it was ready. {LogHint()}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/readyz", UriKind.Relative), cancellationToken);
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new BenchException($"The {Spec.Name} was not ready (GET /readyz = 200) within {ReadyTimeout.TotalSeconds} s. {LogHint()}");
    }

    private string LogHint()
    {
        if (logFile is null || !File.Exists(logFile))
        {
            return "Its output was discarded.";
        }

        var lines = File.ReadAllLines(logFile);
        return $"Its last output ({logFile}):\n{string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 40)))}";
    }

    private async Task<ProbeSample?> TryReadProbeAsync()
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(probeFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length >= 6
            ? new ProbeSample(
                long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture),
                int.Parse(parts[2], CultureInfo.InvariantCulture), int.Parse(parts[3], CultureInfo.InvariantCulture),
                int.Parse(parts[4], CultureInfo.InvariantCulture), long.Parse(parts[5], CultureInfo.InvariantCulture))
            : null;
    }

    private long StatusKilobytes(string field) => StatusKilobytes(process.Id, field);

    /// <summary>A figure in kB of /proc/&lt;pid&gt;/status (VmHWM, VmRSS) of any process.</summary>
    internal static long StatusKilobytes(int processId, string field)
    {
        var line = File.ReadLines($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private static string UrlOf(int port) => $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The <c>dotnet</c> host running the runner, so both targets run on the same runtime.</summary>
    internal static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    private static double ClockTicksPerSecond()
    {
        var result = Tool.RunAsync("getconf", ["CLK_TCK"], TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        return result.ExitCode == 0 && double.TryParse(result.Output.Trim(), CultureInfo.InvariantCulture, out var ticks) && ticks > 0 ? ticks : 100;
    }
}
