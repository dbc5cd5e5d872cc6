using CredentialSummaries.Api.Persistence;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CredentialSummaries.Api.Operations;

/// <summary>How the host stops (docs/production.md, "Health and shutdown"); judged at start-up by StartupConfiguration.</summary>
public sealed class ShutdownOptions
{
    public const string Section = "Hosting";

    /// <summary>How long requests in flight may take to finish once the listener is closed; then they are aborted.</summary>
    public int ShutdownTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// How long the service goes on serving, with <c>/readyz</c> already 503, before it closes its listener, so that a
    /// load balancer that probes every few seconds stops sending first. 0 (the default) closes it at once.
    /// </summary>
    public int ShutdownDrainSeconds { get; set; }
}

/// <summary>
/// Health for load balancers and orchestrators, and graceful shutdown. <c>/healthz</c> says the process is alive;
/// <c>/readyz</c> says it should get traffic: it is not shutting down (then it is 503 without any check), its database answers within
/// <see cref="DatabaseTimeout"/> and no migration is pending. Both are answered first in the pipeline, before batching,
/// the request log, authentication and throttling: they are anonymous, never throttled, never logged as customer
/// requests, not OData routes (so not in <c>$metadata</c>), and their body is only the status word.
/// </summary>
public static class ServiceHealth
{
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/readyz";

    /// <summary>Tags that select the checks of each endpoint.</summary>
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";

    /// <summary>A database that has not answered by then is not ready: the probe answers 503 instead of hanging.</summary>
    public static readonly TimeSpan DatabaseTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Registers the checks, the endpoints (through a startup filter, so that they come before everything Program.cs
    /// puts in the pipeline) and the shutdown settings.
    /// </summary>
    public static IHostApplicationBuilder AddServiceHealth(this IHostApplicationBuilder builder)
    {
        var shutdown = builder.Configuration.GetSection(ShutdownOptions.Section).Get<ShutdownOptions>() ?? new ShutdownOptions();
        builder.Services.AddSingleton(shutdown);
        // The host's budget covers the drain and then the requests in flight, so the drain never shortens the latter.
        builder.Services.Configure<HostOptions>(host =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(shutdown.ShutdownTimeoutSeconds + shutdown.ShutdownDrainSeconds));
        builder.Services.AddHostedService<ShutdownDrain>();

        builder.Services.AddSingleton(services => new DatabaseReadinessCheck(
            cancellationToken => OpenStoreAsync(services, cancellationToken),
            services.GetRequiredService<TimeProvider>()));
        builder.Services.AddHealthChecks()
            .AddCheck("process", () => HealthCheckResult.Healthy(), tags: [LiveTag])
            .AddCheck<DatabaseReadinessCheck>("database", tags: [ReadyTag]);
        builder.Services.AddTransient<IStartupFilter, HealthEndpoints>();
        return builder;
    }

    /// <summary>
    /// The only place that knows how the store hands out a context: a fresh one from the store's provider-neutral
    /// factory, whichever store runs.
    /// </summary>
    private static async Task<DbContext> OpenStoreAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        await services.GetRequiredService<IDbContextFactory<SummariesDbContext>>().CreateDbContextAsync(cancellationToken);

    /// <summary>Whether the request is a probe (for telemetry filters: probes are not customer requests).</summary>
    public static bool IsProbe(HttpRequest request) =>
        request.Path.Equals(LivenessPath, StringComparison.OrdinalIgnoreCase) || request.Path.Equals(ReadinessPath, StringComparison.OrdinalIgnoreCase);

    internal static HealthCheckOptions OptionsFor(string tag) => new()
    {
        Predicate = registration => registration.Tags.Contains(tag),
        // Healthy 200, Degraded 200, Unhealthy 503 (the defaults); Cache-Control: no-store, no-cache (the default).
        AllowCachingResponses = false,
        ResponseWriter = WriteStatusAsync,
    };

    /// <summary>Only the status word: no check names, descriptions, exceptions or connection strings.</summary>
    private static Task WriteStatusAsync(HttpContext context, HealthReport report) => WriteStatusAsync(context, report.Status);

    private static Task WriteStatusAsync(HttpContext context, HealthStatus status)
    {
        // A probe is not a customer request: keep it out of http.server.request.duration.
        if (context.Features.Get<IHttpMetricsTagsFeature>() is { } metrics)
        {
            metrics.MetricsDisabled = true;
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(status.ToString());
    }

    /// <summary>
    /// Once shutdown has started (SIGTERM, Ctrl+C, <c>StopApplication</c>), <c>/readyz</c> is 503 at once, without
    /// running a check: no database round trip while the instance drains, and an orderly stop logs no failed check
    /// (the health check service logs every Unhealthy check as an error, which operators alert on).
    /// </summary>
    private static Task WriteShuttingDownAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        // What the health check middleware sends when responses may not be cached.
        context.Response.Headers.CacheControl = "no-store, no-cache";
        context.Response.Headers.Pragma = "no-cache";
        context.Response.Headers.Expires = "Thu, 01 Jan 1970 00:00:00 GMT";
        return WriteStatusAsync(context, HealthStatus.Unhealthy);
    }

    private sealed class HealthEndpoints(IHostApplicationLifetime lifetime) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseHealthChecks(LivenessPath, OptionsFor(LiveTag));
            app.UseWhen(
                context => lifetime.ApplicationStopping.IsCancellationRequested && context.Request.Path.Equals(ReadinessPath, StringComparison.OrdinalIgnoreCase),
                stopping => stopping.Run(WriteShuttingDownAsync));
            app.UseHealthChecks(ReadinessPath, OptionsFor(ReadyTag));
            next(app);
        };
    }
}

