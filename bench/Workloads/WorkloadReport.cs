using System.Globalization;
using System.Text;

namespace CredentialSummaries.Bench.Workloads;

/// <summary>bench/results/workloads.md: the dashboard's first view, a collector round and delta rounds under writes, per store.</summary>
internal static class WorkloadReport
{
    /// <summary>The issue's bar: the first view of 5,000 tenants with a year of history usable in under 2 s.</summary>
    public const double TargetMilliseconds = 2000;

    public static string Markdown(WorkloadOptions options, WorkloadResults results)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(results);
        var text = new StringBuilder();
        var invariant = CultureInfo.InvariantCulture;
        text.AppendLine(invariant, $"# Workloads ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        text.AppendLine();
        text.AppendLine(invariant, $"`./bench/workloads.sh {options.CommandLine}` on {Environment.ProcessorCount} cores: the service in Release (Development, throttling off, as bench/CONTRACT.md starts it) on {string.Join(" and on ", options.Stores.Select(store => store == "sqlite" ? "a SQLite file" : "a throwaway PostgreSQL 15 cluster"))}.");
        if (results.Dashboard.Count > 0)
        {
            Dashboard(text, options, results.Dashboard);
        }

        if (results.Collector.Count > 0)
        {
            Collector(text, results.Collector);
        }

        if (results.Delta.Count > 0)
        {
            Delta(text, results.Delta);
        }

        return text.ToString();
    }

    private static void Dashboard(StringBuilder text, WorkloadOptions options, IReadOnlyList<DashboardFigures> figures)
    {
        var invariant = CultureInfo.InvariantCulture;
        text.AppendLine();
        text.AppendLine("## The dashboard's first view");
        text.AppendLine();
        text.AppendLine(invariant, $"Each owner's tenants have {options.Months} monthly snapshots and this month's refresh, written through the service's own API; {options.WarmupViews} warm-up view(s), then {options.Views} first views measured, each in a fresh chromium context (cold cache) at 1,280 × 900 px, with the token in the tab's session storage. A view is usable when the headline, the table's first page of 50 rows with their sparklines and the \"dropped\" list are drawn. \"First view\" is the runner's clock from the navigation's start; \"page\" is the page's `performance.now()` then. API calls are the page's Resource Timing entries for `/v1.0/…`.");
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
    }

    private static void Collector(StringBuilder text, IReadOnlyList<CollectorFigures> figures)
    {
        var invariant = CultureInfo.InvariantCulture;
        text.AppendLine();
        text.AppendLine("## A collector round");
        text.AppendLine();
        text.AppendLine("`dotnet CredentialSummaries.Api.dll collect` (Production) for one tenant of the tests' Graph stand-in (HTTPS on 127.0.0.1, the real MSAL and Graph SDK), a fresh process per round, on the store's database. \"Tenant\" is the duration the command prints for the tenant (its token, every report page of 999 rows with `$select`, the policies, the upsert); \"round\" is the whole command, start-up and migration check included; peak RSS is the process's VmHWM. Medians over the rounds.");
        text.AppendLine();
        text.AppendLine("| store | users | rounds | tenant | rows / s | round | peak RSS |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var group in figures.GroupBy(f => (f.Store, f.Users)))
        {
            var runs = group.ToList();
            text.AppendLine(invariant,
                $"| {group.Key.Store} | {group.Key.Users:N0} | {runs.Count} | {Percentile([.. runs.Select(r => r.TenantMilliseconds)], 0.5):N0} ms | {Percentile([.. runs.Select(r => r.RowsPerSecond)], 0.5):N0} | {Percentile([.. runs.Select(r => r.RoundSeconds)], 0.5):N1} s | {Percentile([.. runs.Select(r => r.PeakRssBytes / 1048576.0)], 0.5):N0} MB |");
        }
    }

    private static void Delta(StringBuilder text, IReadOnlyList<DeltaFigures> figures)
    {
        var invariant = CultureInfo.InvariantCulture;
        text.AppendLine();
        text.AppendLine("## Delta rounds under concurrent writes");
        text.AppendLine();
        text.AppendLine("One owner's summaries read by a first `delta()` round, then writers upserting random tenants as fast as the service answers while one reader runs delta rounds back to back from the latest delta link, applying each page to its copy; after the writers stop, a last round, and the copy compared with the list the service serves, row by row.");
        text.AppendLine();
        text.AppendLine("| store | rows | first round | writers | writes / s | delta rounds | round p50 | p95 | changes / round p50 | mismatches at the end |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var f in figures)
        {
            text.AppendLine(invariant,
                $"| {f.Store} | {f.Rows:N0} | {f.InitialSyncMilliseconds:N0} ms ({f.InitialPages} pages) | {f.Writers} | {f.WritesPerSecond:N0} | {f.RoundMilliseconds.Count:N0} | {Percentile(f.RoundMilliseconds, 0.5):N1} ms | {Percentile(f.RoundMilliseconds, 0.95):N1} ms | {Percentile([.. f.ChangesPerRound.Select(c => (double)c)], 0.5):N0} | {f.Mismatches} |");
        }
    }

    /// <summary>The nearest-rank percentile.</summary>
    public static double Percentile(IReadOnlyList<double> values, double fraction)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
