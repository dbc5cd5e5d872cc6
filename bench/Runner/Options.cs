using System.Globalization;

namespace CredentialSummaries.Bench.Runner;

/// <summary>What to run: the command line on top of the full or the quick mode's defaults.</summary>
internal sealed record Options
{
    public const string Usage = """
        Usage: ./bench/run.sh [--quick] [options]   (or: dotnet CredentialSummaries.Bench.Runner.dll [options])

          --quick                 small data, one short round per operation; writes bench/results/quick.md (git-ignored)
          --targets LIST          service,baseline (default) or service
          --stores LIST           sqlite,postgresql (default), or one of them
          --ops LIST              operations to run (default: all): get,post,patch,list-top50,filter-count,
                                  deep-first,deep-page,count,batch20
          --rounds N              interleaved rounds (full: 10, quick: 1; the service JITs for ~15 s under load)
          --duration SECONDS      measured wrk run per operation, target and round (full: 10, quick: 2)
          --warmup SECONDS        per operation, of the warm-up pass every target makes before the rounds (full: 5,
                                  quick: 1; under load the service's tiered JIT works for about 15 s)
          --owners N              owners with --rows-per-owner rows each (full: 1000, quick: 100)
          --rows-per-owner N      (default 100)
          --deep-rows N           rows of the deep owner (full: 1000000, quick: 10000)
          --deep-page N           the page of the deep owner benchmarked through nextLinks (full: 5000, quick: 20)
          --out NAME              writes bench/results/NAME.md and NAME.json (full: latest, quick: quick)
          --baseline-dll PATH     the baseline (default bench/Baseline/bin/Release/net10.0/CredentialSummaries.Bench.Baseline.dll)
          --baseline-is-service   runs the service in the baseline's slot too (tests the runner without a baseline)
          --server-logs           keeps the targets' console output in the work folder (default: discarded)
          --keep-work             keeps the work folder (database, scripts, logs) after the run
          --target-env NAME=VALUE an environment variable for both targets, repeatable (e.g. DOTNET_PerfMapEnabled=1
                                  to profile them with perf; the figures are then not comparable)
        """;

    public static readonly IReadOnlyList<string> AllOperations =
        ["get", "post", "patch", "list-top50", "filter-count", "deep-first", "deep-page", "count", "batch20"];

    public bool Quick { get; init; }

    public IReadOnlyList<string> Targets { get; init; } = ["service", "baseline"];

    public IReadOnlyList<string> Stores { get; init; } = ["sqlite", "postgresql"];

    public IReadOnlyList<string> Operations { get; init; } = AllOperations;

    public int Rounds { get; init; } = 3;

    public int DurationSeconds { get; init; } = 10;

    public int WarmupSeconds { get; init; } = 5;

    public int Owners { get; init; } = 1000;

    public int RowsPerOwner { get; init; } = 100;

    public int DeepRows { get; init; } = 1_000_000;

    public int DeepPage { get; init; } = 5000;

    public int Threads { get; init; } = 2;

    public int Connections { get; init; } = 32;

    public string OutputName { get; init; } = "latest";

    public string? BaselineDll { get; init; }

    public bool BaselineIsService { get; init; }

    public bool ServerLogs { get; init; }

    public bool KeepWork { get; init; }

    /// <summary>Extra environment variables for both targets (--target-env NAME=VALUE), e.g. DOTNET_PerfMapEnabled=1 to profile with perf.</summary>
    public IReadOnlyDictionary<string, string> TargetEnvironment { get; init; } = new Dictionary<string, string>();

    public bool Help { get; init; }

    /// <summary>The page size the service uses without <c>$top</c> (SummaryQueryLimits.PageSize).</summary>
    public const int PageSize = 100;

    public static Options Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var quick = args.Contains("--quick");
        var options = quick
            ? new Options
            {
                Quick = true, Rounds = 1, DurationSeconds = 2, WarmupSeconds = 1, Owners = 100, DeepRows = 10_000, DeepPage = 20,
                OutputName = "quick",
            }
            : new Options();

        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            int Number() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"{name} needs a positive whole number.");
            IReadOnlyList<string> List(IReadOnlyList<string> allowed)
            {
                var items = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var unknown = items.Where(item => !allowed.Contains(item)).ToArray();
                return unknown.Length == 0 && items.Length > 0
                    ? items.Distinct().ToArray()
                    : throw new ArgumentException($"{name}: unknown '{string.Join(",", unknown)}'; choose from {string.Join(",", allowed)}.");
            }

            options = name switch
            {
                "--quick" => options,
                "--targets" => options with { Targets = List(["service", "baseline"]) },
                "--stores" => options with { Stores = List(["sqlite", "postgresql"]) },
                "--ops" => options with { Operations = List(AllOperations) },
                "--rounds" => options with { Rounds = Number() },
                "--duration" => options with { DurationSeconds = Number() },
                "--warmup" => options with { WarmupSeconds = Number() },
                "--owners" => options with { Owners = Number() },
                "--rows-per-owner" => options with { RowsPerOwner = Number() },
                "--deep-rows" => options with { DeepRows = Number() },
                "--deep-page" => options with { DeepPage = Number() },
                "--out" => options with { OutputName = Value() },
                "--baseline-dll" => options with { BaselineDll = Path.GetFullPath(Value()) },
                "--baseline-is-service" => options with { BaselineIsService = true },
                "--server-logs" => options with { ServerLogs = true },
                "--keep-work" => options with { KeepWork = true },
                "--target-env" => options with { TargetEnvironment = WithVariable(options.TargetEnvironment, name, Value()) },
                "--help" or "-h" => options with { Help = true },
                _ => throw new ArgumentException($"Unknown option '{name}'."),
            };
        }

        if ((long)(options.DeepPage - 1) * PageSize >= options.DeepRows)
        {
            throw new ArgumentException(
                $"--deep-page {options.DeepPage} needs more than {(long)(options.DeepPage - 1) * PageSize} rows of the deep owner; --deep-rows is {options.DeepRows}.");
        }

        if (options.RowsPerOwner < 20)
        {
            throw new ArgumentException("--rows-per-owner must be at least 20 (the batch reads 20 rows of one owner).");
        }

        if (options.OutputName.IndexOfAny(['/', '\\']) >= 0)
        {
            throw new ArgumentException("--out is a file name without a folder.");
        }

        // Targets in a fixed order (the service first), whatever order they were given in.
        return options with { Targets = options.Targets.OrderBy(t => t == "service" ? 0 : 1).ToArray() };
    }

    private static Dictionary<string, string> WithVariable(IReadOnlyDictionary<string, string> variables, string option, string assignment)
    {
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new ArgumentException($"{option} needs NAME=VALUE; got '{assignment}'.");
        }

        return new Dictionary<string, string>(variables) { [assignment[..equals]] = assignment[(equals + 1)..] };
    }
}
