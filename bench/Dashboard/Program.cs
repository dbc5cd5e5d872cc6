using System.Runtime.Versioning;
using CredentialSummaries.Bench.Dashboard;
using CredentialSummaries.Bench.Runner;

// Linux only: /proc, runuser.
[assembly: SupportedOSPlatform("linux")]

// Exit codes: 0 it ran (whatever the figures); 1 something could not run; 2 a bad command line.
DashboardBenchOptions options;
try
{
    options = DashboardBenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"{e.Message}\n\n{DashboardBenchOptions.Usage}");
    return 2;
}

if (options.Help)
{
    Console.WriteLine(DashboardBenchOptions.Usage);
    return 0;
}

try
{
    var root = DashboardBench.FindRepositoryRoot();
    var figures = await new DashboardBench(options, root).RunAsync();
    var markdown = DashboardReport.Markdown(options, figures);
    var folder = Path.Combine(root, "bench", "results");
    Directory.CreateDirectory(folder);
    await File.WriteAllTextAsync(Path.Combine(folder, options.OutputName + ".md"), markdown);
    Console.WriteLine();
    Console.WriteLine(markdown);
    Console.WriteLine($"Written to bench/results/{options.OutputName}.md.");
    return 0;
}
catch (BenchException e)
{
    await Console.Error.WriteLineAsync($"The dashboard benchmark could not run: {e.Message}");
    return 1;
}
