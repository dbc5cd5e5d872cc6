using Microsoft.Extensions.Options;

namespace CredentialSummaries.Api.Collection;

/// <summary>
/// With <c>Collection:Enabled=true</c>, a round when the service has started and then every <c>Collection:Interval</c>,
/// on every instance: the leases decide which instance collects which tenant. A tenant is due once its last attempt is
/// half an interval old, so instances whose rounds fall at different times still collect it once per interval. A
/// round that fails as a whole (the database is down) is logged and the next one runs as planned; nothing of it
/// touches <c>/readyz</c>, which never depends on Graph.
/// </summary>
public sealed partial class CollectionSchedule(
    IOptions<CollectionOptions> options, IServiceProvider services, TimeProvider clock, ILogger<CollectionSchedule> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var interval = options.Value.Interval;
        using var timer = new PeriodicTimer(interval, clock);
        do
        {
            try
            {
                var round = services.GetRequiredService<CollectionRound>();
                var result = await round.RunAsync(clock.GetUtcNow().UtcDateTime - interval / 2, stoppingToken);
                var outcomes = result.Tenants.CountBy(t => t.Outcome).ToDictionary();
                int collected = outcomes.GetValueOrDefault(TenantRoundOutcome.Collected), skipped = outcomes.GetValueOrDefault(TenantRoundOutcome.Skipped);
                var taken = outcomes.GetValueOrDefault(TenantRoundOutcome.Taken);
                LogRound(collected, skipped, taken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The schedule outlives any one round's failure; it is logged with its cause.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogRoundFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Collection round: {Collected} collected, {Skipped} skipped, {Taken} taken by other instances")]
    private partial void LogRound(int collected, int skipped, int taken);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Error, Message = "Collection round failed; the next one runs at the next interval")]
    private partial void LogRoundFailed(Exception exception);
}
