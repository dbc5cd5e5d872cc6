namespace CredentialSummaries.Api.Collection;

/// <summary>One row of Graph's <c>userRegistrationDetails</c> report: the flags the counts are made from.</summary>
public readonly record struct UserRegistration(bool IsMfaRegistered, bool IsMfaCapable, bool IsSsprRegistered, bool IsSsprEnabled, bool IsSsprCapable);

/// <summary>One conditional-access policy as far as the MFA rule reads it.</summary>
/// <param name="State">Graph's <c>state</c>: <c>enabled</c>, <c>disabled</c> or <c>enabledForReportingButNotEnforced</c>.</param>
/// <param name="RequiresMfa">Its grant controls require <c>mfa</c> or an authentication strength.</param>
public readonly record struct ConditionalAccessRule(string State, bool RequiresMfa);

/// <summary>
/// The counting rules: a tenant's summary computed from its registration report, one row at a time, so that a tenant
/// of any size is counted in constant memory. Pure: no I/O, no clock.
/// <list type="bullet">
/// <item><c>totalUserCount</c>: the users the report lists;</item>
/// <item><c>mfaRegisteredUserCount</c>: <c>isMfaRegistered</c>; <c>ssprRegisteredUserCount</c>: <c>isSsprRegistered</c>;
/// <c>ssprEnabledUserCount</c>: <c>isSsprEnabled</c>;</item>
/// <item><c>mfaAndSsprCapableUserCount</c>: <c>isMfaCapable</c> and <c>isSsprCapable</c> both.</item>
/// </list>
/// </summary>
public sealed class RegistrationCounts
{
    public int TotalUserCount { get; private set; }

    public int MfaRegisteredUserCount { get; private set; }

    public int SsprRegisteredUserCount { get; private set; }

    public int SsprEnabledUserCount { get; private set; }

    public int MfaAndSsprCapableUserCount { get; private set; }

    public void Add(UserRegistration user)
    {
        checked
        {
            TotalUserCount++;
            MfaRegisteredUserCount += user.IsMfaRegistered ? 1 : 0;
            SsprRegisteredUserCount += user.IsSsprRegistered ? 1 : 0;
            SsprEnabledUserCount += user.IsSsprEnabled ? 1 : 0;
            MfaAndSsprCapableUserCount += user.IsMfaCapable && user.IsSsprCapable ? 1 : 0;
        }
    }

    public static RegistrationCounts Of(IEnumerable<UserRegistration> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        var counts = new RegistrationCounts();
        foreach (var user in users)
        {
            counts.Add(user);
        }

        return counts;
    }

    public const string Enabled = "enabled";
    public const string ReportOnly = "reportOnly";
    public const string Disabled = "disabled";

    /// <summary>
    /// <c>mfaConditionalAccessPolicyState</c>: <c>enabled</c> when an enabled policy grants with <c>mfa</c> or an
    /// authentication strength; else <c>reportOnly</c> when such a policy is report-only
    /// (<c>enabledForReportingButNotEnforced</c>); else <c>disabled</c>, also when the tenant has no policy. Whom a
    /// policy includes or excludes is not judged: Lighthouse's exact rule is not published, and a policy that requires
    /// MFA for some users is what this property is asked about.
    /// </summary>
    public static string MfaConditionalAccessPolicyState(IEnumerable<ConditionalAccessRule> policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        var requiring = policies.Where(p => p.RequiresMfa).Select(p => p.State).ToList();
        return requiring.Contains("enabled", StringComparer.OrdinalIgnoreCase) ? Enabled
            : requiring.Contains("enabledForReportingButNotEnforced", StringComparer.OrdinalIgnoreCase) ? ReportOnly
            : Disabled;
    }
}
