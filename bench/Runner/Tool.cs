using System.Diagnostics;
using System.Text;

namespace CredentialSummaries.Bench.Runner;

/// <summary>The outcome of a command-line tool: its exit code and what it wrote (stdout and stderr together).</summary>
internal sealed record ToolResult(string Command, int ExitCode, string Output)
{
    public ToolResult ShouldSucceed(string? extra = null) => ExitCode == 0
        ? this
        : throw new BenchException($"'{Command}' failed (exit code {ExitCode}):\n{Output}{(extra is null ? "" : "\n" + extra)}");
}

/// <summary>A failure that stops the run: the message says what could not run, without a stack trace.</summary>
internal sealed class BenchException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Runs short command-line tools (initdb, pg_ctl, kill, git …), bounded in time, without standard input.</summary>
internal static class Tool
{
    public static async Task<ToolResult> RunAsync(
        string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null, string? workingDirectory = null,
        CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // PGDATA, PGPORT, PGHOST … of the caller's shell must not point the PostgreSQL tools at another cluster.
        foreach (var name in start.Environment.Keys.Where(n => n.StartsWith("PG", StringComparison.Ordinal)).ToArray())
        {
            start.Environment.Remove(name);
        }

        start.Environment["LC_ALL"] = "C";
        var command = $"{fileName} {string.Join(' ', start.ArgumentList)}";
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new ToolResult(command, -1, $"could not start: {e.Message}");
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            return new ToolResult(command, -1, $"did not finish within {(timeout ?? TimeSpan.FromSeconds(120)).TotalSeconds} s");
        }

        var text = new StringBuilder(await output).Append(await errors);
        return new ToolResult(command, process.ExitCode, text.ToString());
    }

    /// <summary>The first line a tool prints (e.g. its version), or "unknown" when it cannot run.</summary>
    public static async Task<string> FirstLineAsync(string fileName, params string[] arguments)
    {
        var result = await RunAsync(fileName, arguments, TimeSpan.FromSeconds(20));
        var line = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        return result.ExitCode is 0 or 1 && line is not null ? line : "unknown";
    }

    /// <summary>Sends a signal with <c>kill</c> (SIGTERM asks a server to stop gracefully).</summary>
    public static Task<ToolResult> SignalAsync(int processId, string signal) =>
        RunAsync("kill", [$"-{signal}", processId.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
}
