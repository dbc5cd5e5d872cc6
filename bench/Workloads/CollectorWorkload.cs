using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CredentialSummaries.Bench.Runner;
using CredentialSummaries.GraphStandIn;

namespace CredentialSummaries.Bench.Workloads;

/// <summary>One collector round: a <c>collect</c> command for one stand-in tenant, its duration, its rate and its memory.</summary>
internal sealed record CollectorFigures(string Store, int Users, int Run, double RoundSeconds, double TenantMilliseconds, long PeakRssBytes)
{
    /// <summary>Report rows counted per second of the tenant's collection (sign-in, every page, policies, the upsert).</summary>
    public double RowsPerSecond => Users / (TenantMilliseconds / 1000);
}

/// <summary>
/// The built-in collector against the tests' Graph stand-in (tests/CredentialSummaries.GraphStandIn: HTTPS on 127.0.0.1,
/// the real MSAL and Graph SDK code paths): per tenant size, <c>dotnet CredentialSummaries.Api.dll collect</c> as an
/// operator runs it (Production, the collector's settings, <c>SSL_CERT_FILE</c> trusting the stand-in) on the store's
/// database, a fresh process each round. The duration is the one the command prints for the tenant (reading every page
/// of 999 rows, the policies, and the upsert); the peak resident set is the process's high-water mark (VmHWM), sampled
/// every 20 ms.
/// </summary>
internal sealed partial class CollectorWorkload(WorkloadOptions options, string serviceDll)
{
    private static readonly TimeSpan RoundTimeout = TimeSpan.FromMinutes(5);

    public async Task<List<CollectorFigures>> RunAsync(Store store)
    {
        var figures = new List<CollectorFigures>();
        var owner = Guid.NewGuid();
        foreach (var users in options.CollectorUsers)
        {
            var tenant = new StandInTenant(Guid.NewGuid(), $"Stand-in tenant of {users:N0} users", userCount: users, seed: users)
            {
                ConditionalAccessPolicies = [StandInConditionalAccessPolicy.RequireMfa("Require MFA for all users")],
            };
            await using var standIn = await GraphStandInServer.StartAsync(new GraphStandInOptions { Tenants = [tenant] });
            for (var run = 1; run <= options.CollectorRuns; run++)
            {
                var figure = await RoundAsync(store, standIn, owner, tenant, run);
                Console.WriteLine($"  {store.Name}, collector, {users:N0} users, round {run}: {figure.TenantMilliseconds:N0} ms for the tenant ({figure.RowsPerSecond:N0} rows/s), peak RSS {figure.PeakRssBytes / 1048576.0:N0} MB");
                figures.Add(figure);
            }
        }

        return figures;
    }

    private async Task<CollectorFigures> RoundAsync(Store store, GraphStandInServer standIn, Guid owner, StandInTenant tenant, int run)
    {
        var start = new ProcessStartInfo(TargetProcess.DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Path.GetDirectoryName(serviceDll)!,
        };
        start.ArgumentList.Add(serviceDll);
        start.ArgumentList.Add("collect");
        foreach (var name in start.Environment.Keys.Where(n => n.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || n.Contains("__", StringComparison.Ordinal)).ToArray())
        {
            start.Environment.Remove(name);
        }

        var settings = standIn.CollectorEnvironment(owner, [tenant.TenantId]);
        settings["Database__Provider"] = store.Provider;
        settings["ConnectionStrings__Summaries"] = store.TargetConnectionString;
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new BenchException("Could not start the collect command.");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        long peak = 0;
        using var deadline = new CancellationTokenSource(RoundTimeout);
        while (!process.HasExited)
        {
            peak = Math.Max(peak, PeakResidentBytes(process.Id));
            try
            {
                await Task.Delay(20, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new BenchException($"The collect command did not finish within {RoundTimeout.TotalMinutes} minutes.");
            }
        }

        await process.WaitForExitAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        var lines = await output;
        var line = lines.Split('\n').FirstOrDefault(l => l.StartsWith($"collected {tenant.TenantId}", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null || !line.Contains($": {tenant.UserCount} users,", StringComparison.Ordinal))
        {
            throw new BenchException($"The collect command exited {process.ExitCode} without collecting all {tenant.UserCount} users:\n{lines}\n{await errors}");
        }

        var milliseconds = double.Parse(Duration().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
        return new CollectorFigures(store.Name, tenant.UserCount, run, seconds, milliseconds, peak);
    }

    /// <summary>The process's high-water mark of resident memory so far, 0 once it is gone.</summary>
    private static long PeakResidentBytes(int processId)
    {
        try
        {
            return TargetProcess.StatusKilobytes(processId, "VmHWM:") * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return 0;
        }
    }

    [GeneratedRegex(@"\((\d+) ms\)\s*$")]
    private static partial Regex Duration();
}
