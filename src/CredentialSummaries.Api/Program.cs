using CredentialSummaries.Api.Graph;
using CredentialSummaries.Api.Identity;
using CredentialSummaries.Api.Operations;
using CredentialSummaries.Api.Persistence;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddSingleton(TimeProvider.System);
builder.AddGraphOData();
builder.AddGraphIdentity();
builder.AddSummariesStore();
builder.AddGraphThrottling();
builder.AddServiceTelemetry();

var app = builder.Build();

app.UseBatchRequestLogging();
app.UseGraphBatching();
app.UseRequestLogging();
app.UseGraphCompatibility();
// Explicit, so that routing runs after batching and each batched request is routed on its own.
app.UseRouting();
app.UseAuthentication();
app.UseGraphThrottling();
app.UseAuthorization();
app.MapControllers();

await app.MigrateSummariesStoreAsync();
await app.RunAsync();

/// <summary>The entry point, public so that WebApplicationFactory can host it in tests.</summary>
public partial class Program;
