using CredentialSummaries.Api.Collection;

namespace CredentialSummaries.Api.Tests.Collection;

/// <summary>The counting rules on their own: a pure function over the report's rows and the tenant's policies.</summary>
public sealed class RegistrationCountsTests
{
    [Fact]
    public void Each_count_reads_its_own_flag_and_capable_needs_both_mfa_and_sspr()
    {
        UserRegistration[] users =
        [
            new(IsMfaRegistered: true, IsMfaCapable: true, IsSsprRegistered: true, IsSsprEnabled: true, IsSsprCapable: true),
            new(IsMfaRegistered: true, IsMfaCapable: true, IsSsprRegistered: false, IsSsprEnabled: true, IsSsprCapable: false),
            new(IsMfaRegistered: true, IsMfaCapable: false, IsSsprRegistered: true, IsSsprEnabled: false, IsSsprCapable: true),
            new(IsMfaRegistered: false, IsMfaCapable: false, IsSsprRegistered: false, IsSsprEnabled: true, IsSsprCapable: false),
            new(IsMfaRegistered: false, IsMfaCapable: false, IsSsprRegistered: false, IsSsprEnabled: false, IsSsprCapable: false),
        ];

        var counts = RegistrationCounts.Of(users);

        counts.TotalUserCount.Should().Be(5);
        counts.MfaRegisteredUserCount.Should().Be(3);
        counts.SsprRegisteredUserCount.Should().Be(2);
        counts.SsprEnabledUserCount.Should().Be(3);
        counts.MfaAndSsprCapableUserCount.Should().Be(1, "only the first user is capable of both");
    }

    [Fact]
    public void A_tenant_without_users_counts_zero_everywhere()
    {
        var counts = RegistrationCounts.Of([]);

        new[] { counts.TotalUserCount, counts.MfaRegisteredUserCount, counts.SsprRegisteredUserCount, counts.SsprEnabledUserCount, counts.MfaAndSsprCapableUserCount }
            .Should().AllBeEquivalentTo(0);
    }

    public static TheoryData<ConditionalAccessRule[], string> Policies => new()
    {
        { [], "disabled" },
        { [new("enabled", RequiresMfa: false)], "disabled" },
        { [new("disabled", RequiresMfa: true)], "disabled" },
        { [new("enabledForReportingButNotEnforced", RequiresMfa: true)], "reportOnly" },
        { [new("enabledForReportingButNotEnforced", RequiresMfa: true), new("enabled", RequiresMfa: false)], "reportOnly" },
        { [new("enabledForReportingButNotEnforced", RequiresMfa: true), new("enabled", RequiresMfa: true)], "enabled" },
        { [new("disabled", RequiresMfa: true), new("enabled", RequiresMfa: true)], "enabled" },
    };

    [Theory]
    [MemberData(nameof(Policies))]
    public void The_mfa_policy_state_is_enabled_over_report_only_over_disabled_counting_only_policies_that_require_mfa(
        ConditionalAccessRule[] policies, string expected) =>
        RegistrationCounts.MfaConditionalAccessPolicyState(policies).Should().Be(expected);
}
