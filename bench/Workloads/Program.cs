using System.Runtime.Versioning;
using CredentialSummaries.Bench.Runner;
using CredentialSummaries.Bench.Workloads;

// Linux only: /proc, runuser.
[assembly: SupportedOSPlatform("linux")]

// Exit codes: 0 it ran (whatever the figures); 1 something could not run or a workload's answers were wrong; 2 a bad
// command line.
WorkloadOptions options;
try
{
    options = WorkloadOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"{e.Message}\n\n{WorkloadOptions.Usage}");
    return 2;
}

if (options.Help)
{
    Console.WriteLine(WorkloadOptions.Usage);
    return 0;
}

try
{
    var root = WorkloadBench.FindRepositoryRoot();
    var results = await new WorkloadBench(options, root).RunAsync();
    var markdown = WorkloadReport.Markdown(options, results);
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
    await Console.Error.WriteLineAsync($"The workloads could not run: {e.Message}");
    return 1;
}
