using System.Globalization;
using System.Threading.RateLimiting;
using CredentialSummaries.Api.Identity;
using Microsoft.AspNetCore.RateLimiting;

namespace CredentialSummaries.Api.Graph;

public sealed class ThrottlingOptions
{
    public const string Section = "Throttling";

    public bool Enabled { get; set; } = true;

    /// <summary>Requests each managing tenant may make per second, sustained.</summary>
    public int RequestsPerSecond { get; set; } = 100;

    /// <summary>Requests a tenant may make at once after a quiet spell.</summary>
    public int Burst { get; set; } = 200;

    /// <summary>
    /// How many instances serve the deployment behind one load balancer. Each keeps its own buckets (no shared state,
    /// no extra round trip per request) holding its share of the deployment's budget, so that the figures above hold
    /// for the deployment as a whole when the balancer spreads a tenant's requests evenly.
    /// </summary>
    public int Instances { get; set; } = 1;

    /// <summary>This instance's share of <paramref name="deploymentBudget"/>: rounded up, never below one.</summary>
    public int ShareOf(int deploymentBudget) => Math.Max(1, (int)Math.Ceiling(deploymentBudget / (double)Math.Max(1, Instances)));
}

/// <summary>
/// Graph-style throttling: a token bucket per managing tenant (per client address for anonymous calls), answered
/// with 429, <c>Retry-After</c> and a Graph error. It runs after authentication and inside batches, so every
/// batched request is counted and refused on its own.
/// </summary>
public static class GraphThrottling
{
    public static IHostApplicationBuilder AddGraphThrottling(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(ThrottlingOptions.Section).Get<ThrottlingOptions>() ?? new ThrottlingOptions();
        if (!options.Enabled)
        {
            return builder;
        }

        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                RateLimitPartition.GetTokenBucketLimiter(PartitionOf(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.ShareOf(options.Burst),
                    TokensPerPeriod = options.ShareOf(options.RequestsPerSecond),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.OnRejected = (context, _) => RejectAsync(context);
        });
        return builder;
    }

    public static WebApplication UseGraphThrottling(this WebApplication app)
    {
        if (app.Services.GetService<Microsoft.Extensions.Options.IOptions<RateLimiterOptions>>()?.Value.GlobalLimiter is not null)
        {
            app.UseRateLimiter();
        }

        return app;
    }

    private static string PartitionOf(HttpContext context) =>
        HttpContextOwnerTenantAccessor.FromPrincipal(context.User) is { } tenant
            ? "tenant:" + tenant
            : "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    private static ValueTask RejectAsync(OnRejectedContext context)
    {
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        var response = context.HttpContext.Response;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return new ValueTask(new GraphError(StatusCodes.Status429TooManyRequests, "TooManyRequests",
            $"Too many requests from this tenant; retry after {seconds} second(s).").WriteAsync(context.HttpContext));
    }
}
