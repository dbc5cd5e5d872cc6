using System.Security.Cryptography.X509Certificates;

namespace CredentialSummaries.GraphStandIn;

/// <summary>The app registration, tenants and knobs a <see cref="GraphStandInServer"/> starts with.</summary>
public sealed class GraphStandInOptions
{
    /// <summary>The client id the demo set uses (any GUID would do: it names no real app registration).</summary>
    public const string DefaultClientId = "5d0c7a1e-3c44-4b6f-9a57-2f1c8e0b7d31";

    /// <summary>The client secret the demo set uses.</summary>
    public const string DefaultClientSecret = "stand-in-secret";

    /// <summary>The only <c>client_id</c> the token endpoint knows (others get AADSTS700016).</summary>
    public string ClientId { get; set; } = DefaultClientId;

    /// <summary>The only <c>client_secret</c> it accepts (others get AADSTS7000215).</summary>
    public string ClientSecret { get; set; } = DefaultClientSecret;

    /// <summary>
    /// When set, a <c>client_assertion</c> signed by this certificate's key is accepted too (its <c>x5t</c> or
    /// <c>x5t#S256</c> header must name it, as MSAL's <c>WithCertificate</c> does). Only its public key is used.
    /// </summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>
    /// The partner's own tenant: its token lists <see cref="DelegatedAdminCustomers"/>. Added to the tenants (with a few
    /// users) when <see cref="Tenants"/> lacks it; <see cref="Guid.Empty"/> for no managing tenant.
    /// </summary>
    public Guid ManagingTenantId { get; set; }

    /// <summary>The tenants the token endpoint and Graph know; any other tenant id gets AADSTS90002.</summary>
    public IList<StandInTenant> Tenants { get; init; } = [];

    /// <summary>
    /// What <c>GET /tenantRelationships/delegatedAdminCustomers</c> lists for the managing tenant; null (the default)
    /// for every tenant of <see cref="Tenants"/> but the managing one. A customer absent from <see cref="Tenants"/> is
    /// one the token endpoint does not know.
    /// </summary>
    public IList<StandInDelegatedAdminCustomer>? DelegatedAdminCustomers { get; set; }

    /// <summary>How many customers a page of <c>delegatedAdminCustomers</c> holds before its <c>@odata.nextLink</c>.</summary>
    public int CustomersPageSize { get; set; } = 100;

    /// <summary>The port on 127.0.0.1; null for a free one.</summary>
    public int? Port { get; set; }

    /// <summary>Where the certificate's PEM and the CA bundle are written; null for a temporary folder removed on dispose.</summary>
    public string? CertificateDirectory { get; set; }

    /// <summary>The CA bundle's path; null for <c>ca-bundle.pem</c> in <see cref="CertificateDirectory"/>.</summary>
    public string? CaBundlePath { get; set; }

    /// <summary>The initial <see cref="GraphStandInServer.ReportPageDelay"/>.</summary>
    public TimeSpan ReportPageDelay { get; set; }
}
