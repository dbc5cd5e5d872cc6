using System.Text.RegularExpressions;
using CredentialSummaries.Api.Model;
using Microsoft.AspNetCore.OData.Deltas;

namespace CredentialSummaries.Api.Validation;

/// <summary>A broken rule, named by the JSON property it concerns.</summary>
public sealed record RuleViolation(string Property, string Message);

/// <summary>
/// The resource rules of DESIGN §1, in one place for create and update. Both paths end in <see cref="Validate"/>,
/// which judges the whole entity as it would be stored (for a PATCH: the stored row merged with the change).
/// </summary>
public static partial class SummaryRules
{
    public const int MaxIdLength = 64;
    public const int MaxDisplayNameLength = 256;
    public const int MaxShortTextLength = 64;

    private static readonly (string Name, Func<CredentialUserRegistrationsSummary, int> Value)[] Counts =
    [
        ("mfaAndSsprCapableUserCount", s => s.MfaAndSsprCapableUserCount),
        ("ssprEnabledUserCount", s => s.SsprEnabledUserCount),
        ("mfaRegisteredUserCount", s => s.MfaRegisteredUserCount),
        ("ssprRegisteredUserCount", s => s.SsprRegisteredUserCount),
        ("mfaExcludedUserCount", s => s.MfaExcludedUserCount),
    ];

    /// <summary>Builds a new summary from a POST body: server id and timestamp where none were sent, then the rules.</summary>
    public static RuleViolation? ApplyCreate(
        Delta<CredentialUserRegistrationsSummary> body, DateTime utcNow, out CredentialUserRegistrationsSummary summary)
    {
        summary = new CredentialUserRegistrationsSummary();
        body.Patch(summary);
        var sent = body.GetChangedPropertyNames().ToHashSet(StringComparer.Ordinal);

        if (!sent.Contains(nameof(Entity.Id)))
        {
            summary.Id = Guid.NewGuid().ToString("D");
        }
        else if (!IdPattern().IsMatch(summary.Id))
        {
            return new("id", $"Property 'id' must be 1 to {MaxIdLength} characters of A-Z, a-z, 0-9, '-', '_' or '.'; got \"{Truncate(summary.Id)}\".");
        }

        if (!sent.Contains(nameof(CredentialUserRegistrationsSummary.TenantId)))
        {
            return new("tenantId", "Property 'tenantId' is required.");
        }

        if (!sent.Contains(nameof(CredentialUserRegistrationsSummary.TenantDisplayName)))
        {
            return new("tenantDisplayName", "Property 'tenantDisplayName' is required.");
        }

        if (!sent.Contains(nameof(CredentialUserRegistrationsSummary.LastRefreshedDateTime)))
        {
            summary.LastRefreshedDateTime = utcNow;
        }

        return Validate(summary);
    }

    /// <summary>Applies a PATCH to the stored row; id and tenantId may be repeated but never changed.</summary>
    public static RuleViolation? ApplyUpdate(
        CredentialUserRegistrationsSummary stored, Delta<CredentialUserRegistrationsSummary> body, DateTime utcNow)
    {
        // TryGetPropertyValue answers for unsent properties too (with the default), so ask what was sent first.
        var sent = body.GetChangedPropertyNames().ToHashSet(StringComparer.Ordinal);
        if (sent.Contains(nameof(Entity.Id)) && body.TryGetPropertyValue(nameof(Entity.Id), out var id)
            && !string.Equals(id as string, stored.Id, StringComparison.Ordinal))
        {
            return new("id", $"Property 'id' cannot be changed; this summary's id is '{stored.Id}'.");
        }

        if (sent.Contains(nameof(CredentialUserRegistrationsSummary.TenantId))
            && body.TryGetPropertyValue(nameof(CredentialUserRegistrationsSummary.TenantId), out var tenantId)
            && NormalizeGuid(tenantId as string) != stored.TenantId)
        {
            return new("tenantId", $"Property 'tenantId' cannot be changed; this summary's tenantId is '{stored.TenantId}'.");
        }

        body.Patch(stored);
        if (!sent.Contains(nameof(CredentialUserRegistrationsSummary.LastRefreshedDateTime)))
        {
            stored.LastRefreshedDateTime = utcNow;
        }

        return Validate(stored);
    }

    /// <summary>The rules every stored summary obeys. Normalises tenantId (lowercase GUID) and the time (UTC).</summary>
    public static RuleViolation? Validate(CredentialUserRegistrationsSummary summary)
    {
        var tenantId = NormalizeGuid(summary.TenantId);
        if (tenantId is null)
        {
            return new("tenantId", $"Property 'tenantId' must be a GUID (the managed tenant's Entra tenant id); got \"{Truncate(summary.TenantId)}\".");
        }

        summary.TenantId = tenantId;

        if (string.IsNullOrWhiteSpace(summary.TenantDisplayName) || summary.TenantDisplayName.Length > MaxDisplayNameLength)
        {
            return new("tenantDisplayName", $"Property 'tenantDisplayName' must be 1 to {MaxDisplayNameLength} characters and not blank.");
        }

        if (summary.TenantLicenseType?.Length > MaxShortTextLength)
        {
            return new("tenantLicenseType", $"Property 'tenantLicenseType' must be at most {MaxShortTextLength} characters.");
        }

        if (summary.MfaConditionalAccessPolicyState?.Length > MaxShortTextLength)
        {
            return new("mfaConditionalAccessPolicyState", $"Property 'mfaConditionalAccessPolicyState' must be at most {MaxShortTextLength} characters.");
        }

        if (summary.TotalUserCount < 0)
        {
            return new("totalUserCount", $"Property 'totalUserCount' must be 0 or more; got {summary.TotalUserCount}.");
        }

        foreach (var (name, value) in Counts)
        {
            var count = value(summary);
            if (count < 0)
            {
                return new(name, $"Property '{name}' must be 0 or more; got {count}.");
            }

            if (count > summary.TotalUserCount)
            {
                return new(name, $"Property '{name}' ({count}) cannot exceed 'totalUserCount' ({summary.TotalUserCount}).");
            }
        }

        summary.LastRefreshedDateTime = summary.LastRefreshedDateTime.Kind switch
        {
            DateTimeKind.Local => summary.LastRefreshedDateTime.ToUniversalTime(),
            // OData converts incoming offsets with ODataOptions.TimeZone, which is UTC.
            DateTimeKind.Unspecified => DateTime.SpecifyKind(summary.LastRefreshedDateTime, DateTimeKind.Utc),
            _ => summary.LastRefreshedDateTime,
        };
        return null;
    }

    private static string? NormalizeGuid(string? value) => Guid.TryParse(value, out var guid) ? guid.ToString("D") : null;

    private static string Truncate(string? value) => value is null ? "null" : value.Length <= 64 ? value : value[..64] + "…";

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
