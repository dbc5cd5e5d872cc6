using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using CredentialSummaries.Api.Hosting;

namespace CredentialSummaries.Api.Collection;

/// <summary>
/// <c>Collection:*</c>: the built-in collector, which signs in to each managed tenant with one app registration and
/// fills the owner's summaries from Microsoft Graph. Off unless <c>Collection:Enabled=true</c> (the schedule) or the
/// <c>collect</c> command runs a round.
/// </summary>
public sealed class CollectionOptions
{
    public const string Section = "Collection";

    /// <summary>Runs a round at start-up and every <see cref="Interval"/>.</summary>
    public bool Enabled { get; set; }

    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>The managing (partner) tenant that owns the collected summaries and whose GDAP customers may be discovered.</summary>
    public string? OwnerTenantId { get; set; }

    /// <summary>The app registration's application (client) id, consented in every managed tenant.</summary>
    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>A certificate with its private key (PFX, or PEM with the key), instead of a secret.</summary>
    public string? ClientCertificatePath { get; set; }

    public string? ClientCertificatePassword { get; set; }

    /// <summary>Entra ID's authority host; a tenant's authority is <c>{Authority}/{tenantId}</c>.</summary>
    public string Authority { get; set; } = "https://login.microsoftonline.com";

    /// <summary>
    /// MSAL's authority validation and instance discovery, against Microsoft's list of clouds. Off for an authority
    /// that list does not hold (Azure Stack Hub, a private cloud, a test's own identity server).
    /// </summary>
    public bool ValidateAuthority { get; set; } = true;

    public string GraphBaseUrl { get; set; } = "https://graph.microsoft.com/v1.0";

    /// <summary>The managed tenants listed in configuration.</summary>
    public List<CollectionTenant> Tenants { get; set; } = [];

    /// <summary>Also collects every GDAP customer of <see cref="OwnerTenantId"/> (<c>delegatedAdminCustomers</c>).</summary>
    public bool DiscoverTenants { get; set; }

    /// <summary>How long an instance holds a tenant it collects; after it, another instance takes the tenant over.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long one tenant may take before it is skipped with <c>Timeout</c>.</summary>
    public TimeSpan TenantTimeout { get; set; } = TimeSpan.FromMinutes(10);

    public int MaxParallelTenants { get; set; } = 4;

    /// <summary>The configured credential: the certificate when a path is given, else the secret.</summary>
    public X509Certificate2? LoadCertificate() => string.IsNullOrWhiteSpace(ClientCertificatePath) ? null
        : Path.GetExtension(ClientCertificatePath).Equals(".pem", StringComparison.OrdinalIgnoreCase)
            ? X509Certificate2.CreateFromPemFile(ClientCertificatePath)
            : X509CertificateLoader.LoadPkcs12FromFile(ClientCertificatePath, ClientCertificatePassword);

