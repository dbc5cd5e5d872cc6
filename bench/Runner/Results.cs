namespace CredentialSummaries.Bench.Runner;

/// <summary>One measured wrk run of one operation on one target and store, in one round.</summary>
internal sealed record RunRecord(
    string Store,
    string Operation,
    string Target,
    int Round,
    double RequestsPerSecond,
    long Requests,
    double Seconds,
    double P50Milliseconds,
    double P99Milliseconds,
    double MeanMilliseconds,
    double MaxMilliseconds,
    long Non2xx,
    long SocketErrors,
    double CpuMicrosecondsPerRequest,
    double AllocatedKilobytesPerRequest,
    double PeakRssMegabytes,
    int Gen0Collections,
    int Gen1Collections,
    int Gen2Collections,
    double BusyAfterSeconds);

/// <summary>A target as it ran on a store: its start-up, and the walk to the deep owner's Nth page.</summary>
internal sealed class TargetRecord
{
    public required string Name { get; init; }

    public required string Dll { get; init; }

    public double StartupSeconds { get; set; }

    public double IdleRssMegabytes { get; set; }

    public string? DeepPagePath { get; set; }

    public int DeepPagesWalked { get; set; }

    public double DeepWalkSeconds { get; set; }
}

/// <summary>A store's pass: its set-up times and sizes, the targets and every run.</summary>
internal sealed class StoreRecord
{
    public required string Key { get; init; }

    public required string Name { get; init; }

    public double MigrateSeconds { get; set; }

    public double SeedSeconds { get; set; }

    public long Rows { get; set; }

    public long SizeBytes { get; set; }

    public string LoadAverageBefore { get; set; } = "";

    public string LoadAverageAfter { get; set; } = "";

    public List<TargetRecord> Targets { get; } = [];

    public List<RunRecord> Runs { get; } = [];

    /// <summary>Where the baseline's answers differ from the service's (Parity); empty when they match.</summary>
    public List<string> ParityDifferences { get; } = [];

    public bool ParityChecked { get; set; }
}

/// <summary>The machine and the run's settings, printed above the tables.</summary>
internal sealed class RunFacts
{
    public string Mode { get; set; } = "";

    public DateTime StartedUtc { get; set; }

    public double TotalSeconds { get; set; }

    public string Commit { get; set; } = "";

    public int Cores { get; set; }

    public string CpuModel { get; set; } = "";

    public double MemoryGibibytes { get; set; }

    public string Kernel { get; set; } = "";

    public string Runtime { get; set; } = "";

    public string Wrk { get; set; } = "";

    public string PostgreSql { get; set; } = "";

    public string LoadAverageBefore { get; set; } = "";

    public string LoadAverageAfter { get; set; } = "";

    public int Owners { get; set; }

    public int RowsPerOwner { get; set; }

    public int DeepRows { get; set; }

    public int DeepPage { get; set; }

    public int Rounds { get; set; }

    public int DurationSeconds { get; set; }

    public int WarmupSeconds { get; set; }

    public int Threads { get; set; }

    public int Connections { get; set; }

    public List<string> Targets { get; set; } = [];

    public List<string> Operations { get; set; } = [];
}

internal sealed class BenchResults
{
    public RunFacts Facts { get; } = new();

    public List<StoreRecord> Stores { get; } = [];

    /// <summary>Everything that went wrong but did not stop the run (error responses, failed smoke checks, a missing baseline).</summary>
    public List<string> Problems { get; } = [];

    public List<string> Notes { get; } = [];
}
