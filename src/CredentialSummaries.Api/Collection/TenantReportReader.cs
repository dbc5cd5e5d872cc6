using Microsoft.Graph;
using Microsoft.Graph.Models;

namespace CredentialSummaries.Api.Collection;

/// <summary>What one managed tenant's Graph says: the counts, its security defaults, its MFA policy state, its name.</summary>
public sealed record TenantReport(
    string TenantId, string DisplayName, RegistrationCounts Counts, bool SecurityDefaultsEnabled, string MfaConditionalAccessPolicyState,
    DateTime ReadDateTime);

/// <summary>
/// Reads one managed tenant through the Graph SDK: <c>reports/authenticationMethods/userRegistrationDetails</c> with
/// <c>$select</c> of only the flags counted, 999 a page, every next link followed and each row counted as it arrives
/// (no tenant's users are held in memory); then <c>policies/identitySecurityDefaultsEnforcementPolicy</c>,
/// <c>identity/conditionalAccess/policies</c> and, when no name is known, <c>organization</c>.
/// </summary>
public sealed class TenantReportReader(TenantGraphClients clients, TimeProvider clock)
{
    /// <summary>The report's fields the counting rules read, and no more.</summary>
    public static readonly string[] ReportFields = ["isMfaRegistered", "isMfaCapable", "isSsprRegistered", "isSsprEnabled", "isSsprCapable"];

    public async Task<TenantReport> ReadAsync(string tenantId, string? knownDisplayName, CancellationToken cancellationToken)
    {
        var graph = clients.For(tenantId);
        var counts = new RegistrationCounts();
        var first = await graph.Reports.AuthenticationMethods.UserRegistrationDetails.GetAsync(request =>
        {
            request.QueryParameters.Select = ReportFields;
            request.QueryParameters.Top = 999;
        }, cancellationToken);
        if (first is not null)
        {
            var pages = PageIterator<UserRegistrationDetails, UserRegistrationDetailsCollectionResponse>.CreatePageIterator(graph, first, user =>
            {
                counts.Add(new UserRegistration(
                    user.IsMfaRegistered == true, user.IsMfaCapable == true, user.IsSsprRegistered == true, user.IsSsprEnabled == true, user.IsSsprCapable == true));
                return true;
            });
            await pages.IterateAsync(cancellationToken);
        }

        var readAt = clock.GetUtcNow().UtcDateTime;
        var securityDefaults = await graph.Policies.IdentitySecurityDefaultsEnforcementPolicy.GetAsync(cancellationToken: cancellationToken);
        var policies = new List<ConditionalAccessRule>();
        var policyPage = await graph.Identity.ConditionalAccess.Policies.GetAsync(cancellationToken: cancellationToken);
        if (policyPage is not null)
        {
            var policyPages = PageIterator<ConditionalAccessPolicy, ConditionalAccessPolicyCollectionResponse>.CreatePageIterator(graph, policyPage, policy =>
            {
                policies.Add(new ConditionalAccessRule(StateName(policy.State), RequiresMfa(policy.GrantControls)));
                return true;
            });
            await policyPages.IterateAsync(cancellationToken);
        }

        var displayName = knownDisplayName;
        if (string.IsNullOrWhiteSpace(displayName))
        {
            var organization = await graph.Organization.GetAsync(request => request.QueryParameters.Select = ["id", "displayName"], cancellationToken);
            displayName = organization?.Value?.FirstOrDefault()?.DisplayName;
        }

        return new TenantReport(
            tenantId, string.IsNullOrWhiteSpace(displayName) ? tenantId : displayName, counts, securityDefaults?.IsEnabled == true,
            RegistrationCounts.MfaConditionalAccessPolicyState(policies), readAt);
    }

    private static string StateName(ConditionalAccessPolicyState? state) => state switch
    {
        ConditionalAccessPolicyState.Enabled => "enabled",
        ConditionalAccessPolicyState.EnabledForReportingButNotEnforced => "enabledForReportingButNotEnforced",
        _ => "disabled",
    };

    private static bool RequiresMfa(ConditionalAccessGrantControls? grant) =>
        grant is not null && (grant.AuthenticationStrength is not null || grant.BuiltInControls?.Contains(ConditionalAccessGrantControl.Mfa) == true);
}