    /// <summary>
    /// The collector's settings, judged with the rest at start-up: always for their form, and for what a round needs when
    /// <paramref name="collecting"/> (the <c>collect</c> command) or <c>Collection:Enabled</c> is true. Values are never
    /// quoted back, so a secret in the wrong key stays out of the message.
    /// </summary>
    public static void Check(IConfiguration configuration, bool collecting, List<ConfigurationProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var section = configuration.GetSection(Section);
        CollectionOptions options;
        try
        {
            options = section.Get<CollectionOptions>() ?? new CollectionOptions();
        }
        catch (InvalidOperationException)
        {
            problems.Add(new($"{Section}:*", "holds a value of the wrong kind (a flag that is not true or false, a duration or number that does not parse).",
                "Collection__Interval=06:00:00"));
            return;
        }

        Duration(options.Interval, "Interval", TimeSpan.FromSeconds(1), "how often a round runs", "06:00:00", problems);
        Duration(options.LeaseDuration, "LeaseDuration", TimeSpan.FromSeconds(1), "how long an instance holds a tenant", "00:30:00", problems);
        Duration(options.TenantTimeout, "TenantTimeout", TimeSpan.FromSeconds(1), "how long one tenant may take", "00:10:00", problems);
        if (options.TenantTimeout >= options.LeaseDuration)
        {
            problems.Add(new($"{Section}:LeaseDuration", "must be longer than Collection:TenantTimeout, or a slow tenant outlives its lease and a second instance collects it too.", "00:30:00"));
        }

        if (options.MaxParallelTenants is < 1 or > 64)
        {
            problems.Add(new($"{Section}:MaxParallelTenants", "must be a whole number from 1 to 64 (tenants collected at once by one instance).", "4"));
        }

        HttpsUrl(options.Authority, "Authority", "https://login.microsoftonline.com", problems);
        HttpsUrl(options.GraphBaseUrl, "GraphBaseUrl", "https://graph.microsoft.com/v1.0", problems);
        for (var i = 0; i < options.Tenants.Count; i++)
        {
            if (!Guid.TryParse(options.Tenants[i].TenantId, out _))
            {
                problems.Add(new($"{Section}:Tenants:{i}:TenantId", "is not a GUID (the managed tenant's Entra tenant id).", "2c4d6e8f-0000-4000-8000-0000000000a1"));
            }
        }

        if (!collecting && !options.Enabled)
        {
            return;
        }

        var why = collecting ? "the collect command" : "Collection:Enabled=true";
        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            problems.Add(new($"{Section}:ClientId", $"is missing: {why} signs in to each managed tenant as this app registration (its application id).",
                "11111111-2222-4333-8444-555555555555"));
        }

        if (!Guid.TryParse(options.OwnerTenantId, out _))
        {
            problems.Add(new($"{Section}:OwnerTenantId", $"is {(string.IsNullOrWhiteSpace(options.OwnerTenantId) ? "missing" : "not a GUID")}: {why} needs the managing tenant that owns the collected summaries.",
                "4f6a8b2c-0000-4000-8000-000000000001"));
        }

        if (string.IsNullOrWhiteSpace(options.ClientSecret) && string.IsNullOrWhiteSpace(options.ClientCertificatePath))
        {
            problems.Add(new($"{Section}:ClientSecret", $"is missing, and so is Collection:ClientCertificatePath: {why} needs the app registration's credential (from the environment or a secret store, never a committed file).",
                "<secret>"));
        }
        else if (!string.IsNullOrWhiteSpace(options.ClientCertificatePath))
        {
            try
            {
                using var certificate = options.LoadCertificate();
                if (certificate is null || !certificate.HasPrivateKey)
                {
                    problems.Add(new($"{Section}:ClientCertificatePath", "names a certificate without its private key.", "/etc/credentialsummaries/collector.pfx"));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                problems.Add(new($"{Section}:ClientCertificatePath", "cannot be read as a certificate with its private key (a PFX, or a PEM holding both).",
                    "/etc/credentialsummaries/collector.pfx"));
            }
        }

        if (options.Tenants.Count == 0 && !options.DiscoverTenants)
        {
            problems.Add(new($"{Section}:Tenants", $"is empty and Collection:DiscoverTenants is false: {why} has no tenant to collect.",
                "Collection__Tenants__0__TenantId=2c4d6e8f-0000-4000-8000-0000000000a1"));
        }
    }

    private static void Duration(TimeSpan value, string key, TimeSpan minimum, string meaning, string example, List<ConfigurationProblem> problems)
    {
        if (value < minimum || value > TimeSpan.FromDays(30))
        {
            problems.Add(new($"{Section}:{key}",
                $"must be a duration (days.hh:mm:ss) from {minimum.ToString("c", CultureInfo.InvariantCulture)} to 30.00:00:00 ({meaning}).", example));
        }
    }

    private static void HttpsUrl(string? value, string key, string example, List<ConfigurationProblem> problems)
    {
        if (!(Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps))
        {
            problems.Add(new($"{Section}:{key}", "is not an absolute https URL (MSAL and Graph are reached over TLS only).", example));
        }
    }
}

/// <summary>A managed tenant listed in <c>Collection:Tenants</c>.</summary>
public sealed class CollectionTenant
{
    public string TenantId { get; set; } = string.Empty;

    /// <summary>Optional; otherwise the GDAP relationship's or the tenant's own organization name is used.</summary>
    public string? DisplayName { get; set; }
}