/// <summary>
/// The database answers (<c>Database.CanConnectAsync</c>) and no migration is pending, on a fresh
/// context, within <see cref="ServiceHealth.DatabaseTimeout"/>. Concurrent probes share one check, and a finished
/// check answers probes for at most a second, so probes from many load balancers cost the database one query a
/// second, a hung database ties up at most one thread, and an outage or a recovery shows within about a second.
/// </summary>
internal sealed class DatabaseReadinessCheck(Func<CancellationToken, Task<DbContext>> openStore, TimeProvider time) : IHealthCheck
{
    private static readonly TimeSpan Reuse = TimeSpan.FromSeconds(1);

    private readonly Lock gate = new();
    private Task<HealthCheckResult>? current;
    private long startedAt;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Task<HealthCheckResult> check;
        lock (gate)
        {
            if (current is null || (current.IsCompleted && time.GetElapsedTime(startedAt) >= Reuse))
            {
                startedAt = time.GetTimestamp();
                // On the thread pool: a provider may block in its "async" calls (SQLite does), and the wait below must not.
                current = Task.Run(CheckDatabaseAsync, CancellationToken.None);
            }

            check = current;
        }

        try
        {
            return await check.WaitAsync(ServiceHealth.DatabaseTimeout, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"The database did not answer within {ServiceHealth.DatabaseTimeout.TotalSeconds} s.");
        }
    }

    private async Task<HealthCheckResult> CheckDatabaseAsync()
    {
        // Providers that honour cancellation give up at the timeout too; the others are abandoned by the wait above.
        using var deadline = new CancellationTokenSource(ServiceHealth.DatabaseTimeout, time);
        try
        {
            await using var context = await openStore(deadline.Token);
            if (!await context.Database.CanConnectAsync(deadline.Token))
            {
                return HealthCheckResult.Unhealthy("The database cannot be reached.");
            }

            var pending = (await context.Database.GetPendingMigrationsAsync(deadline.Token)).Count();
            return pending == 0
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"{pending} database migration(s) are pending.");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // For the operator's log (the health check service writes it); the probe's body is only "Unhealthy".
            return HealthCheckResult.Unhealthy("The database failed to answer.", e);
        }
    }
}

/// <summary>
/// Between "not ready" and closing the listener: runs when the host starts stopping, after <c>ApplicationStopping</c>
/// has fired (so <c>/readyz</c> is already 503) and before the server stops, and waits
/// <see cref="ShutdownOptions.ShutdownDrainSeconds"/> while requests are still served.
/// </summary>
internal sealed partial class ShutdownDrain(ShutdownOptions options, TimeProvider time, ILogger<ShutdownDrain> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        LogShutdownStarted(logger, options.ShutdownDrainSeconds, options.ShutdownTimeoutSeconds);
        if (options.ShutdownDrainSeconds > 0)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(options.ShutdownDrainSeconds), time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The host's own deadline: stop draining and close the listener.
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Shutting down: /readyz answers 503; the listener closes in {DrainSeconds} s, then requests in flight get {TimeoutSeconds} s to finish")]
    private static partial void LogShutdownStarted(ILogger logger, int drainSeconds, int timeoutSeconds);
}
