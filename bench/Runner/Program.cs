using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using CredentialSummaries.Bench.Runner;

// Linux only: /proc, runuser, wrk.
[assembly: SupportedOSPlatform("linux")]

// Exit codes: 0 the benchmark ran (whatever its figures); 1 something could not run (a build missing, a target that
// did not start, a tool missing, Ctrl+C); 2 a bad command line; 3 it ran, but a target answered errors or failed a
// smoke check (the figures are written, and the problems listed under them).
Options options;
try
{
    options = Options.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"{e.Message}\n\n{Options.Usage}");
    return 2;
}

if (options.Help)
{
    Console.WriteLine(Options.Usage);
    return 0;
}

var repositoryRoot = FindRepositoryRoot();
using var stop = new CancellationTokenSource();
void Cancel(PosixSignalContext context)
{
    context.Cancel = true;
    if (!stop.IsCancellationRequested)
    {
        Console.WriteLine("Stopping: the targets and the PostgreSQL cluster are stopped, the work folder deleted.");
        stop.Cancel();
    }
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);

var results = new BenchResults();
var clock = Stopwatch.StartNew();
var exitCode = 0;
try
{
    await new Bench(options, repositoryRoot, results).RunAsync(stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("Cancelled.");
    exitCode = 1;
}
catch (BenchException e)
{
    await Console.Error.WriteLineAsync($"The benchmark could not run: {e.Message}");
    exitCode = 1;
}

results.Facts.TotalSeconds = clock.Elapsed.TotalSeconds;
results.Facts.LoadAverageAfter = Bench.LoadAverage();
if (results.Stores.Any(s => s.Runs.Count > 0))
{
    var folder = Path.Combine(repositoryRoot, "bench", "results");
    Directory.CreateDirectory(folder);
    var markdown = Report.Markdown(results);
    var name = exitCode == 0 ? options.OutputName : options.OutputName + "-incomplete";
    await File.WriteAllTextAsync(Path.Combine(folder, name + ".md"), markdown);
    await File.WriteAllTextAsync(Path.Combine(folder, name + ".json"), Report.ToJson(results));
    Console.WriteLine();
    Console.WriteLine(markdown);
    Console.WriteLine($"Written to bench/results/{name}.md and {name}.json ({clock.Elapsed.TotalMinutes:F1} min).");
}

if (exitCode == 0 && results.Problems.Count > 0)
{
    await Console.Error.WriteLineAsync($"!! The benchmark ran, but with {results.Problems.Count} problem(s) (listed above): a target answered errors or wrong bodies.");
    exitCode = 3;
}

return exitCode;

static string FindRepositoryRoot()
{
    foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CredentialSummaries.sln")))
            {
                return directory.FullName;
            }
        }
    }

    throw new InvalidOperationException("No CredentialSummaries.sln above the current folder or the runner.");
}
