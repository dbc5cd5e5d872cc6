namespace CredentialSummaries.Api.Dashboard;

/// <summary>
/// <c>Dashboard:*</c> (docs/dashboard.md, "Settings"): what the page at <c>/dashboard</c> calls stale and weak, and, outside
/// Development, the Entra ID app registration it signs in with (MSAL.js, authorization code flow with PKCE).
/// </summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>A summary whose <c>lastRefreshedDateTime</c> is older than this is badged "stale".</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromHours(48);

    /// <summary>A tenant whose MFA-registered share is below this percentage is "weak" (the table's filter).</summary>
    public double WeakBelowPercent { get; set; } = 50;

    /// <summary>The single-page application's client id in Entra ID; empty means <c>AzureAd:ClientId</c> (one registration for both).</summary>
    public string ClientId { get; set; } = string.Empty;

    /// <summary>The authority MSAL.js signs in at; empty means <c>{AzureAd:Instance}organizations</c> (any managing tenant's work account).</summary>
    public string Authority { get; set; } = string.Empty;

    /// <summary>The delegated scope the page asks for; empty means <c>api://{AzureAd:ClientId}/ManagedTenants.Read.All</c>.</summary>
    public string Scope { get; set; } = string.Empty;
}
