using Microsoft.Extensions.Logging.Console;

namespace CredentialSummaries.Api.Collection;

public static class CollectionExtensions
{
    /// <summary>
    /// The built-in collector: its settings, Graph clients, the round, and the schedule (idle unless enabled).
    /// <paramref name="logToStandardError"/>: the <c>collect</c> command, whose stdout is its one line per tenant.
    /// </summary>
    public static IHostApplicationBuilder AddCollector(this IHostApplicationBuilder builder, bool logToStandardError = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (logToStandardError)
        {
            builder.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        }

        builder.Services.Configure<CollectionOptions>(builder.Configuration.GetSection(CollectionOptions.Section));
        builder.Services.AddSingleton<TenantGraphClients>();
        builder.Services.AddSingleton<TenantSource>();
        builder.Services.AddSingleton<TenantReportReader>();
        builder.Services.AddSingleton<CollectionRound>();
        builder.Services.AddHostedService<CollectionSchedule>();
        return builder;
    }
}
