using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>
/// The real API, hosted in memory, on its own SQLite file, trusting <see cref="TokenMinter"/>'s key as if it were
/// Entra ID's. Tests share one host per class and keep out of each other's way by acting as their own tenant.
/// </summary>
public class SummariesApiFactory : WebApplicationFactory<Program>
{
    private readonly string directory;
    private readonly bool ownsDatabase;

    /// <summary>A host on a database file of its own, deleted when the factory is disposed.</summary>
    public SummariesApiFactory()
        : this(NewDatabasePath(), ownsDatabase: true)
    {
    }

    /// <summary>
    /// A host on <paramref name="databasePath"/>, which outlives it: disposing the factory keeps the file, so that a
    /// later host can open the same database. The caller deletes it.
    /// </summary>
    protected SummariesApiFactory(string databasePath)
        : this(databasePath, ownsDatabase: false)
    {
    }

    private SummariesApiFactory(string databasePath, bool ownsDatabase)
    {
        DatabasePath = Path.GetFullPath(databasePath);
        directory = Path.GetDirectoryName(DatabasePath)!;
        this.ownsDatabase = ownsDatabase;
    }

    public string DatabasePath { get; }

    /// <summary>A path for a database file in a fresh temporary folder of its own.</summary>
    public static string NewDatabasePath() =>
        Path.Combine(Path.GetTempPath(), "credentialsummaries-tests", Guid.NewGuid().ToString("N"), "summaries.db");

    protected virtual string EnvironmentName => "Testing";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        builder.UseSetting("ConnectionStrings:Summaries", $"Data Source={DatabasePath}");
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
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (!ownsDatabase)
            {
                return;
            }

            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held by a pooled connection: the OS temp cleaner takes it.
            }
        }
    }
}
