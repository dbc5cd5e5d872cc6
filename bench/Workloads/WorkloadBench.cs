using CredentialSummaries.Bench.Runner;

namespace CredentialSummaries.Bench.Workloads;

/// <summary>Every figure of a run, per store.</summary>
internal sealed class WorkloadResults
{
    public List<DashboardFigures> Dashboard { get; } = [];

    public List<CollectorFigures> Collector { get; } = [];

    public List<DeltaFigures> Delta { get; } = [];
}

/// <summary>
/// For each store: an empty database, the service (Release, Development, as the runner starts it: bench/CONTRACT.md)
/// started on it, and the chosen workloads one after another, each with owners of its own.
/// </summary>
internal sealed class WorkloadBench(WorkloadOptions options, string repositoryRoot)
{
    public string ServiceDll => Path.Combine(repositoryRoot, "src", "CredentialSummaries.Api", "bin", "Release", "net10.0", "CredentialSummaries.Api.dll");

    private string ProbeDll => Path.Combine(repositoryRoot, "bench", "Probe", "bin", "Release", "net10.0", "CredentialSummaries.Bench.Probe.dll");

    public static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CredentialSummaries.sln")))
            {
                return directory.FullName;
            }
        }

        throw new BenchException("No CredentialSummaries.sln above the benchmark's folder.");
    }

    public async Task<WorkloadResults> RunAsync()
    {
        var results = new WorkloadResults();
        using var work = await WorkFolder.CreateAsync(keep: false);
        await using var dashboard = options.Workloads.Contains("dashboard") ? await DashboardWorkload.StartAsync(options) : null;
        foreach (var storeKey in options.Stores)
        {
            PostgreSqlCluster? cluster = null;
            try
            {
                Store store;
                if (storeKey == "sqlite")
                {
                    store = new SqliteStore(work.PathOf("sqlite", "summaries.db"));
                }
                else
                {
                    cluster = await PostgreSqlCluster.StartAsync(work);
                    store = new PostgreSqlStore(cluster, "credentialsummaries_workloads");
                }

                await store.CreateEmptyAsync();
                var tokens = new Tokens();
                await using var service = await TargetProcess.StartAsync(
                    new TargetSpec("service", ServiceDll, RunsService: true), store, tokens, ProbeDll, work, keepLogs: false,
                    new Dictionary<string, string>(), $"workloads-{storeKey}", CancellationToken.None);
                Console.WriteLine($"{store.Name}: the service answers at {service.BaseAddress} ({service.StartupTime.TotalSeconds:F1} s to start).");
                if (dashboard is not null)
                {
                    results.Dashboard.AddRange(await dashboard.RunAsync(service, store.Name, tokens));
                }

                if (options.Workloads.Contains("collector"))
                {
                    results.Collector.AddRange(await new CollectorWorkload(options, ServiceDll).RunAsync(store));
                }

                if (options.Workloads.Contains("delta"))
                {
                    results.Delta.Add(await new DeltaWorkload(options).RunAsync(service, store.Name, tokens));
                }

                await service.StopAsync();
            }
            finally
            {
                if (cluster is not null)
                {
                    await cluster.DisposeAsync();
                }
            }
        }

        return results;
    }
}
