using CredentialSummaries.Api.Collection;
using CredentialSummaries.Api.Controllers;
using CredentialSummaries.Api.Dashboard;
using CredentialSummaries.Api.Graph;
using CredentialSummaries.Api.Hosting;
using CredentialSummaries.Api.Identity;
using CredentialSummaries.Api.OpenApi;
using CredentialSummaries.Api.Operations;
using CredentialSummaries.Api.Persistence;

try
{
    // `collect`: one round of the built-in collector, then exit (Collection/CollectCommand.cs); the rest are host arguments.
    var collecting = CollectCommand.Requested(args);
    var builder = WebApplication.CreateBuilder(collecting ? args[1..] : args);
    StartupConfiguration.Validate(builder.Configuration, builder.Environment, collecting);

    builder.Services.AddSingleton(TimeProvider.System);
    builder.AddGraphOData();
    builder.AddGraphIdentity();
    builder.AddSummariesStore();
    builder.AddGraphThrottling();
    builder.AddServiceTelemetry();
    // /healthz and /readyz, first in the pipeline (a startup filter), and graceful shutdown (Hosting:* settings).
    builder.AddServiceHealth();
    // The built-in collector: a round every Collection:Interval when Collection:Enabled=true.
    builder.AddCollector(logToStandardError: collecting);
    builder.Services.AddDashboard(builder.Configuration);

    var app = builder.Build();

    app.UseBatchRequestLogging();
    app.UseGraphBatching();
    app.UseRequestLogging();
    app.UseGraphCompatibility();
    // {root}/openapi.json: after the request ids, before routing, authentication and throttling (it is public).
    app.UseOpenApiDocument();
    // Explicit, so that routing runs after batching and each batched request is routed on its own.
    app.UseRouting();
    app.UseAuthentication();
    app.UseGraphThrottling();
    app.UseAuthorization();
    app.MapControllers();
    app.MapSnapshotWriteRefusal();
    // /docs: the interactive API reference (Scalar), anonymous and not throttled, reading /v1.0/openapi.json.
    app.MapApiReferencePage();
    // /dashboard: the coverage dashboard, a page of static assets reading the OData API above with the user's token.
    app.MapDashboard();

    await app.MigrateSummariesStoreAsync();
    if (collecting)
    {
        return await CollectCommand.RunAsync(app.Services, Console.Out);
    }

    await app.RunAsync();
    return 0;
}
catch (StartupConfigurationException error)
{
    // A configuration mistake is the operator's to fix: say which key and how, without a stack trace.
    await Console.Error.WriteLineAsync(error.Message);
    return 1;
}

/// <summary>The entry point, public so that WebApplicationFactory can host it in tests.</summary>
public partial class Program;
