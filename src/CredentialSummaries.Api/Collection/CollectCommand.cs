using System.Runtime.InteropServices;
using System.Globalization;

namespace CredentialSummaries.Api.Collection;

/// <summary>
/// <c>… -- collect</c> (or <c>dotnet CredentialSummaries.Api.dll collect</c>): one round, one line per tenant on
/// stdout — collected with its counts, skipped with why, or taken by another instance — and an exit code a scheduler
/// can act on: 0 when every tenant was collected (here or by another instance), 2 when some were skipped, 1 on bad
/// configuration (Program.cs, before anything runs). The log goes to stderr.
/// </summary>
public static class CollectCommand
{
    public const string Name = "collect";

    public const int AllCollected = 0;

    public const int SomeSkipped = 2;

    /// <summary>Interrupted by Ctrl+C or SIGTERM (128 + SIGINT, as a shell reports it).</summary>
    public const int Stopped = 130;

    public static bool Requested(string[] args) => args is [Name, ..];

    /// <summary>Runs the round; Ctrl+C or SIGTERM cancels it (a tenant being read is then not written).</summary>
    public static async Task<int> RunAsync(IServiceProvider services, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(output);
        using var stop = new CancellationTokenSource();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        var cancellationToken = stop.Token;
        var clock = services.GetRequiredService<TimeProvider>();
        using var scope = services.CreateScope();
        RoundResult round;
        try
        {
            round = await scope.ServiceProvider.GetRequiredService<CollectionRound>().RunAsync(clock.GetUtcNow().UtcDateTime, cancellationToken);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("collect: stopped; the tenants being read were not written, and their leases are released.");
            return Stopped;
        }

        if (round.DiscoveryError is not null)
        {
            await output.WriteLineAsync($"skipped discovery of the GDAP customers: {round.DiscoveryErrorCode} {round.DiscoveryError}");
        }

        foreach (var tenant in round.Tenants)
        {
            await output.WriteLineAsync(Line(tenant));
        }

        return round.DiscoveryError is null && round.Tenants.All(t => t.Outcome != TenantRoundOutcome.Skipped) ? AllCollected : SomeSkipped;

        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    public static string Line(TenantRoundResult tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var name = tenant.DisplayName is null ? "" : $" \"{tenant.DisplayName}\"";
        return tenant.Outcome switch
        {
            TenantRoundOutcome.Collected => string.Create(CultureInfo.InvariantCulture,
                $"collected {tenant.TenantId}{name}: {tenant.Counts!.TotalUserCount} users, {tenant.Counts.MfaRegisteredUserCount} MFA registered, " +
                $"{tenant.Counts.SsprRegisteredUserCount} SSPR registered, {tenant.Counts.SsprEnabledUserCount} SSPR enabled, " +
                $"{tenant.Counts.MfaAndSsprCapableUserCount} MFA and SSPR capable, security defaults {(tenant.Report!.SecurityDefaultsEnabled ? "on" : "off")}, " +
                $"MFA conditional access {tenant.Report.MfaConditionalAccessPolicyState} ({tenant.Duration.TotalMilliseconds:0} ms)"),
            TenantRoundOutcome.Skipped => $"skipped {tenant.TenantId}{name}: {tenant.ErrorCode} {tenant.ErrorMessage}",
            _ => $"taken {tenant.TenantId}{name}: another instance is collecting it, or collected it since this round began",
        };
    }
}
