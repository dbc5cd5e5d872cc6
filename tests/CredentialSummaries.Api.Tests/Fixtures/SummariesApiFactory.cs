using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>
/// The real API, hosted in memory, on a database of its own on the assembly's store (<see cref="TestStore"/>: a
/// SQLite file, or a fresh PostgreSQL database), trusting <see cref="TokenMinter"/>'s key as if it were Entra ID's.
/// Tests share one host per class and keep out of each other's way by acting as their own tenant.
/// </summary>
public class SummariesApiFactory : WebApplicationFactory<Program>
{
    private readonly bool ownsDatabase;

    /// <summary>A host on a database of its own, deleted (or dropped) when the factory is disposed.</summary>
    public SummariesApiFactory()
        : this(TestDatabase.Create(), ownsDatabase: true)
    {
    }

    /// <summary>
    /// A host on <paramref name="database"/>, which outlives it: disposing the factory keeps the database, so that a
    /// later host can open it. The caller disposes it.
    /// </summary>
    protected SummariesApiFactory(TestDatabase database)
        : this(database, ownsDatabase: false)
    {
    }

    private SummariesApiFactory(TestDatabase database, bool ownsDatabase)
    {
        Database = database;
        this.ownsDatabase = ownsDatabase;
    }

    /// <summary>The host's database, to read or arrange rows directly (<see cref="TestDatabase.QueryAsync"/>).</summary>
    public TestDatabase Database { get; }

    /// <summary>The SQLite file, for the tests of SQLite itself; there is none on PostgreSQL.</summary>
    public string DatabasePath => Database.FilePath
        ?? throw new InvalidOperationException($"The host runs on {TestStore.Name}, which has no database file.");

    /// <summary>A path for a database file in a fresh temporary folder of its own.</summary>
    public static string NewDatabasePath() =>
        Path.Combine(Path.GetTempPath(), "credentialsummaries-tests", Guid.NewGuid().ToString("N"), "summaries.db");

    protected virtual string EnvironmentName => "Testing";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        foreach (var (key, value) in Database.Settings)
        {
            builder.UseSetting(key, value);
        }

        foreach (var (key, value) in Settings())
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services => services.PostConfigure<JwtBearerOptions>("AzureAd", TrustTestSigningKey));
    }

    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        new("AzureAd:Instance", "https://login.microsoftonline.com/"),
        new("AzureAd:TenantId", "organizations"),
        new("AzureAd:ClientId", TokenMinter.ClientId),
        // Tests fire hundreds of requests per tenant in a second; ThrottlingTests set real limits.
        new("Throttling:RequestsPerSecond", "1000000"),
        new("Throttling:Burst", "1000000"),
    ];

    /// <summary>Entra ID's keys and issuer, replaced by the test key; audience and lifetime stay validated.</summary>
    private static void TrustTestSigningKey(JwtBearerOptions options)
    {
        var configuration = new OpenIdConnectConfiguration { Issuer = TokenMinter.IssuerFor("{tenantid}") };
        configuration.SigningKeys.Add(TokenMinter.SigningKey);
        options.Configuration = configuration;
        options.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration);
        options.TokenValidationParameters.IssuerSigningKeyValidatorUsingConfiguration = null;
        // The multi-tenant rule Identity.Web's AadIssuerValidator applies: the issuer is Entra's template with the
        // token's tenant, taken from 'tid', else 'tenantId', else the tenant segment of 'iss' itself.
        options.TokenValidationParameters.IssuerValidator = (issuer, token, _) =>
        {
            var tenant = TenantOf(token);
            return !string.IsNullOrEmpty(tenant) && issuer == TokenMinter.IssuerFor(tenant)
                ? issuer
                : throw new SecurityTokenInvalidIssuerException("The issuer does not match the token's tenant.");
        };
    }

    private static string? TenantOf(SecurityToken token)
    {
        if (token is not Microsoft.IdentityModel.JsonWebTokens.JsonWebToken jwt)
        {
            return null;
        }

        if (jwt.TryGetPayloadValue("tid", out string tid) || jwt.TryGetPayloadValue("tenantId", out tid))
        {
            return tid;
        }

        return Uri.TryCreate(jwt.Issuer, UriKind.Absolute, out var iss) && iss.Segments.Length == 3 ? iss.Segments[1].TrimEnd('/') : null;
    }

    public HttpClient ClientFor(string? token)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }

        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing)
        {
            return;
        }

        if (ownsDatabase)
        {
            Database.Dispose();
        }
        else if (Database.Provider == StoreProvider.Sqlite)
        {
            // The next host on the same file must not meet this one's pooled connections.
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }
}
