using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

/// <summary>
/// The benchmark's allocation probe, a .NET startup hook: the runtime calls <see cref="Initialize"/> before the app's
/// <c>Main</c> when <c>DOTNET_STARTUP_HOOKS</c> names this assembly (the type must be <c>StartupHook</c> in the global
/// namespace). When <c>BENCH_PROBE_FILE</c> is set, a background thread writes one line to that file every 100 ms:
/// <c>sequence allocatedBytes gen0Collections gen1Collections gen2Collections pauseMilliseconds</c>, where
/// allocatedBytes is <see cref="GC.GetTotalAllocatedBytes(bool)"/> (not precise: the bytes of the threads' current
/// allocation contexts are left out, a few KB). Each sample is written to a temporary file and renamed over the
/// previous one, so a reader never sees half a line. The probe's own allocations (one short string per sample) are
/// tens of bytes per 100 ms, nothing next to a benchmark's thousands of requests per second.
/// </summary>
[SuppressMessage("Design", "CA1050:Declare types in namespaces", Justification = "The runtime looks the startup hook up as 'StartupHook' in the global namespace.")]
public static class StartupHook
{
    public const string FileVariable = "BENCH_PROBE_FILE";

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    public static void Initialize()
    {
        var path = Environment.GetEnvironmentVariable(FileVariable);
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        var thread = new Thread(() => Run(Path.GetFullPath(path)))
        {
            IsBackground = true,
            Name = "bench-probe",
            Priority = ThreadPriority.AboveNormal,
        };
        thread.Start();
    }

    private static void Run(string path)
    {
        var temporary = path + ".tmp";
        var clock = Stopwatch.StartNew();
        for (long sequence = 1; ; sequence++)
        {
            try
            {
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"{sequence} {GC.GetTotalAllocatedBytes(false)} {GC.CollectionCount(0)} {GC.CollectionCount(1)} {GC.CollectionCount(2)} {(long)GC.GetTotalPauseDuration().TotalMilliseconds}\n");
                File.WriteAllText(temporary, line);
                File.Move(temporary, path, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The folder is gone (the runner cleaned up) or briefly unwritable: try again next time.
            }

            // Sleep to the next multiple of the interval, so a slow write does not stretch the period.
            var next = Interval * (Math.Floor(clock.Elapsed / Interval) + 1);
            var wait = next - clock.Elapsed;
            Thread.Sleep(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        }
    }
}
