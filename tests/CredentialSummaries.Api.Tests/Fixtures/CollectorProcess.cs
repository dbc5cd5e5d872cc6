using System.Globalization;
using CredentialSummaries.GraphStandIn;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>How one <c>collect</c> run ended: its exit code, its stdout lines, its log, and its peak resident memory.</summary>
public sealed record CollectRun(int ExitCode, IReadOnlyList<string> Lines, string Errors, long PeakResidentBytes)
{
    public string Transcript => $"exit {ExitCode}\n--- stdout ---\n{string.Join('\n', Lines)}\n--- stderr ---\n{Errors}";

    /// <summary>The stdout line about <paramref name="tenantId"/>.</summary>
    public string LineFor(Guid tenantId)
    {
        var lines = Lines.Where(l => l.Contains(tenantId.ToString(), StringComparison.Ordinal)).ToList();
        lines.Should().ContainSingle($"one line names tenant {tenantId}\n{Transcript}");
        return lines[0];
    }
}

/// <summary>
/// The built app's <c>collect</c> command (<c>dotnet CredentialSummaries.Api.dll collect</c>) as an operator runs it, in
/// Production, signed in to a <see cref="GraphStandInServer"/> that it trusts through <c>SSL_CERT_FILE</c> (the system
/// CAs plus the stand-in's certificate), on a test database. Nothing in the app knows the stand-in: it is configured
/// with the same keys as Entra ID and Graph would be.
/// </summary>
public static class CollectorProcess
{
    public static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    /// <summary>The settings of a collector owned by <paramref name="owner"/> for <paramref name="tenants"/>, with <paramref name="extra"/> on top.</summary>
    public static Dictionary<string, string?> Settings(
        GraphStandInServer standIn, TestDatabase database, Guid owner, IEnumerable<Guid> tenants, IReadOnlyDictionary<string, string?>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(standIn);
        ArgumentNullException.ThrowIfNull(database);
        var settings = new Dictionary<string, string?>(database.EnvironmentVariables);
        foreach (var (key, value) in standIn.CollectorEnvironment(owner, tenants))
        {
            settings[key] = value;
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Starts <c>collect</c>; the caller waits for it (<see cref="CompleteAsync"/>) or kills it.</summary>
    public static ApiProcess Start(IReadOnlyDictionary<string, string?> settings) =>
        ApiProcess.Start(ExternalTool.DotnetHost(), [ApiProcess.BuiltApiPath, "collect"], settings, ApiProcess.BuiltApiDirectory, port: 0);

    /// <summary>Runs <c>collect</c> to its end, sampling its peak resident set (Linux's <c>VmHWM</c>) while it runs.</summary>
    public static async Task<CollectRun> RunAsync(IReadOnlyDictionary<string, string?> settings)
    {
        await using var process = Start(settings);
        return await CompleteAsync(process);
    }

    public static async Task<CollectRun> CompleteAsync(ApiProcess process)
    {
        ArgumentNullException.ThrowIfNull(process);
        long peak = 0;
        var exited = process.WaitForExitAsync(RunTimeout);
        while (!exited.IsCompleted)
        {
            peak = Math.Max(peak, PeakResidentBytes(process.Id));
            await Task.WhenAny(exited, Task.Delay(20));
        }

        var exitCode = await exited;
        var lines = process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new CollectRun(exitCode, lines, process.Errors, peak);
    }

    /// <summary>The process's high-water mark of resident memory so far, 0 once it is gone.</summary>
    private static long PeakResidentBytes(int processId)
    {
        try
        {
            var line = File.ReadLines($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>The line <c>collect</c> prints for a collected tenant, up to its duration, from the stand-in's own rows.</summary>
    public static string CollectedLine(StandInTenant tenant, string securityDefaults, string mfaPolicyState)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var expected = ExpectedCounts(tenant);
        return string.Create(CultureInfo.InvariantCulture,
            $"collected {tenant.TenantId} \"{tenant.DisplayName}\": {expected.Total} users, {expected.MfaRegistered} MFA registered, " +
            $"{expected.SsprRegistered} SSPR registered, {expected.SsprEnabled} SSPR enabled, {expected.MfaAndSsprCapable} MFA and SSPR capable, " +
            $"security defaults {securityDefaults}, MFA conditional access {mfaPolicyState} (");
    }

    /// <summary>The counting rules of docs/collection.md applied by the test itself to every row the stand-in serves.</summary>
    public static (int Total, int MfaRegistered, int SsprRegistered, int SsprEnabled, int MfaAndSsprCapable) ExpectedCounts(StandInTenant tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var users = tenant.Users().ToList();
        return (users.Count, users.Count(u => u.IsMfaRegistered), users.Count(u => u.IsSsprRegistered), users.Count(u => u.IsSsprEnabled),
            users.Count(u => u.IsMfaCapable && u.IsSsprCapable));
    }
}
