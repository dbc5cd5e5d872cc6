using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CredentialSummaries.GraphStandIn;

/// <summary>
/// A local stand-in for Entra ID and Microsoft Graph, on HTTPS at 127.0.0.1: the v2.0 token endpoint
/// (<c>POST /{tenant}/oauth2/v2.0/token</c>, client credentials), the metadata MSAL may ask for, and the Graph v1.0
/// URLs the collector reads (<c>reports/authenticationMethods/userRegistrationDetails</c>,
/// <c>policies/identitySecurityDefaultsEnforcementPolicy</c>, <c>identity/conditionalAccess/policies</c>,
/// <c>organization</c>, <c>tenantRelationships/delegatedAdminCustomers</c>) with Graph's documented shapes. Its Graph
/// URLs want a bearer token it issued, and answer for the tenant that token was issued for.
/// </summary>
public sealed class GraphStandInServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly Dictionary<Guid, StandInTenant> tenants;
    private readonly ConcurrentDictionary<string, Guid> issuedTokens = new(StringComparer.Ordinal);
    private readonly string? ownedDirectory;

    private GraphStandInServer(
        GraphStandInOptions options, Dictionary<Guid, StandInTenant> tenants, X509Certificate2 certificate, string caBundlePath, string? ownedDirectory)
    {
        Options = options;
        this.tenants = tenants;
        Certificate = certificate;
        CaBundlePath = caBundlePath;
        this.ownedDirectory = ownedDirectory;
        ReportPageDelay = options.ReportPageDelay;

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(GraphStandInServer).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().UseKestrelHttpsConfiguration().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, options.Port ?? 0, listen => listen.UseHttps(certificate));
        });
        // The stand-in runs inside test hosts: Ctrl+C and SIGTERM are theirs (Program.cs handles them in demo mode).
        builder.Services.AddSingleton<IHostLifetime, NoLifetime>();
        app = builder.Build();
        app.Run(HandleAsync);
    }

    /// <summary><c>https://127.0.0.1:PORT</c>. An MSAL authority is <see cref="AuthorityFor"/>.</summary>
    public Uri Authority { get; private set; } = null!;

    /// <summary><c>https://127.0.0.1:PORT/v1.0</c>: the base URL to give a <c>GraphServiceClient</c>.</summary>
    public Uri GraphBaseUrl { get; private set; } = null!;

    /// <summary>The scope of an app-only token for the stand-in's Graph: <c>https://127.0.0.1:PORT/.default</c>.</summary>
    public string GraphScope => $"{Authority.GetLeftPart(UriPartial.Authority)}/.default";

    public int Port => Authority.Port;

    /// <summary>
    /// The environment of a <c>collect</c> process that signs in to this stand-in as an operator would configure it
    /// for Entra ID and Graph: Production, <c>SSL_CERT_FILE</c> trusting the stand-in, the <c>Collection__*</c> keys of
    /// a collector owned by <paramref name="owner"/> for <paramref name="tenants"/>. The database keys are the caller's.
    /// </summary>
    public Dictionary<string, string?> CollectorEnvironment(Guid owner, IEnumerable<Guid> tenants)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["SSL_CERT_FILE"] = CaBundlePath,
            ["Collection__Authority"] = Authority.GetLeftPart(UriPartial.Authority),
            ["Collection__ValidateAuthority"] = "false",
            ["Collection__GraphBaseUrl"] = GraphBaseUrl.ToString().TrimEnd('/'),
            ["Collection__ClientId"] = Options.ClientId,
            ["Collection__ClientSecret"] = Options.ClientSecret,
            ["Collection__OwnerTenantId"] = owner.ToString(),
        };
        var i = 0;
        foreach (var tenant in tenants)
        {
            environment[$"Collection__Tenants__{i++.ToString(CultureInfo.InvariantCulture)}__TenantId"] = tenant.ToString();
        }

        return environment;
    }

    /// <summary>The system's CA bundle plus <see cref="Certificate"/>: what <c>SSL_CERT_FILE</c> of a child process names.</summary>
    public string CaBundlePath { get; }

    /// <summary>The TLS certificate, made at start.</summary>
    public X509Certificate2 Certificate { get; }

    public StandInCounters Counters { get; } = new();

    public GraphStandInOptions Options { get; }

    /// <summary>How long each request for a page of the registration report waits before it is answered (settable at any time).</summary>
    public TimeSpan ReportPageDelay { get; set; }

    /// <summary>The tenants the stand-in knows, the managing one included.</summary>
    public IReadOnlyCollection<StandInTenant> Tenants => tenants.Values;

    /// <summary>Starts the server; it listens when this returns.</summary>
    public static async Task<GraphStandInServer> StartAsync(GraphStandInOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var known = new Dictionary<Guid, StandInTenant>();
        foreach (var tenant in options.Tenants)
        {
            if (!known.TryAdd(tenant.TenantId, tenant))
            {
                throw new ArgumentException($"Tenant {tenant.TenantId} is listed twice.", nameof(options));
            }
        }

        if (options.ManagingTenantId != Guid.Empty && !known.ContainsKey(options.ManagingTenantId))
        {
            known[options.ManagingTenantId] = new StandInTenant(options.ManagingTenantId, "Stand-in Partner", userCount: 25, seed: 1);
        }

        var ownedDirectory = options.CertificateDirectory is null
            ? Directory.CreateTempSubdirectory("graph-stand-in-").FullName
            : null;
        var directory = options.CertificateDirectory ?? ownedDirectory!;
        Directory.CreateDirectory(directory);
        var certificate = SelfSignedCertificate.Create();
        File.WriteAllText(Path.Combine(directory, "stand-in.pem"), certificate.ExportCertificatePem() + "\n");
        var bundle = Path.GetFullPath(options.CaBundlePath ?? Path.Combine(directory, "ca-bundle.pem"));
        SelfSignedCertificate.WriteCaBundle(certificate, bundle);

        var server = new GraphStandInServer(options, known, certificate, bundle, ownedDirectory);
        try
        {
            await server.app.StartAsync(cancellationToken);
            var address = server.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            var port = new Uri(address).Port;
            server.Authority = new Uri(FormattableString.Invariant($"https://127.0.0.1:{port}"));
            server.GraphBaseUrl = new Uri(FormattableString.Invariant($"https://127.0.0.1:{port}/v1.0"));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The MSAL authority of a tenant: <c>https://127.0.0.1:PORT/{tenantId}</c>.</summary>
    public string AuthorityFor(Guid tenantId) => $"{Authority.GetLeftPart(UriPartial.Authority)}/{tenantId}";

    /// <summary>The tenant of that id; throws when the stand-in does not know it.</summary>
    public StandInTenant Tenant(Guid tenantId) => tenants[tenantId];

    /// <summary>A handler that trusts the stand-in's certificate (and nothing else): for MSAL's or Graph's HttpClient.</summary>
    public HttpMessageHandler CreateTrustingHandler() => new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, errors) => SelfSignedCertificate.ChainsTo(Certificate, presented, errors) },
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    };

    /// <summary>An HttpClient that trusts the stand-in's certificate (and nothing else).</summary>
    public HttpClient CreateTrustingClient() => new(CreateTrustingHandler()) { BaseAddress = Authority };

    /// <summary>Forgets every issued token: later Graph requests with them answer 401, as with an expired token.</summary>
    public void RevokeTokens() => issuedTokens.Clear();

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(TimeSpan.FromSeconds(5));
        await app.DisposeAsync();
        Certificate.Dispose();
        if (ownedDirectory is not null)
        {
            try
            {
                Directory.Delete(ownedDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A child process may still hold the bundle open; the folder is under the temp directory.
            }
        }
    }

    internal bool TryGetTenant(Guid tenantId, out StandInTenant tenant) => tenants.TryGetValue(tenantId, out tenant!);

    internal string IssueToken(Guid tenantId)
    {
        var token = "standin." + Base64Url(RandomNumberGenerator.GetBytes(32));
        issuedTokens[token] = tenantId;
        return token;
    }

    internal StandInTenant? TenantForToken(string token) =>
        issuedTokens.TryGetValue(token, out var tenantId) && tenants.TryGetValue(tenantId, out var tenant) ? tenant : null;

    internal IReadOnlyList<StandInDelegatedAdminCustomer> DelegatedAdminCustomers() =>
        Options.DelegatedAdminCustomers is { } customers
            ? [.. customers]
            : [.. Options.Tenants.Where(t => t.TenantId != Options.ManagingTenantId).Select(t => new StandInDelegatedAdminCustomer(t.TenantId, t.DisplayName))];

    internal static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

    private Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        Counters.Request(context.Request.Method, path);
        var segments = path.Trim('/').Split('/');

        if (segments[0].Equals("v1.0", StringComparison.OrdinalIgnoreCase))
        {
            return GraphEndpoints.HandleAsync(this, context, string.Join('/', segments.Skip(1)));
        }

        if (segments is [var tenant, "oauth2", "v2.0", "token"])
        {
            return TokenEndpoint.TokenAsync(this, context, tenant);
        }

        if (segments is ["common", "discovery", "instance"])
        {
            return TokenEndpoint.InstanceDiscoveryAsync(context);
        }

        // v2.0's /{tenant}/v2.0/.well-known/openid-configuration and v1's /{tenant}/.well-known/openid-configuration.
        if (segments is [_, "v2.0", ".well-known", "openid-configuration"] or [_, ".well-known", "openid-configuration"])
        {
            return TokenEndpoint.OpenIdConfigurationAsync(context, segments[0]);
        }

        return GraphEndpoints.ErrorAsync(context, StatusCodes.Status404NotFound, "Request_ResourceNotFound", $"Resource not found for the segment '{segments[0]}'.");
    }

    private sealed class NoLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
