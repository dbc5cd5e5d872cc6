using System.Globalization;

namespace CredentialSummaries.Bench.Workloads;

/// <summary>The command line of <c>./bench/workloads.sh</c>.</summary>
internal sealed record WorkloadOptions(
    IReadOnlyList<string> Workloads,
    IReadOnlyList<string> Stores,
    IReadOnlyList<int> DashboardSizes,
    int Months,
    int WarmupViews,
    int Views,
    IReadOnlyList<int> CollectorUsers,
    int CollectorRuns,
    int DeltaRows,
    int DeltaSeconds,
    int DeltaWriters,
    string OutputName,
    bool Help)
{
    public const string Usage = """
        Usage: ./bench/workloads.sh [options]
          --workloads LIST    dashboard,collector,delta (default all three)
          --stores LIST       sqlite,postgresql (default both)
          --sizes LIST        dashboard: tenants of each measured owner (default 1000,5000)
          --months N          dashboard: monthly snapshots per tenant before this month's (default 12: a year)
          --warmup N          dashboard: first views opened and not measured, per owner (default 2)
          --views N           dashboard: first views measured per owner (default 10)
          --users LIST        collector: users of the stand-in tenant of each round (default 5000,50000)
          --runs N            collector: rounds (collect commands) per tenant size (default 3)
          --delta-rows N      delta: the owner's summaries (default 2000)
          --delta-seconds N   delta: how long writers and the delta reader run side by side (default 20)
          --writers N         delta: concurrent writers (default 4)
          --output NAME       bench/results/NAME.md (default workloads)
          --quick             small figures of every workload in about two minutes: bench/results/workloads-quick.md
        """;

    public static WorkloadOptions Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new WorkloadOptions(
            ["dashboard", "collector", "delta"], ["sqlite", "postgresql"], [1000, 5000], 12, 2, 10, [5_000, 50_000], 3, 2_000, 20, 4,
            "workloads", Help: false);
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--help" or "-h" => options with { Help = true },
                "--workloads" => options with { Workloads = List(Value(), "dashboard", "collector", "delta") },
                "--stores" => options with { Stores = List(Value(), "sqlite", "postgresql") },
                "--sizes" => options with { DashboardSizes = Numbers(Value(), 1) },
                "--months" => options with { Months = Number(Value(), 1) },
                "--warmup" => options with { WarmupViews = Number(Value(), 0) },
                "--views" => options with { Views = Number(Value(), 1) },
                "--users" => options with { CollectorUsers = Numbers(Value(), 1) },
                "--runs" => options with { CollectorRuns = Number(Value(), 1) },
                "--delta-rows" => options with { DeltaRows = Number(Value(), 1) },
                "--delta-seconds" => options with { DeltaSeconds = Number(Value(), 1) },
                "--writers" => options with { DeltaWriters = Number(Value(), 1) },
                "--output" => options with { OutputName = Value() },
                "--quick" => options with
                {
                    DashboardSizes = [200], Months = 3, WarmupViews = 1, Views = 3, CollectorUsers = [2_000], CollectorRuns = 1,
                    DeltaRows = 300, DeltaSeconds = 5, OutputName = "workloads-quick",
                },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'."),
            };
        }

        return options;
    }

    public string CommandLine => string.Create(CultureInfo.InvariantCulture,
        $"--workloads {string.Join(',', Workloads)} --stores {string.Join(',', Stores)} --sizes {string.Join(',', DashboardSizes)} --months {Months} " +
        $"--warmup {WarmupViews} --views {Views} --users {string.Join(',', CollectorUsers)} --runs {CollectorRuns} --delta-rows {DeltaRows} " +
        $"--delta-seconds {DeltaSeconds} --writers {DeltaWriters}");

    private static int Number(string text, int minimum) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= minimum
            ? n
            : throw new ArgumentException($"'{text}' is not a whole number of at least {minimum}.");

    private static int[] Numbers(string list, int minimum) => [.. list.Split(',').Select(s => Number(s, minimum))];

    private static string[] List(string list, params string[] allowed)
    {
        var items = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return items.Length > 0 && items.All(allowed.Contains)
            ? items
            : throw new ArgumentException($"'{list}' is not a list of {string.Join(", ", allowed)}.");
    }
}
