using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CredentialSummaries.Bench.Runner;

/// <summary>The Markdown table per store (medians over rounds, the ratio's spread) and the JSON of every run.</summary>
internal static class Report
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Markdown(BenchResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var facts = results.Facts;
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));

        Line($"# Benchmark: the service against the baseline ({facts.Mode} mode)");
        text.AppendLine();
        Line($"Written by `./bench/run.sh{(facts.Mode == "quick" ? " --quick" : "")}` on {facts.StartedUtc:yyyy-MM-dd HH:mm} UTC at commit `{facts.Commit}`, in {facts.TotalSeconds / 60:F1} min.");
        text.AppendLine();
        Line($"- Machine: {facts.Cores} cores ({facts.CpuModel}), {facts.MemoryGibibytes:F0} GiB, Linux {facts.Kernel}; {facts.Runtime}; {facts.Wrk}; {(facts.PostgreSql.Length > 0 ? facts.PostgreSql : "no PostgreSQL")}.");
        Line($"- Load average (1, 5, 15 min): {facts.LoadAverageBefore} before, {facts.LoadAverageAfter} after. The runner, wrk and the target share the machine.");
        Line($"- Data: {facts.Owners:N0} owners × {facts.RowsPerOwner:N0} rows = {(long)facts.Owners * facts.RowsPerOwner:N0} rows, plus a deep owner with {facts.DeepRows:N0} rows; the deep page is page {facts.DeepPage:N0} (pages of {Options.PageSize}, by id, through the target's own nextLinks).");
        Line($"- Load: wrk -t{facts.Threads} -c{facts.Connections}; {facts.Rounds} interleaved round(s) × {facts.DurationSeconds} s per operation and target, the targets' order alternating; before the rounds, a warm-up pass (not measured) in which each target runs every operation for {facts.WarmupSeconds} s. Figures are medians over the rounds; the ratio is service ÷ baseline requests/s per round (median, min–max).");
        Line($"- Per request, on the server: CPU = utime+stime of its process ÷ requests; alloc = GC.GetTotalAllocatedBytes (startup hook bench/Probe) ÷ requests; peak RSS = VmHWM during the run. A JSON $batch is one request (of 20 GETs).");
        Line($"- Both targets run through a store's pass, one idle while the other is measured. After every run the runner waits until the target is idle (under 5% of a core{(facts.Mode == "quick" ? ", at most 0.5 s in quick mode" : "")}): the tiered JIT goes on recompiling for seconds after a run, and slow requests wrk abandoned go on; that work is not billed to the next run.");
        foreach (var note in results.Notes)
        {
            Line($"- Note: {note}");
        }

        foreach (var store in results.Stores)
        {
            text.AppendLine();
            Line($"## {store.Name}");
            text.AppendLine();
            Line($"{store.Rows:N0} rows, {store.SizeBytes / 1048576d:F0} MB; migrated by the service in {store.MigrateSeconds:F1} s, seeded in {store.SeedSeconds:F1} s. Load average {store.LoadAverageBefore} before the runs, {store.LoadAverageAfter} after.");
            foreach (var target in store.Targets)
            {
                Line($"- {target.Name} (`{target.Dll}`): ready in {target.StartupSeconds:F1} s, {target.IdleRssMegabytes:F0} MB resident when idle{(target.DeepPagePath is null ? "" : string.Create(CultureInfo.InvariantCulture, $"; walked to page {target.DeepPagesWalked:N0} in {target.DeepWalkSeconds:F1} s"))}.");
            }

            text.AppendLine();
            var targets = facts.Targets;
            var service = targets.Contains("service") ? "service" : null;
            var baseline = targets.Contains("baseline") ? "baseline" : null;
            text.AppendLine("| operation | service req/s | baseline req/s | service ÷ baseline (min–max) | p50 / p99 ms service | p50 / p99 ms baseline | CPU µs/req service / baseline | alloc KB/req service / baseline | peak RSS MB service / baseline |");
            text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var operation in facts.Operations)
            {
                var s = Summarize(store, operation, service);
                var b = Summarize(store, operation, baseline);
                if (s is null && b is null)
                {
                    continue;
                }

                var errors = store.Runs.Where(r => r.Operation == operation).Sum(r => r.Non2xx + r.SocketErrors);
                var title = string.Format(CultureInfo.InvariantCulture, Workload.Operations[operation].Title, facts.DeepPage) + (errors > 0 ? string.Create(CultureInfo.InvariantCulture, $" **⚠ {errors:N0} errors**") : "");
                text.Append(CultureInfo.InvariantCulture, $"| {title} | {Rate(s)} | {Rate(b)} | {Ratio(store, operation)} | {Latency(s)} | {Latency(b)} ");
                text.Append(CultureInfo.InvariantCulture, $"| {Pair(s?.Cpu, b?.Cpu, "N0")} | {Pair(s?.Alloc, b?.Alloc, "F1")} | {Pair(s?.Rss, b?.Rss, "N0")} |");
                text.AppendLine();
            }

            if (store.ParityChecked)
            {
                text.AppendLine();
                text.AppendLine(store.ParityDifferences.Count == 0
                    ? "Parity: the baseline answered 8 read requests (GET by id, the lists, $count, the batch, 401, 404) with the service's statuses and bodies (request ids, dates and skip tokens aside)."
                    : "**⚠ Parity: the baseline's answers differ from the service's** — " + string.Join(" ", store.ParityDifferences));
            }

            var deep = DeepRatios(store, targets);
            if (deep.Length > 0)
            {
                text.AppendLine();
                Line($"Deep page: p50 of page {facts.DeepPage:N0} ÷ p50 of page 1 (deep owner) — {string.Join(", ", deep)}. The issue's target: within 1.5×.");
            }
        }

        text.AppendLine();
        if (results.Problems.Count == 0)
        {
            text.AppendLine("No error responses, socket errors or failed smoke checks.");
        }
        else
        {
            text.AppendLine("## ⚠ Problems");
            text.AppendLine();
            foreach (var problem in results.Problems)
            {
                Line($"- {problem}");
            }
        }

        return text.ToString();
    }

    public static string ToJson(BenchResults results) => JsonSerializer.Serialize(new
    {
        results.Facts,
        results.Notes,
        results.Problems,
        Stores = results.Stores.Select(store => new
        {
            store.Key,
            store.Name,
            store.Rows,
            store.SizeBytes,
            store.MigrateSeconds,
            store.SeedSeconds,
            store.LoadAverageBefore,
            store.LoadAverageAfter,
            store.Targets,
            store.ParityChecked,
            store.ParityDifferences,
            Summary = results.Facts.Operations.Select(operation => new
            {
                Operation = operation,
                Service = Summarize(store, operation, "service"),
                Baseline = Summarize(store, operation, "baseline"),
                Ratio = RatioFigures(store, operation),
            }).ToArray(),
            store.Runs,
        }).ToArray(),
    }, Json);

    /// <summary>Medians over the rounds of one target's runs of one operation.</summary>
    internal sealed record Summary(int Runs, double RequestsPerSecond, double P50, double P99, double Cpu, double Alloc, double Rss, long Errors);

    internal sealed record RatioSummary(double Median, double Min, double Max);

    private static Summary? Summarize(StoreRecord store, string operation, string? target)
    {
        var runs = store.Runs.Where(r => r.Operation == operation && r.Target == target).ToArray();
        return runs.Length == 0
            ? null
            : new Summary(
                runs.Length,
                Median(runs.Select(r => r.RequestsPerSecond)), Median(runs.Select(r => r.P50Milliseconds)), Median(runs.Select(r => r.P99Milliseconds)),
                Median(runs.Select(r => r.CpuMicrosecondsPerRequest)), Median(runs.Select(r => r.AllocatedKilobytesPerRequest)),
                Median(runs.Select(r => r.PeakRssMegabytes)), runs.Sum(r => r.Non2xx + r.SocketErrors));
    }

    private static RatioSummary? RatioFigures(StoreRecord store, string operation)
    {
        var ratios = store.Runs.Where(r => r.Operation == operation && r.Target == "service")
            .Join(store.Runs.Where(r => r.Operation == operation && r.Target == "baseline"), r => r.Round, r => r.Round,
                (s, b) => b.RequestsPerSecond > 0 ? s.RequestsPerSecond / b.RequestsPerSecond : double.NaN)
            .Where(r => !double.IsNaN(r))
            .ToArray();
        return ratios.Length == 0 ? null : new RatioSummary(Median(ratios), ratios.Min(), ratios.Max());
    }

    private static string Ratio(StoreRecord store, string operation) =>
        RatioFigures(store, operation) is { } r
            ? string.Create(CultureInfo.InvariantCulture, $"{r.Median:F2} ({r.Min:F2}–{r.Max:F2})")
            : "–";

    private static string[] DeepRatios(StoreRecord store, IEnumerable<string> targets) =>
        targets.Select(t => (Target: t, First: Summarize(store, "deep-first", t), Deep: Summarize(store, "deep-page", t)))
            .Where(x => x.First is { P50: > 0 } && x.Deep is not null)
            .Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Target} {x.Deep!.P50 / x.First!.P50:F2}×"))
            .ToArray();

    private static string Rate(Summary? s) => s is null ? "–" : Number(s.RequestsPerSecond, s.RequestsPerSecond >= 100 ? "N0" : "F1");

    private static string Latency(Summary? s) => s is null ? "–" : $"{Milliseconds(s.P50)} / {Milliseconds(s.P99)}";

    private static string Milliseconds(double value) => Number(value, value < 10 ? "F2" : "F1");

    private static string Pair(double? service, double? baseline, string format) =>
        $"{(service is { } s ? Number(s, format) : "–")} / {(baseline is { } b ? Number(b, format) : "–")}";

    private static string Number(double value, string format) => double.IsNaN(value) ? "–" : value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>The median of the figures there are (a run in which no request completed has none per request).</summary>
    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
