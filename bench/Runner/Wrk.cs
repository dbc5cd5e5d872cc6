using System.Diagnostics;
using System.Globalization;

namespace CredentialSummaries.Bench.Runner;

/// <summary>
/// What one wrk run measured, from the script's <c>done()</c> (exact numbers rather than wrk's rounded text):
/// latencies in microseconds, <see cref="StatusErrors"/> = responses with a status of 400 or more (wrk's
/// "Non-2xx or 3xx responses").
/// </summary>
internal sealed record WrkResult(
    long DurationMicroseconds, long Requests, long Bytes, long ConnectErrors, long ReadErrors, long WriteErrors, long StatusErrors,
    long Timeouts, double P50Microseconds, double P99Microseconds, double MeanMicroseconds, double MaxMicroseconds, string Output)
{
    public double RequestsPerSecond => DurationMicroseconds > 0 ? Requests * 1_000_000d / DurationMicroseconds : 0;

    public long SocketErrors => ConnectErrors + ReadErrors + WriteErrors + Timeouts;
}

/// <summary>
/// Runs wrk (<c>-t -c -d --latency --timeout 30s -s script url</c>) and reads its result line. The timeout is long because
/// 32 concurrent counts of a million rows on PostgreSQL take up to 10 s each, for either target.
/// </summary>
internal static class Wrk
{
    public static async Task<string> VersionAsync() => await Tool.FirstLineAsync("wrk", "--version");

    public static async Task<WrkResult> RunAsync(
        string script, Uri target, int threads, int connections, int seconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var arguments = new[]
        {
            "-t", threads.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
            "-d", $"{seconds.ToString(CultureInfo.InvariantCulture)}s", "--latency", "--timeout", "30s", "-s", script, target.ToString().TrimEnd('/'),
        };
        var result = await Tool.RunAsync("wrk", arguments, TimeSpan.FromSeconds(seconds + 60), cancellationToken: cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new BenchException($"wrk failed (exit code {result.ExitCode}): {result.Command}\n{result.Output}");
        }

        var line = result.Output.Split('\n').FirstOrDefault(l => l.StartsWith("BENCH-RESULT ", StringComparison.Ordinal))
            ?? throw new BenchException($"wrk printed no result line (a Lua error?): {result.Command}\n{result.Output}");
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Debug.Assert(f.Length == 12);
        return new WrkResult((long)f[0], (long)f[1], (long)f[2], (long)f[3], (long)f[4], (long)f[5], (long)f[6], (long)f[7], f[8], f[9], f[10], f[11], result.Output);
    }
}
