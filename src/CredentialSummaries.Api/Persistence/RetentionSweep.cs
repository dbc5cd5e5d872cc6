using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CredentialSummaries.Api.Persistence;

/// <summary>What one retention sweep deleted.</summary>
public readonly record struct RetentionSweepResult(int Snapshots, int Tombstones);

/// <summary>
/// Deletes, across all owners, the snapshots recorded more than <c>Retention:HistoryDays</c> ago and the tombstones
/// of summaries deleted more than <c>Retention:DeltaTokenDays</c> ago, every <c>Retention:SweepInterval</c>, the first
/// one interval after start-up (retention is not urgent, and instances started together by a deployment should not
/// all sweep at once while they warm up). Each statement deletes at most <see cref="BatchSize"/> rows (a short transaction
/// that never holds SQLite's write lock for long), repeated until nothing is older. A sweep that fails (the database
/// is down) is logged and tried again at the next interval; the host keeps running. Time comes from
/// <see cref="TimeProvider"/>, so that a test can sweep at a time of its choosing through <see cref="SweepAsync"/>.
/// </summary>
public sealed partial class RetentionSweep(
    IDbContextFactory<SummariesDbContext> contexts, IOptions<RetentionOptions> options, TimeProvider clock, ILogger<RetentionSweep> logger)
    : BackgroundService
{
    public const int BatchSize = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogSweepFailed(logger, ex, options.Value.SweepInterval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>One sweep, now (by <see cref="TimeProvider"/>): what the hosted service runs every interval.</summary>
    public async Task<RetentionSweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var historyCutoff = now.AddDays(-options.Value.HistoryDays);
        var tombstoneCutoff = now.AddDays(-options.Value.DeltaTokenDays);

        var snapshots = await DeleteInBatchesAsync(db => db.Snapshots.IgnoreQueryFilters()
            .Where(s => s.RecordedDateTime < historyCutoff)
            .OrderBy(s => s.RecordedDateTime)
            .Take(BatchSize), cancellationToken);
        var tombstones = await DeleteInBatchesAsync(db => db.Tombstones.IgnoreQueryFilters()
            .Where(t => t.DeletedDateTime < tombstoneCutoff)
            .OrderBy(t => t.DeletedDateTime)
            .Take(BatchSize), cancellationToken);

        if (snapshots > 0 || tombstones > 0)
        {
            LogSwept(logger, snapshots, historyCutoff, tombstones, tombstoneCutoff);
        }

        return new(snapshots, tombstones);
    }

    private async Task<int> DeleteInBatchesAsync<T>(Func<SummariesDbContext, IQueryable<T>> batch, CancellationToken cancellationToken)
    {
        var total = 0;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        int deleted;
        do
        {
            deleted = await batch(db).ExecuteDeleteAsync(cancellationToken);
            total += deleted;
        }
        while (deleted == BatchSize);

        return total;
    }

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information,
        Message = "Retention: deleted {Snapshots} snapshots recorded before {HistoryCutoff:O} and {Tombstones} tombstones of deletes before {TombstoneCutoff:O}")]
    private static partial void LogSwept(ILogger logger, int snapshots, DateTime historyCutoff, int tombstones, DateTime tombstoneCutoff);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Retention: the sweep failed; it runs again in {SweepInterval}")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception, TimeSpan sweepInterval);
}
