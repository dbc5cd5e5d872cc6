using System.Globalization;
using System.Text;

namespace CredentialSummaries.Bench.Dashboard;

/// <summary>bench/results/dashboard.md: per store and owner size, the first view's times and the API calls it made.</summary>
internal static class DashboardReport
{
    /// <summary>The bar: the first view of 5,000 tenants with a year of history usable in under 2 s.</summary>
    public const double TargetMilliseconds = 2000;

    public static string Markdown(DashboardBenchOptions options, IReadOnlyList<OwnerFigures> figures)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(figures);
        var text = new StringBuilder();
        var invariant = CultureInfo.InvariantCulture;
        text.AppendLine(invariant, $"# Dashboard first view ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        text.AppendLine();
        text.AppendLine(invariant, $"`./bench/dashboard.sh {Arguments(options)}` on {Environment.ProcessorCount} cores. Each owner's tenants have {options.Months} monthly snapshots and this month's refresh, written through the service's own API; {options.WarmupViews} warm-up view(s), then {options.Views} first views measured, each in a fresh chromium context (cold cache) at 1,280 × 900 px, with the token in the tab's session storage. A view is usable when the headline, the table's first page of 50 rows with their sparklines and the \"dropped\" list are drawn. \"First view\" is the runner's clock from the navigation's start; \"page\" is the page's `performance.now()` then. API calls are the page's Resource Timing entries for `/v1.0/…`.");
        text.AppendLine();
        text.AppendLine("| store | tenants | snapshots | first view p50 | p95 | max | page p50 | API calls / view | API call p50 | p95 | bytes / view | server peak RSS | under 2 s |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var f in figures)
        {
            var p95 = Percentile(f.FirstViewMilliseconds, 0.95);
            text.AppendLine(invariant,
                $"| {f.Store} | {f.Tenants:N0} | {f.Snapshots:N0} | {Percentile(f.FirstViewMilliseconds, 0.5):N0} ms | {p95:N0} ms | {f.FirstViewMilliseconds.Max():N0} ms | {Percentile(f.PageMilliseconds, 0.5):N0} ms | {f.ApiCallsPerView} | {Percentile(f.ApiCallMilliseconds, 0.5):N1} ms | {Percentile(f.ApiCallMilliseconds, 0.95):N1} ms | {f.ApiBytesPerView / 1024.0:N0} KiB | {f.ServerPeakRssBytes / 1048576.0:N0} MB | {(p95 < TargetMilliseconds ? "yes" : "no")} (p95) |");
        }

        text.AppendLine();
        text.AppendLine("Where a first view's time goes, per kind of API call (medians over the measured views; \"done\" is when the kind's last response ended, from the navigation's start):");
        text.AppendLine();
        text.AppendLine("| store | tenants | kind | calls / view | p50 | p95 | done (p50) |");
        text.AppendLine("|---|---:|---|---:|---:|---:|---:|");
        foreach (var f in figures)
        {
            foreach (var kind in f.Calls.GroupBy(c => c.Kind))
            {
                var durations = kind.Select(c => c.Call.Duration).ToList();
                var perView = kind.Count() / Math.Max(1, f.FirstViewMilliseconds.Count);
                // The views' calls come in order, view after view: each view's share of this kind is a run of perView calls.
                var done = kind.Select(c => c.Call).Chunk(Math.Max(1, perView)).Select(chunk => chunk.Max(c => c.Start + c.Duration)).ToList();
                text.AppendLine(invariant,
                    $"| {f.Store} | {f.Tenants:N0} | {kind.Key} | {perView} | {Percentile(durations, 0.5):N1} ms | {Percentile(durations, 0.95):N1} ms | {Percentile(done, 0.5):N0} ms |");
            }
        }

        text.AppendLine();
        text.AppendLine("Seeding through the API (not part of the first view):");
        text.AppendLine();
        foreach (var f in figures)
        {
            text.AppendLine(invariant, $"- {f.Store}, {f.Tenants:N0} tenants: {f.Snapshots:N0} upserts at {f.SeedUpsertsPerSecond:N0} upserts/s (8 concurrent); the table said \"{f.TableStatus}\"");
        }

        return text.ToString();
    }

    private static string Arguments(DashboardBenchOptions options) =>
        string.Create(CultureInfo.InvariantCulture,
            $"--stores {string.Join(',', options.Stores)} --sizes {string.Join(',', options.Sizes)} --months {options.Months} --warmup {options.WarmupViews} --views {options.Views}");

    /// <summary>The nearest-rank percentile.</summary>
    public static double Percentile(IReadOnlyList<double> values, double fraction)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
