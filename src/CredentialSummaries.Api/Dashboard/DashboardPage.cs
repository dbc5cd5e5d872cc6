using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace CredentialSummaries.Api.Dashboard;

/// <summary>
/// The coverage dashboard (docs/dashboard.md): one page at <c>/dashboard</c> and its assets under <c>/dashboard/</c>, embedded
/// in the assembly and served by the app, so it works on a closed network. The page and its assets are public, as the
/// API reference page is; every figure on it comes from the service's own OData API with the user's token, so a user
/// sees only the owner's tenants the API shows them. In Development the page takes a pasted development token; outside
/// it, it signs in with Entra ID through MSAL.js (authorization code flow with PKCE) with the settings rendered into it.
/// A Content-Security-Policy lets it talk to this origin only (and, outside Development, to the sign-in authority).
/// </summary>
public static class DashboardPage
{
    public const string Path = "/dashboard";

    /// <summary>The service root the page calls, as any client does.</summary>
    public const string ApiRoot = "/v1.0/tenantRelationships/managedTenants";

    private const string ResourcePrefix = "CredentialSummaries.Api.Dashboard.assets.";

    /// <summary>The assets under <c>/dashboard/</c>, by file name, with their media types.</summary>
    private static readonly FrozenDictionary<string, string> Assets = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["dashboard.js"] = "text/javascript; charset=utf-8",
        ["dashboard.css"] = "text/css; charset=utf-8",
        ["msal-browser.min.js"] = "text/javascript; charset=utf-8",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly Lazy<FrozenDictionary<string, Asset>> Loaded = new(() =>
        Assets.ToFrozenDictionary(pair => pair.Key, pair => Asset.Of(Read(pair.Key), pair.Value), StringComparer.Ordinal));

    private static readonly Lazy<string> Template = new(() => Encoding.UTF8.GetString(Read("index.html")));

    public static IServiceCollection AddDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<DashboardOptions>(configuration.GetSection(DashboardOptions.Section));
        services.AddSingleton(provider => DashboardDocument.Create(
            provider.GetRequiredService<IOptions<DashboardOptions>>().Value,
            provider.GetRequiredService<IConfiguration>(),
            provider.GetRequiredService<IHostEnvironment>(),
            Template.Value));
        return services;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        string[] methods = [HttpMethods.Get, HttpMethods.Head];
        app.MapMethods(Path, methods, (HttpContext context, DashboardDocument document) => Write(context, document.Page, document.SecurityPolicy))
            .AllowAnonymous()
            .DisableRateLimiting();
        app.MapMethods(Path + "/{file}", methods, (HttpContext context, string file, DashboardDocument document) =>
                Loaded.Value.TryGetValue(file, out var asset) ? Write(context, asset, document.SecurityPolicy) : Results.NotFound())
            .AllowAnonymous()
            .DisableRateLimiting();
        return app;
    }

    private static IResult Write(HttpContext context, Asset asset, string securityPolicy)
    {
        var headers = context.Response.Headers;
        headers.ETag = asset.ETag;
        // Revalidated on every load (a 304 when unchanged), so a page and its script never come from two versions.
        headers.CacheControl = "no-cache";
        headers.ContentSecurityPolicy = securityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        if (context.Request.Headers.IfNoneMatch.ToString().Split(',').Any(tag => tag.Trim() == asset.ETag))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Body, asset.ContentType);
    }

    private static byte[] Read(string file)
    {
        using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream(ResourcePrefix + file)
            ?? throw new InvalidOperationException($"The dashboard's embedded resource {ResourcePrefix + file} is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    internal sealed record Asset(byte[] Body, string ContentType, string ETag)
    {
        public static Asset Of(byte[] body, string contentType) =>
            new(body, contentType, $"\"{Convert.ToHexStringLower(SHA256.HashData(body))[..32]}\"");
    }

    /// <summary>The page as this instance renders it (its settings in a JSON block) and the policy it is served with.</summary>
    internal sealed record DashboardDocument(Asset Page, string SecurityPolicy)
    {
        public static DashboardDocument Create(DashboardOptions options, IConfiguration configuration, IHostEnvironment environment, string template)
        {
            var development = environment.IsDevelopment();
            var instance = configuration["AzureAd:Instance"] is { Length: > 0 } configured ? configured : "https://login.microsoftonline.com/";
            var apiClientId = configuration["AzureAd:ClientId"] ?? string.Empty;
            var authority = options.Authority.Length > 0 ? options.Authority.TrimEnd('/') : instance.TrimEnd('/') + "/organizations";
            var authorityOrigin = new Uri(authority).GetLeftPart(UriPartial.Authority);
            var settings = new Dictionary<string, object?>
            {
                ["signIn"] = development ? "developmentToken" : "entraId",
                ["apiRoot"] = ApiRoot,
                ["staleAfterHours"] = options.StaleAfter.TotalHours,
                ["weakBelowPercent"] = options.WeakBelowPercent,
                ["entraId"] = development ? null : new Dictionary<string, object?>
                {
                    ["clientId"] = options.ClientId.Length > 0 ? options.ClientId : apiClientId,
                    ["authority"] = authority,
                    ["knownAuthority"] = new Uri(authority).Host,
                    ["scopes"] = new[] { options.Scope.Length > 0 ? options.Scope : $"api://{apiClientId}/ManagedTenants.Read.All" },
                },
            };

            // The default encoder escapes <, > and &: the JSON cannot close the script element it sits in.
            var json = JsonSerializer.Serialize(settings);
            var page = template
                .Replace("<!--settings-->", $"<script type=\"application/json\" id=\"dashboard-settings\">{json}</script>", StringComparison.Ordinal)
                .Replace("<!--msal-->", development ? string.Empty : $"<script src=\"{Path}/msal-browser.min.js\"></script>", StringComparison.Ordinal);
            var signIn = development ? string.Empty : " " + authorityOrigin;
            var policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                + $"connect-src 'self'{signIn}; frame-src{(development ? " 'none'" : signIn)}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
            return new DashboardDocument(Asset.Of(Encoding.UTF8.GetBytes(page), "text/html; charset=utf-8"), policy);
        }
    }
}
