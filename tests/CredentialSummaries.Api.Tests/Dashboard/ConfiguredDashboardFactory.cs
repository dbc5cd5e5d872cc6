using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Dashboard;

/// <summary>The Testing environment (Entra ID sign-in) with a single-page registration and thresholds of its own, and tight throttling.</summary>
public sealed class ConfiguredDashboardFactory : SummariesApiFactory
{
    /// <summary>The single-page application's client id, other than the API's (AzureAd:ClientId).</summary>
    public const string SpaClientId = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b";

    public const int Burst = 5;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        .. base.Settings().Where(s => !s.Key.StartsWith("Throttling:", StringComparison.Ordinal)),
        new("Throttling:RequestsPerSecond", "1"),
        new("Throttling:Burst", Burst.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Dashboard:ClientId", SpaClientId),
        new("Dashboard:StaleAfter", "1.00:00:00"),
        new("Dashboard:WeakBelowPercent", "70"),
    ];
}
