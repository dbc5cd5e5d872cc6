using CredentialSummaries.Bench.Baseline;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

// The equal-work baseline of the benchmark (bench/CONTRACT.md). Started like the service:
//   dotnet CredentialSummaries.Bench.Baseline.dll --urls http://127.0.0.1:<port>
// with Database__Provider, ConnectionStrings__Summaries and the Authentication__Schemes__Bearer__* settings. It reads
// the service's schema as the service's migrations made it and never migrates. appsettings.json is read from the
// program's folder, whatever the working directory.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var configuration = builder.Configuration;
var maxBodyBytes = configuration.GetValue("Api:MaxRequestBodyBytes", 1024L * 1024);

builder.Services.AddSingleton(_ => CreateStore(configuration));
builder.Services.AddSingleton(services => new RequestLog(services.GetRequiredService<ILoggerFactory>()));
builder.Services.AddSingleton(services => new SummaryApi(services.GetRequiredService<ISummaryStore>()));
builder.Services.AddSingleton(services => new GraphBatch(
    services.GetRequiredService<SummaryApi>(),
    services.GetRequiredService<IAuthorizationService>(),
    services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>(),
    services.GetRequiredService<RequestLog>(),
    maxBodyBytes));
builder.Services.AddAccess(configuration);

var app = builder.Build();
var requestLog = app.Services.GetRequiredService<RequestLog>();
app.Use(next => new GraphRequestMiddleware(next, requestLog).InvokeAsync);
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
Endpoints.Map(app, app.Services.GetRequiredService<SummaryApi>(), app.Services.GetRequiredService<GraphBatch>(),
    app.Services.GetRequiredService<ISummaryStore>(), maxBodyBytes);
await app.RunAsync();

static ISummaryStore CreateStore(IConfiguration configuration)
{
    var provider = configuration["Database:Provider"]?.Trim();
    var connectionString = configuration.GetConnectionString("Summaries");
    if (string.Equals(provider, "PostgreSql", StringComparison.OrdinalIgnoreCase))
    {
        return new PostgreSqlStore(connectionString ?? throw new InvalidOperationException("ConnectionStrings:Summaries is required for PostgreSql."));
    }

    if (!string.IsNullOrEmpty(provider) && !string.Equals(provider, "Sqlite", StringComparison.OrdinalIgnoreCase))
    {
        throw new InvalidOperationException($"Database:Provider '{provider}' is neither Sqlite nor PostgreSql.");
    }

    return new SqliteStore(connectionString ?? "Data Source=credentialsummaries.db",
        configuration["Sqlite:Synchronous"] ?? "Normal",
        configuration.GetValue("Sqlite:BusyTimeoutMilliseconds", 30_000));
}
