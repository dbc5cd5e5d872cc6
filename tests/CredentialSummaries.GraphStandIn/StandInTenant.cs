namespace CredentialSummaries.GraphStandIn;

/// <summary>How a tenant's endpoints misbehave, each the way Entra ID or Graph does it.</summary>
public enum StandInBehaviour
{
    /// <summary>Every request succeeds.</summary>
    Normal,

    /// <summary>
    /// The first request for a later page of the registration report (one carrying a <c>$skiptoken</c>) answers
    /// 429 Too Many Requests with <c>Retry-After: 1</c> and Graph's error body; every later request succeeds.
    /// <see cref="StandInTenant.RearmThrottle"/> arms it again.
    /// </summary>
    ThrottleOnce,

    /// <summary>
    /// The registration report answers 403 <c>Authorization_RequestDenied</c>, as Graph does for an app without
    /// <c>AuditLog.Read.All</c>/<c>Reports.Read.All</c> in the tenant (or a tenant without Entra ID P1/P2).
    /// </summary>
    Forbidden,

    /// <summary>
    /// The token endpoint refuses the tenant with AADSTS7000229 (the app has no service principal there: it was never
    /// consented to, or GDAP was removed).
    /// </summary>
    TokenRefused,
}

/// <summary>
/// A customer (or the managing) tenant as the stand-in serves it: its <c>organization</c>, its users'
/// <c>userRegistrationDetails</c> (generated from <see cref="Seed"/>, never stored), its security defaults and its
/// Conditional Access policies. Properties are mutable so that a test can change the data between two collection
/// rounds; change them between rounds, not while a round reads them.
/// </summary>
public sealed class StandInTenant(Guid tenantId, string displayName, int userCount, int seed)
{
    private int throttleArmed = 1;

    public Guid TenantId { get; } = tenantId;

    public string DisplayName { get; set; } = displayName;

    /// <summary>How many rows the registration report has.</summary>
    public int UserCount { get; set; } = userCount;

    /// <summary>What the users' flags are generated from: another seed gives other users (and other counts).</summary>
    public int Seed { get; set; } = seed;

    public StandInBehaviour Behaviour { get; set; } = StandInBehaviour.Normal;

    /// <summary><c>isEnabled</c> of the tenant's <c>identitySecurityDefaultsEnforcementPolicy</c>.</summary>
    public bool SecurityDefaultsEnabled { get; set; }

    /// <summary>What <c>GET /identity/conditionalAccess/policies</c> lists.</summary>
    public IList<StandInConditionalAccessPolicy> ConditionalAccessPolicies { get; init; } = [];

    /// <summary>The users' domain: the display name's letters and digits, lower case, at onmicrosoft.com.</summary>
    public string Domain => new string([.. DisplayName.Where(char.IsAsciiLetterOrDigit).Select(char.ToLowerInvariant)]) + ".onmicrosoft.com";

    /// <summary>The report's row <paramref name="index"/> (0 ≤ index &lt; <see cref="UserCount"/>).</summary>
    public StandInUser UserAt(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, UserCount);
        return StandInUser.Generate(Seed, index, Domain);
    }

    /// <summary>Every row of the report, in the report's order, generated one at a time.</summary>
    public IEnumerable<StandInUser> Users()
    {
        var count = UserCount;
        var seed = Seed;
        var domain = Domain;
        for (var index = 0; index < count; index++)
        {
            yield return StandInUser.Generate(seed, index, domain);
        }
    }

    /// <summary>What a collector that reads every row should report for this tenant.</summary>
    public StandInExpectedCounts ExpectedCounts()
    {
        int total = 0, mfaRegistered = 0, ssprRegistered = 0, ssprEnabled = 0, mfaAndSsprCapable = 0;
        foreach (var user in Users())
        {
            total++;
            mfaRegistered += user.IsMfaRegistered ? 1 : 0;
            ssprRegistered += user.IsSsprRegistered ? 1 : 0;
            ssprEnabled += user.IsSsprEnabled ? 1 : 0;
            mfaAndSsprCapable += user.IsMfaCapable && user.IsSsprCapable ? 1 : 0;
        }

        return new StandInExpectedCounts(total, mfaRegistered, ssprRegistered, ssprEnabled, mfaAndSsprCapable);
    }

    /// <summary>Makes a <see cref="StandInBehaviour.ThrottleOnce"/> tenant throttle its next later page again.</summary>
    public void RearmThrottle() => Volatile.Write(ref throttleArmed, 1);

    /// <summary>True exactly once per arming: the request that takes it is the one answered 429.</summary>
    internal bool TakeThrottle() => Interlocked.Exchange(ref throttleArmed, 0) == 1;
}

/// <summary>
/// The counts of a <c>credentialUserRegistrationsSummary</c> that the tenant's report rows give
/// (mfaAndSsprCapableUserCount counts rows with both <c>isMfaCapable</c> and <c>isSsprCapable</c>).
/// </summary>
public sealed record StandInExpectedCounts(
    int TotalUserCount, int MfaRegisteredUserCount, int SsprRegisteredUserCount, int SsprEnabledUserCount, int MfaAndSsprCapableUserCount);

/// <summary>
/// One <c>conditionalAccessPolicy</c> (Graph v1.0): <see cref="State"/> is <c>enabled</c>, <c>disabled</c> or
/// <c>enabledForReportingButNotEnforced</c>; a policy with neither built-in controls nor an authentication strength
/// is a session-only policy and is served with <c>"grantControls": null</c>.
/// </summary>
public sealed record StandInConditionalAccessPolicy(
    Guid Id,
    string DisplayName,
    string State,
    IReadOnlyList<string>? BuiltInControls,
    StandInAuthenticationStrength? AuthenticationStrength = null,
    string Operator = "OR")
{
    /// <summary>A policy that grants access with multifactor authentication (<c>builtInControls: ["mfa"]</c>).</summary>
    public static StandInConditionalAccessPolicy RequireMfa(string displayName, string state = "enabled") =>
        new(DeterministicGuid(displayName), displayName, state, ["mfa"]);

    /// <summary>A policy that grants access from a compliant device only.</summary>
    public static StandInConditionalAccessPolicy RequireCompliantDevice(string displayName, string state = "enabled") =>
        new(DeterministicGuid(displayName), displayName, state, ["compliantDevice"]);

    /// <summary>A policy that requires the built-in "Multifactor authentication" authentication strength.</summary>
    public static StandInConditionalAccessPolicy RequireMfaStrength(string displayName, string state = "enabled") =>
        new(DeterministicGuid(displayName), displayName, state, [], StandInAuthenticationStrength.Multifactor);

    /// <summary>A policy with session controls only: <c>grantControls</c> is null.</summary>
    public static StandInConditionalAccessPolicy SessionOnly(string displayName, string state = "enabled") =>
        new(DeterministicGuid(displayName), displayName, state, null);

    private static Guid DeterministicGuid(string text) =>
        new(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
}

/// <summary>The <c>authenticationStrength</c> of a policy's grant controls (an <c>authenticationStrengthPolicy</c>).</summary>
public sealed record StandInAuthenticationStrength(Guid Id, string DisplayName)
{
    /// <summary>Entra ID's built-in strength of that name and id.</summary>
    public static StandInAuthenticationStrength Multifactor { get; } =
        new(Guid.Parse("00000000-0000-0000-0000-000000000002"), "Multifactor authentication");
}

/// <summary>One <c>delegatedAdminCustomer</c> of the managing tenant (GDAP, Graph v1.0).</summary>
public sealed record StandInDelegatedAdminCustomer(Guid TenantId, string DisplayName);
