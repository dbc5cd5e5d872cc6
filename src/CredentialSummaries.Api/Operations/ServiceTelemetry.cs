using System.Reflection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CredentialSummaries.Api.Operations;

/// <summary>
/// What the service tells its operators: one log line per request (<see cref="RequestLogging"/>) and, only when an
/// OTLP endpoint is configured, OpenTelemetry traces and metrics exported over OTLP.
/// </summary>
public static class ServiceTelemetry
{
    public const string DefaultServiceName = "CredentialSummaries";

    /// <summary>The standard OpenTelemetry settings, read as environment variables or configuration keys.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ServiceNameKey = "OTEL_SERVICE_NAME";

    /// <summary>
    /// ASP.NET Core's own request lines ("Request starting … / Request finished …") carry the full URL, query string
    /// included; the request log replaces them, so their category is held at Warning whatever <c>Logging:LogLevel</c>
    /// says about <c>Default</c> or <c>Microsoft.AspNetCore</c>.
    /// </summary>
    public const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>
    /// The request log, and OpenTelemetry tracing and metrics (ASP.NET Core, HttpClient and EF Core instrumentation)
    /// exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Without it nothing of OpenTelemetry is
    /// registered: no listener, no sampler, no exporter, so the service pays nothing for it.
    /// </summary>
    public static IHostApplicationBuilder AddServiceTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddFilter(HostingDiagnosticsCategory, LogLevel.Warning);

        if (string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointKey]))
        {
            return builder;
        }

        var serviceName = builder.Configuration[ServiceNameKey] is { Length: > 0 } configured ? configured : DefaultServiceName;
        // Endpoint, protocol (OTEL_EXPORTER_OTLP_PROTOCOL), headers, batch delay (OTEL_BSP_SCHEDULE_DELAY) and metric
        // interval (OTEL_METRIC_EXPORT_INTERVAL) are read by the SDK itself from the same configuration.
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceVersion: ServiceVersion()))
            .WithTracing(tracing => tracing
                // Exceptions are not recorded on spans: their messages may quote what the client sent.
                // Probes (/healthz, /readyz) are not customer requests: no spans for them.
                .AddAspNetCoreInstrumentation(options =>
                {
                    options.RecordException = false;
                    options.Filter = context => !ServiceHealth.IsProbe(context.Request);
                })
                .AddHttpClientInstrumentation(options => options.RecordException = false)
                // The SQL text is sanitised by the instrumentation (literals become '?').
                .AddEntityFrameworkCoreInstrumentation()
                // Before the exporter, so that it sees every span after redaction.
                .AddProcessor<TelemetryRedactionProcessor>()
                .AddOtlpExporter())
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddOtlpExporter());
        return builder;
    }

    private static string? ServiceVersion() =>
        typeof(ServiceTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
}
