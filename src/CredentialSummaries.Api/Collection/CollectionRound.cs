using System.Diagnostics;
using CredentialSummaries.Api.Model;
using CredentialSummaries.Api.Persistence;
using CredentialSummaries.Api.Validation;
using Microsoft.AspNetCore.OData.Deltas;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CredentialSummaries.Api.Collection;

public enum TenantRoundOutcome
{
    Collected,

    /// <summary>Signing in or reading failed (recorded with its reason); the other tenants go on.</summary>
    Skipped,

    /// <summary>Another instance collects the tenant this round, or did since the round's due time.</summary>
    Taken,
}

/// <summary>How one tenant fared in a round.</summary>
public sealed record TenantRoundResult(
    string TenantId, string? DisplayName, TenantRoundOutcome Outcome, RegistrationCounts? Counts, TenantReport? Report,
    string? ErrorCode, string? ErrorMessage, TimeSpan Duration);

/// <summary>A round: the tenants it found (or why it found none) and each one's result.</summary>
public sealed record RoundResult(IReadOnlyList<TenantRoundResult> Tenants, string? DiscoveryErrorCode, string? DiscoveryError);

/// <summary>
/// One round of the built-in collector: every managed tenant that is due and that no other instance holds is taken
/// (<see cref="CollectionLeases"/>), read from Graph (<see cref="TenantReportReader"/>), and its summary upserted by
/// tenantId for <c>Collection:OwnerTenantId</c> through the store's upsert — one transaction with its change version
/// and snapshot, as a pushed upsert — so that delta, history and ETags see collected rows like pushed ones. A tenant
/// that refuses or keeps failing is recorded and skipped; it never stops the others.
/// </summary>
public sealed partial class CollectionRound(
    IOptions<CollectionOptions> options, TenantSource tenants, TenantReportReader reader, IDbContextFactory<SummariesDbContext> contexts,
    TimeProvider clock, ILogger<CollectionRound> logger)
{
    /// <summary>This instance, as it holds leases: host, process and a nonce, so two processes on one host differ.</summary>
    public static readonly string InstanceId = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    private string Owner => Guid.Parse(options.Value.OwnerTenantId!).ToString("D");

    /// <summary>
    /// Runs a round. <paramref name="dueBefore"/>: a tenant whose last attempt ended after it is not due (another
    /// instance has just collected it); the schedule passes half an interval ago, the <c>collect</c> command its own
    /// start, so that it collects every tenant no instance holds.
    /// </summary>
    public async Task<RoundResult> RunAsync(DateTime dueBefore, CancellationToken cancellationToken)
    {
        IReadOnlyList<ManagedTenant> found;
        try
        {
            found = await tenants.GetAsync(cancellationToken);
        }
        catch (Exception e) when (CollectionErrors.Describe(e, options.Value.ClientSecret) is { } error)
        {
            LogDiscoveryFailed(error.Code, error.Message);
            found = [.. options.Value.Tenants.Select(t => new ManagedTenant(Guid.Parse(t.TenantId).ToString("D"), t.DisplayName))];
            return new RoundResult(await CollectAllAsync(found, dueBefore, cancellationToken), error.Code, error.Message);
        }

        return new RoundResult(await CollectAllAsync(found, dueBefore, cancellationToken), null, null);
    }

    private async Task<IReadOnlyList<TenantRoundResult>> CollectAllAsync(IReadOnlyList<ManagedTenant> found, DateTime dueBefore, CancellationToken cancellationToken)
    {
        var results = new TenantRoundResult[found.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, found.Count),
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxParallelTenants, CancellationToken = cancellationToken },
            async (i, token) => results[i] = await CollectAsync(found[i], dueBefore, token));
        return results;
    }

    private async Task<TenantRoundResult> CollectAsync(ManagedTenant tenant, DateTime dueBefore, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.OwnerTenantId = Owner;
        var leases = new CollectionLeases(db, clock);
        if (!await leases.TryTakeAsync(tenant, InstanceId, dueBefore, options.Value.LeaseDuration, cancellationToken))
        {
            return new TenantRoundResult(tenant.TenantId, tenant.DisplayName, TenantRoundOutcome.Taken, null, null, null, null, TimeSpan.Zero);
        }

        var started = Stopwatch.StartNew();
        TenantRoundResult result;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(options.Value.TenantTimeout);
            try
            {
                var report = await reader.ReadAsync(tenant.TenantId, tenant.DisplayName, timeout.Token);
                result = await WriteAsync(db, report, started, timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                result = Skipped(tenant, "Timeout", $"Reading the tenant took longer than Collection:TenantTimeout ({options.Value.TenantTimeout:c}).", started);
            }
            catch (Exception e) when (CollectionErrors.Describe(e, options.Value.ClientSecret) is { } error)
            {
                result = Skipped(tenant, error.Code, error.Message, started);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping: nothing of the tenant was written; give the lease back so another instance need not wait for it.
                await leases.CompleteAsync(Skipped(tenant, "Cancelled", "The instance stopped while reading the tenant.", started), InstanceId, CancellationToken.None);
                throw;
            }
        }

        await leases.CompleteAsync(result, InstanceId, CancellationToken.None);
        if (result.Outcome == TenantRoundOutcome.Collected)
        {
            LogCollected(tenant.TenantId, result.Counts!.TotalUserCount, (long)result.Duration.TotalMilliseconds);
        }
        else
        {
            LogSkipped(tenant.TenantId, result.ErrorCode, result.ErrorMessage);
        }

        return result;
    }

    /// <summary>The report as an upsert by tenantId, judged by the same rules as a pushed one.</summary>
    private async Task<TenantRoundResult> WriteAsync(SummariesDbContext db, TenantReport report, Stopwatch started, CancellationToken cancellationToken)
    {
        var body = new Delta<CredentialUserRegistrationsSummary>();
        Set(body, nameof(CredentialUserRegistrationsSummary.TenantDisplayName), report.DisplayName);
        Set(body, nameof(CredentialUserRegistrationsSummary.TotalUserCount), report.Counts.TotalUserCount);
        Set(body, nameof(CredentialUserRegistrationsSummary.MfaRegisteredUserCount), report.Counts.MfaRegisteredUserCount);
        Set(body, nameof(CredentialUserRegistrationsSummary.SsprRegisteredUserCount), report.Counts.SsprRegisteredUserCount);
        Set(body, nameof(CredentialUserRegistrationsSummary.SsprEnabledUserCount), report.Counts.SsprEnabledUserCount);
        Set(body, nameof(CredentialUserRegistrationsSummary.MfaAndSsprCapableUserCount), report.Counts.MfaAndSsprCapableUserCount);
        Set(body, nameof(CredentialUserRegistrationsSummary.SecurityDefaultsEnabled), report.SecurityDefaultsEnabled);
        Set(body, nameof(CredentialUserRegistrationsSummary.MfaConditionalAccessPolicyState), report.MfaConditionalAccessPolicyState);
        Set(body, nameof(CredentialUserRegistrationsSummary.LastRefreshedDateTime), report.ReadDateTime);

        IReadOnlyList<RuleViolation> violations = [];
        var now = clock.GetUtcNow().UtcDateTime;
        var (outcome, _) = await new SummaryStore(db, clock).UpsertByTenantIdAsync(
            report.TenantId,
            stored => (violations = SummaryRules.ApplyUpdate(stored, body, [], now)).Count == 0,
            () =>
            {
                Set(body, nameof(CredentialUserRegistrationsSummary.TenantId), report.TenantId);
                violations = SummaryRules.ApplyCreate(body, [], now, out var created);
                return violations.Count == 0 ? created : null;
            },
            cancellationToken);
        var tenant = new ManagedTenant(report.TenantId, report.DisplayName);
        return outcome switch
        {
            UpsertOutcome.Created or UpsertOutcome.Updated => new TenantRoundResult(
                report.TenantId, report.DisplayName, TenantRoundOutcome.Collected, report.Counts, report, null, null, started.Elapsed),
            _ => Skipped(tenant, "InvalidSummary", violations.Count > 0 ? violations[0].Message : "The summary could not be stored.", started),
        };
    }

    private static void Set(Delta<CredentialUserRegistrationsSummary> body, string property, object? value)
    {
        if (!body.TrySetPropertyValue(property, value))
        {
            throw new InvalidOperationException($"The summary has no property '{property}'.");
        }
    }

    private static TenantRoundResult Skipped(ManagedTenant tenant, string code, string message, Stopwatch started) =>
        new(tenant.TenantId, tenant.DisplayName, TenantRoundOutcome.Skipped, null, null, code, message, started.Elapsed);

    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Collected tenant {TenantId}: {Users} users in {DurationMs} ms")]
    private partial void LogCollected(string tenantId, int users, long durationMs);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Skipped tenant {TenantId}: {ErrorCode} {ErrorMessage}")]
    private partial void LogSkipped(string tenantId, string? errorCode, string? errorMessage);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Could not list the managing tenant's GDAP customers: {ErrorCode} {ErrorMessage}; collecting the configured tenants only")]
    private partial void LogDiscoveryFailed(string errorCode, string errorMessage);
}
