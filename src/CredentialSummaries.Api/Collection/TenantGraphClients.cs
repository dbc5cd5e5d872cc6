using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Identity.Client;
using Microsoft.Kiota.Abstractions.Authentication;

namespace CredentialSummaries.Api.Collection;

/// <summary>
/// A Graph client per managed tenant, signed in app-only: MSAL's confidential client with the app registration's
/// secret or certificate, authority <c>{Collection:Authority}/{tenantId}</c>, scope <c>{Graph host}/.default</c>. MSAL
/// keeps each tenant's token until it is near expiry. The clients share one HttpClient with Graph's own handlers
/// (retry honouring <c>Retry-After</c> on 429 and 503, redirects, compression).
/// </summary>
public sealed class TenantGraphClients : IDisposable
{
    private readonly CollectionOptions options;
    private readonly HttpClient http;
    private readonly string scope;
    private readonly string graphHost;
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2? certificate;
    private readonly ConcurrentDictionary<string, IConfidentialClientApplication> applications = new(StringComparer.Ordinal);

    public TenantGraphClients(IOptions<CollectionOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options.Value;
        var graph = new Uri(this.options.GraphBaseUrl);
        graphHost = graph.Host;
        scope = $"{graph.GetLeftPart(UriPartial.Authority)}/.default";
        certificate = this.options.LoadCertificate();
        http = GraphClientFactory.Create();
    }

    /// <summary>A Graph client acting in <paramref name="tenantId"/>.</summary>
    public GraphServiceClient For(string tenantId) =>
        new(http, new BaseBearerTokenAuthenticationProvider(new TenantTokenProvider(this, tenantId, graphHost)), options.GraphBaseUrl);

    /// <summary>An app-only access token for Graph in <paramref name="tenantId"/>.</summary>
    public async Task<string> AcquireTokenAsync(string tenantId, CancellationToken cancellationToken)
    {
        var application = applications.GetOrAdd(tenantId, Build);
        var result = await application.AcquireTokenForClient([scope]).ExecuteAsync(cancellationToken);
        return result.AccessToken;
    }

    private IConfidentialClientApplication Build(string tenantId)
    {
        var builder = ConfidentialClientApplicationBuilder.Create(options.ClientId)
            .WithAuthority($"{options.Authority.TrimEnd('/')}/{tenantId}", options.ValidateAuthority)
            .WithInstanceDiscovery(options.ValidateAuthority);
        return (certificate is not null ? builder.WithCertificate(certificate) : builder.WithClientSecret(options.ClientSecret)).Build();
    }

    public void Dispose()
    {
        http.Dispose();
        certificate?.Dispose();
    }

    /// <summary>Kiota's token provider for one tenant: the token goes to the Graph host only.</summary>
    private sealed class TenantTokenProvider(TenantGraphClients clients, string tenantId, string graphHost) : IAccessTokenProvider
    {
        public AllowedHostsValidator AllowedHostsValidator { get; } = new([graphHost]);

        public Task<string> GetAuthorizationTokenAsync(
            Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default) =>
            AllowedHostsValidator.IsUrlHostValid(uri) ? clients.AcquireTokenAsync(tenantId, cancellationToken) : Task.FromResult(string.Empty);
    }
}
