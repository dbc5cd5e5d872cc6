using System.Globalization;

namespace CredentialSummaries.Bench.Dashboard;

/// <summary>The command line of <c>./bench/dashboard.sh</c>.</summary>
internal sealed record DashboardBenchOptions(
    IReadOnlyList<string> Stores, IReadOnlyList<int> Sizes, int Months, int WarmupViews, int Views, string OutputName, bool Help)
{
    public const string Usage = """
        Usage: ./bench/dashboard.sh [options]
          --stores LIST     sqlite,postgresql (default both)
          --sizes LIST      tenants of each measured owner (default 1000,5000)
          --months N        monthly snapshots per tenant before this month's (default 12: a year of history)
          --warmup N        first views opened and not measured, per owner (default 2)
          --views N         first views measured per owner (default 10)
          --output NAME     bench/results/NAME.md (default dashboard)
          --quick           --sizes 200 --months 3 --warmup 1 --views 3 --output dashboard-quick
        """;

    public static DashboardBenchOptions Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new DashboardBenchOptions(["sqlite", "postgresql"], [1000, 5000], 12, 2, 10, "dashboard", Help: false);
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Number(string text, int minimum) =>
                int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= minimum
                    ? n
                    : throw new ArgumentException($"'{text}' is not a whole number of at least {minimum}.");
            options = args[i] switch
            {
                "--help" or "-h" => options with { Help = true },
                "--stores" => options with { Stores = StoreList(Value()) },
                "--sizes" => options with { Sizes = [.. Value().Split(',').Select(s => Number(s, 1))] },
                "--months" => options with { Months = Number(Value(), 1) },
                "--warmup" => options with { WarmupViews = Number(Value(), 0) },
                "--views" => options with { Views = Number(Value(), 1) },
                "--output" => options with { OutputName = Value() },
                "--quick" => options with { Sizes = [200], Months = 3, WarmupViews = 1, Views = 3, OutputName = "dashboard-quick" },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'."),
            };
        }

        return options;
    }

    private static string[] StoreList(string list)
    {
        var stores = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return stores.Length > 0 && stores.All(s => s is "sqlite" or "postgresql")
            ? stores
            : throw new ArgumentException($"'{list}' is not a list of sqlite and postgresql.");
    }
}
