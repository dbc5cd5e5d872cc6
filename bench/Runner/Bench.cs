using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace CredentialSummaries.Bench.Runner;

/// <summary>
/// The benchmark: for each store, an empty database that the service migrates, the seeded rows, then both targets
/// started on it (one after the other, each ready before the next starts) and kept running for the whole store pass.
/// Only one target is ever under load: the runs go one at a time, in interleaved rounds (every operation on both
/// targets, then again), the order of the two targets alternating from one operation and round to the next, so
/// neither always runs first on a warm cache or right after the other's writes. The idle target only waits (an idle
/// .NET server takes no CPU to speak of), which is cheaper and fairer than restarting servers between runs, which
/// would measure cold JIT. Before the rounds, each target makes a warm-up pass: for every operation one smoke request
/// (status and body checked) and a wrk run that is not measured.
/// </summary>
internal sealed class Bench(Options options, string repositoryRoot, BenchResults results)
{
    private static readonly TimeSpan SettleTime = TimeSpan.FromMilliseconds(250);

    private int runSeed;
    private int runsDone;
    private int runsPlanned;
    private readonly Stopwatch clock = Stopwatch.StartNew();

    public string ServiceDll => Path.Combine(repositoryRoot, "src", "CredentialSummaries.Api", "bin", "Release", "net10.0", "CredentialSummaries.Api.dll");

    public string BaselineDll => options.BaselineDll
        ?? Path.Combine(repositoryRoot, "bench", "Baseline", "bin", "Release", "net10.0", "CredentialSummaries.Bench.Baseline.dll");

    public string ProbeDll => Path.Combine(repositoryRoot, "bench", "Probe", "bin", "Release", "net10.0", "CredentialSummaries.Bench.Probe.dll");

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var targets = ResolveTargets();
        if (targets.Count == 0)
        {
            throw new BenchException("No target to run: the baseline is not built and --targets names only the baseline.");
        }
        foreach (var file in new[] { ServiceDll, ProbeDll })
        {
            if (!File.Exists(file))
            {
                throw new BenchException($"'{file}' is not built: run ./bench/run.sh, or dotnet build -c Release the project first.");
            }
        }

        await FillFactsAsync(targets);
        Console.WriteLine($"Data: {options.Owners:N0} owners × {options.RowsPerOwner:N0} rows + a deep owner with {options.DeepRows:N0} rows; " +
            $"deep page {options.DeepPage:N0} (pages of {Options.PageSize}).");
        Console.WriteLine($"Load: wrk -t{options.Threads} -c{options.Connections}, {options.Rounds} round(s) × {options.DurationSeconds} s " +
            $"per operation and target, {options.WarmupSeconds} s warm-up; targets: {string.Join(", ", targets.Select(t => t.Name))}.");

        var generating = Stopwatch.StartNew();
        var data = DataSet.Create(options.Owners, options.RowsPerOwner, options.DeepRows);
        using var work = await WorkFolder.CreateAsync(options.KeepWork);
        var tokens = new Tokens();
        var workload = new Workload(data, tokens, work.PathOf("wrk"));
        Console.WriteLine($"Owners, tokens and wrk data written in {generating.Elapsed.TotalSeconds:F1} s to {work.Root}.");

        runsPlanned = options.Stores.Count * options.Rounds * options.Operations.Count * targets.Count;
        PostgreSqlCluster? cluster = null;
        try
        {
            foreach (var storeKey in options.Stores)
            {
                Store store;
                if (storeKey == "sqlite")
                {
                    store = new SqliteStore(work.PathOf("sqlite", "summaries.db"));
                }
                else
                {
                    if (cluster is null)
                    {
                        var starting = Stopwatch.StartNew();
                        cluster = await PostgreSqlCluster.StartAsync(work);
                        results.Facts.PostgreSql = await cluster.VersionAsync();
                        Console.WriteLine($"PostgreSQL cluster ({results.Facts.PostgreSql}) on 127.0.0.1:{cluster.Port} started in {starting.Elapsed.TotalSeconds:F1} s.");
                    }

                    store = new PostgreSqlStore(cluster, "credentialsummaries_bench");
                }

                await RunStoreAsync(store, targets, data, tokens, workload, work, cancellationToken);
            }
        }
        finally
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
        }
    }

    private List<TargetSpec> ResolveTargets()
    {
        var targets = new List<TargetSpec>();
        foreach (var name in options.Targets)
        {
            if (name == "service")
            {
                targets.Add(new TargetSpec("service", ServiceDll, RunsService: true));
            }
            else if (options.BaselineIsService)
            {
                targets.Add(new TargetSpec("baseline", ServiceDll, RunsService: true));
                results.Notes.Add("--baseline-is-service: the service runs in the baseline's slot too (a test of the runner; the ratio should be about 1).");
            }
            else if (File.Exists(BaselineDll))
            {
                targets.Add(new TargetSpec("baseline", BaselineDll, RunsService: false));
            }
            else
            {
                var message = $"The baseline is not built ('{BaselineDll}' does not exist): the service is measured alone.";
                Console.WriteLine($"!! {message}");
                results.Notes.Add(message);
            }
        }

        return targets;
    }

    private async Task RunStoreAsync(
        Store store, IReadOnlyList<TargetSpec> targets, DataSet data, Tokens tokens, Workload workload, WorkFolder work, CancellationToken cancellationToken)
    {
        var record = new StoreRecord { Key = store.Key, Name = store.Name };
        results.Stores.Add(record);
        Console.WriteLine();
        Console.WriteLine($"== {store.Name} ==");
        await store.CreateEmptyAsync();

        // The service creates the schema: it migrates at start-up; ready means migrated.
        var step = Stopwatch.StartNew();
        await using (var migrator = await StartTargetAsync(
            new TargetSpec("service", ServiceDll, RunsService: true), store, tokens, work, $"{store.Key}-migrate", cancellationToken))
        {
            await migrator.StopAsync();
        }

        record.MigrateSeconds = step.Elapsed.TotalSeconds;
        Console.WriteLine($"Schema: the service migrated the empty database in {record.MigrateSeconds:F1} s (start to stop).");

        step.Restart();
        await store.SeedAsync(data, cancellationToken);
        record.SeedSeconds = step.Elapsed.TotalSeconds;
        record.Rows = await store.RowCountAsync();
        record.SizeBytes = await store.SizeBytesAsync();
        Console.WriteLine($"Seeded {record.Rows:N0} rows in {record.SeedSeconds:F1} s; database {record.SizeBytes / 1048576d:F0} MB.");
        if (record.Rows != data.TotalRows)
        {
            throw new BenchException($"{store.Name} holds {record.Rows:N0} rows after seeding, not {data.TotalRows:N0}.");
        }

        var running = new List<TargetProcess>();
        try
        {
            foreach (var spec in targets)
            {
                var target = await StartTargetAsync(spec, store, tokens, work, $"{store.Key}-{spec.Name}", cancellationToken);
                running.Add(target);
                var targetRecord = new TargetRecord
                {
                    Name = spec.Name,
                    Dll = Path.GetRelativePath(repositoryRoot, spec.Dll),
                    StartupSeconds = target.StartupTime.TotalSeconds,
                    IdleRssMegabytes = target.RssBytes() / 1048576d,
                };
                record.Targets.Add(targetRecord);
                Console.WriteLine($"The {spec.Name} is ready on {target.BaseAddress} (pid {target.ProcessId}) after {target.StartupTime.TotalSeconds:F1} s.");
                if (options.Operations.Contains("deep-page"))
                {
                    await WalkToDeepPageAsync(target, targetRecord, workload, cancellationToken);
                }
            }

            if (running.Count == 2)
            {
                record.ParityChecked = true;
                record.ParityDifferences.AddRange(await Parity.CompareAsync(running[0], running[1], workload, cancellationToken));
                Console.WriteLine(record.ParityDifferences.Count == 0
                    ? "Parity: the baseline's answers match the service's (statuses and bodies of 8 read requests)."
                    : $"!! Parity: the baseline's answers differ from the service's:\n   {string.Join("\n   ", record.ParityDifferences)}");
            }

            // Warm-up, not measured: every target runs every operation once (after its smoke check) before the first
            // round, so that the rounds measure code the tiered JIT has finished with, whatever operation comes first.
            foreach (var target in running)
            {
                var targetRecord = record.Targets.Single(t => t.Name == target.Spec.Name);
                foreach (var operation in options.Operations)
                {
                    if (operation == "deep-page" && targetRecord.DeepPagePath is null)
                    {
                        continue;
                    }

                    await SmokeAsync(store, target, operation, workload, targetRecord.DeepPagePath, cancellationToken);
                    var warmup = workload.WriteScript(operation, targetRecord.DeepPagePath, ++runSeed);
                    await Wrk.RunAsync(warmup, target.BaseAddress, options.Threads, options.Connections, options.WarmupSeconds, cancellationToken);
                    await AfterRunAsync(store, target, operation, data, cancellationToken);
                }
            }

            record.LoadAverageBefore = LoadAverage();
            for (var round = 1; round <= options.Rounds; round++)
            {
                for (var o = 0; o < options.Operations.Count; o++)
                {
                    var operation = options.Operations[o];
                    var order = (round + o) % 2 == 1 ? running : Enumerable.Reverse(running).ToList();
                    foreach (var target in order)
                    {
                        var targetRecord = record.Targets.Single(t => t.Name == target.Spec.Name);
                        if (operation == "deep-page" && targetRecord.DeepPagePath is null)
                        {
                            continue;
                        }

                        var run = await MeasureAsync(store, target, operation, round, workload, targetRecord.DeepPagePath, data, cancellationToken);
                        record.Runs.Add(run);
                    }
                }
            }

            record.LoadAverageAfter = LoadAverage();
        }
        finally
        {
            foreach (var target in running)
            {
                await target.StopAsync();
                await target.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Starts a target with its output discarded (or kept, with --server-logs). When it does not start, it is started
    /// once more with its output kept, only to say why: the message then has its last lines.
    /// </summary>
    private async Task<TargetProcess> StartTargetAsync(TargetSpec spec, Store store, Tokens tokens, WorkFolder work, string tag, CancellationToken cancellationToken)
    {
        try
        {
            return await TargetProcess.StartAsync(spec, store, tokens, ProbeDll, work, options.ServerLogs, options.TargetEnvironment, tag, cancellationToken);
        }
        catch (BenchException first) when (!options.ServerLogs && !cancellationToken.IsCancellationRequested)
        {
            Console.WriteLine($"!! {first.Message} Starting it once more, its output kept, to see why.");
            await using var again = await TargetProcess.StartAsync(spec, store, tokens, ProbeDll, work, keepLogs: true, options.TargetEnvironment, $"{tag}-diagnosis", cancellationToken);
            throw new BenchException($"{first.Message} (A second start succeeded: the first failure may have been a fluke.)", first);
        }
    }

    /// <summary>
    /// Follows the deep owner's nextLinks from the first page to page N with the target's own links (each target's
    /// skip token is its own), and keeps that URL for the deep-page runs.
    /// </summary>
    private async Task WalkToDeepPageAsync(TargetProcess target, TargetRecord record, Workload workload, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = target.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", workload.DeepToken);
        var walk = Stopwatch.StartNew();
        var path = Workload.DeepFirstPath;
        var page = 1;
        for (; page < options.DeepPage; page++)
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Problem($"{target.Spec.Name}: page {page} of the deep owner answered {(int)response.StatusCode}: {Workload.Shorten(body)}; deep-page is not measured.");
                return;
            }

            using var json = JsonDocument.Parse(body);
            if (!json.RootElement.TryGetProperty("@odata.nextLink", out var next) || next.GetString() is not { Length: > 0 } link)
            {
                Problem($"{target.Spec.Name}: page {page} of the deep owner has no @odata.nextLink; deep-page is not measured.");
                return;
            }

            path = PathAndQuery(link);
            if (page % 1000 == 0)
            {
                Console.WriteLine($"  … page {page:N0} of the {target.Spec.Name} after {walk.Elapsed.TotalSeconds:F0} s");
            }
        }

        record.DeepPagePath = path;
        record.DeepPagesWalked = page;
        record.DeepWalkSeconds = walk.Elapsed.TotalSeconds;
        Console.WriteLine($"  Walked {page - 1:N0} nextLinks of the {target.Spec.Name} to page {page:N0} in {record.DeepWalkSeconds:F1} s.");
    }

    private async Task SmokeAsync(Store store, TargetProcess target, string operation, Workload workload, string? deepPagePath, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = target.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var request = workload.SmokeRequest(operation, deepPagePath);
        using var response = await client.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var expected = Workload.Operations[operation].Expected;
        var problem = response.StatusCode != expected
            ? $"answered {(int)response.StatusCode}, not {(int)expected}: {Workload.Shorten(body)}"
            : workload.CheckSmokeBody(operation, body);
        if (problem is not null)
        {
            Problem($"{store.Name}, {target.Spec.Name}, {operation}: the smoke request {request.Method} {request.RequestUri} {problem}");
        }
    }

    private async Task<RunRecord> MeasureAsync(
        Store store, TargetProcess target, string operation, int round, Workload workload, string? deepPagePath, DataSet data,
        CancellationToken cancellationToken)
    {
        var script = workload.WriteScript(operation, deepPagePath, ++runSeed);
        await Task.Delay(SettleTime, cancellationToken);
        var before = await target.ReadProbeAsync(cancellationToken);
        target.ResetPeakRss();
        var cpuBefore = target.CpuMicroseconds();
        var wrk = await Wrk.RunAsync(script, target.BaseAddress, options.Threads, options.Connections, options.DurationSeconds, cancellationToken);
        var cpuAfter = target.CpuMicroseconds();
        var after = await target.ReadProbeAsync(cancellationToken);
        var peakRss = target.PeakRssBytes();
        var settle = await AfterRunAsync(store, target, operation, data, cancellationToken);

        // No request completed (each takes longer than the run with 32 of them at once): no per-request figures.
        double requests = wrk.Requests > 0 ? wrk.Requests : double.NaN;
        var latency = wrk.Requests > 0 ? 1 / 1000d : double.NaN;
        var run = new RunRecord(
            store.Key, operation, target.Spec.Name, round,
            wrk.RequestsPerSecond, wrk.Requests, wrk.DurationMicroseconds / 1_000_000d,
            wrk.P50Microseconds * latency, wrk.P99Microseconds * latency, wrk.MeanMicroseconds * latency, wrk.MaxMicroseconds * latency,
            wrk.StatusErrors, wrk.SocketErrors,
            (cpuAfter - cpuBefore) / requests,
            (after.AllocatedBytes - before.AllocatedBytes) / 1024d / requests,
            peakRss / 1048576d,
            after.Gen0 - before.Gen0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2, settle.TotalSeconds);
        runsDone++;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  [{runsDone}/{runsPlanned} {clock.Elapsed:hh\\:mm\\:ss}] round {round} {operation,-12} {target.Spec.Name,-8} {run.RequestsPerSecond,9:F0} req/s  " +
            $"p50 {run.P50Milliseconds,7:F2} ms  p99 {run.P99Milliseconds,7:F2} ms  cpu {run.CpuMicrosecondsPerRequest,7:F0} µs/req  " +
            $"alloc {run.AllocatedKilobytesPerRequest,7:F1} KB/req  rss {run.PeakRssMegabytes,5:F0} MB  busy after {run.BusyAfterSeconds,4:F1} s"));
        if (wrk.Requests == 0)
        {
            var note = $"{store.Name}, {target.Spec.Name}, {operation}, round {round}: no request completed within {options.DurationSeconds} s.";
            Console.WriteLine($"  ({note})");
            results.Notes.Add(note);
        }

        if (run.Non2xx > 0 || run.SocketErrors > 0)
        {
            Problem($"{store.Name}, {target.Spec.Name}, {operation}, round {round}: {run.Non2xx:N0} error responses (status ≥ 400) and " +
                $"{run.SocketErrors:N0} socket errors/timeouts out of {run.Requests:N0} requests.");
        }

        return run;
    }

    /// <summary>
    /// After a run: the target must still be running and is given time to finish what wrk abandoned; rows a POST
    /// created are deleted, so every run sees the same data.
    /// </summary>
    private async Task<TimeSpan> AfterRunAsync(Store store, TargetProcess target, string operation, DataSet data, CancellationToken cancellationToken)
    {
        // Quick mode's figures are only a smoke test: it waits briefly, not for the JIT to finish.
        var limit = options.Quick ? TimeSpan.FromSeconds(0.5) : TimeSpan.FromSeconds(30);
        var clock = Stopwatch.StartNew();
        var databaseIdle = await store.WaitUntilIdleAsync(limit, cancellationToken);
        await target.WaitUntilIdleAsync(limit, cancellationToken);
        var waited = clock.Elapsed;
        if (target.HasExited)
        {
            throw new BenchException($"The {target.Spec.Name} exited during the {operation} run on {store.Name}.");
        }

        if ((waited >= limit || !databaseIdle) && !options.Quick)
        {
            Console.WriteLine($"  (the {target.Spec.Name} or its database is still busy {limit.TotalSeconds:F0} s after wrk stopped; going on)");
        }

        if (operation == "post")
        {
            await store.DeleteCreatedAsync(data, cancellationToken);
        }

        return waited;
    }

    private void Problem(string message)
    {
        Console.WriteLine($"!! {message}");
        results.Problems.Add(message);
    }

    private static string PathAndQuery(string link)
    {
        if (link.StartsWith('/'))
        {
            return link;
        }

        var scheme = link.IndexOf("://", StringComparison.Ordinal);
        var slash = scheme >= 0 ? link.IndexOf('/', scheme + 3) : -1;
        return slash >= 0 ? link[slash..] : throw new BenchException($"Cannot read the nextLink '{link}'.");
    }

    public static string LoadAverage() =>
        string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private async Task FillFactsAsync(IReadOnlyList<TargetSpec> targets)
    {
        var facts = results.Facts;
        facts.Mode = options.Quick ? "quick" : "full";
        facts.StartedUtc = DateTime.UtcNow;
        facts.Cores = Environment.ProcessorCount;
        facts.CpuModel = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var memory = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        facts.MemoryGibibytes = long.Parse(memory.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1048576d;
        facts.Kernel = (await File.ReadAllTextAsync("/proc/sys/kernel/osrelease")).Trim();
        facts.Runtime = RuntimeInformation.FrameworkDescription;
        facts.Wrk = await Wrk.VersionAsync();
        if (facts.Wrk == "unknown")
        {
            throw new BenchException("wrk is not installed: apt-get install -y wrk (./bench/run.sh installs it).");
        }

        var commit = await Tool.RunAsync("git", ["-C", repositoryRoot, "describe", "--always", "--dirty", "--abbrev=10"], TimeSpan.FromSeconds(10));
        facts.Commit = commit.ExitCode == 0 ? commit.Output.Trim() : "unknown";
        facts.LoadAverageBefore = LoadAverage();
        facts.Owners = options.Owners;
        facts.RowsPerOwner = options.RowsPerOwner;
        facts.DeepRows = options.DeepRows;
        facts.DeepPage = options.DeepPage;
        facts.Rounds = options.Rounds;
        facts.DurationSeconds = options.DurationSeconds;
        facts.WarmupSeconds = options.WarmupSeconds;
        facts.Threads = options.Threads;
        facts.Connections = options.Connections;
        facts.Targets = targets.Select(t => t.Name).ToList();
        facts.Operations = options.Operations.ToList();
        Console.WriteLine($"Machine: {facts.Cores} cores ({facts.CpuModel}), {facts.MemoryGibibytes:F0} GiB, load average {facts.LoadAverageBefore}; " +
            $"{facts.Runtime}; {facts.Wrk}; commit {facts.Commit}.");
    }
}
