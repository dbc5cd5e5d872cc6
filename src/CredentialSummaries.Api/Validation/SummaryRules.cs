using System.Text.RegularExpressions;
using CredentialSummaries.Api.Graph;
using CredentialSummaries.Api.Model;
using Microsoft.AspNetCore.OData.Deltas;

namespace CredentialSummaries.Api.Validation;

/// <summary>
/// One problem with a request body, as Graph reports it in <c>error.details</c>: a code, a message, and the JSON
/// property it concerns (<see cref="Target"/>; null when it concerns the body as a whole).
/// </summary>
public sealed record RuleViolation(string Code, string? Target, string Message)
{
    /// <summary>The other property the rule compared <see cref="Target"/> with, when it did (a count with the total).</summary>
    public string? ComparedWith { get; init; }

    public static RuleViolation InvalidValue(string property, string message) => new(RuleCodes.InvalidValue, property, message);
}

public static class RuleViolations
{
    /// <summary>
    /// A 400 for a body with <paramref name="violations"/>: every one in <c>error.details</c>, the first one also as
    /// <c>error.message</c> (clients that read only the message still learn what to fix first).
    /// </summary>
    public static GraphError ToGraphError(this IReadOnlyList<RuleViolation> violations)
    {
        ArgumentNullException.ThrowIfNull(violations);
        var first = violations.Count > 0 ? violations[0].Message : "The request body is invalid.";
        return GraphError.BadRequest(first) with
        {
            Details = violations.Select(v => new GraphErrorDetail(v.Code, v.Message, v.Target)).ToArray(),
        };
    }
}

/// <summary>The codes of <see cref="RuleViolation"/>, one per kind of problem.</summary>
public static class RuleCodes
{
    /// <summary>The body is not a JSON object the service can read (syntax, encoding, duplicate names).</summary>
    public const string InvalidRequestBody = "InvalidRequestBody";

    /// <summary>A property the type does not have.</summary>
    public const string UnknownProperty = "UnknownProperty";

    /// <summary>A value of the wrong JSON type or format.</summary>
    public const string InvalidType = "InvalidPropertyType";

    /// <summary>A required property that was not sent.</summary>
    public const string Required = "RequiredPropertyMissing";

    /// <summary>A property that cannot change once the summary exists.</summary>
    public const string Immutable = "ReadOnlyProperty";

    /// <summary>A well-typed value that breaks a rule (range, length, the counts against the total).</summary>
    public const string InvalidValue = "InvalidValue";
}

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

    /// <summary>
    /// Builds a new summary from a POST body: server id and timestamp where none were sent, then the rules.
    /// </summary>
    /// <param name="body">The sent values (of a body with problems, its well-typed ones).</param>
    /// <param name="bodyProblems">What the strict reading of the body found (<see cref="SummaryBody.Check"/>).</param>
    /// <param name="utcNow">The time stamped when the body sends none.</param>
    /// <param name="summary">The summary to store when the result is empty.</param>
    /// <returns>
    /// Every problem, once per property: the body's first, then the rules the body breaks, in property order; empty
    /// when the summary may be stored.
    /// </returns>
    public static IReadOnlyList<RuleViolation> ApplyCreate(
        Delta<CredentialUserRegistrationsSummary> body, IReadOnlyList<RuleViolation> bodyProblems, DateTime utcNow,
        out CredentialUserRegistrationsSummary summary)
    {
        ArgumentNullException.ThrowIfNull(body);
        summary = new CredentialUserRegistrationsSummary();
        body.Patch(summary);
        var sent = body.GetChangedPropertyNames().ToHashSet(StringComparer.Ordinal);
        var violations = new List<RuleViolation>();

        if (!sent.Contains(nameof(Entity.Id)))
        {
            summary.Id = Guid.NewGuid().ToString("D");
        }
        else if (!IdPattern().IsMatch(summary.Id ?? string.Empty))
        {
            violations.Add(RuleViolation.InvalidValue("id",
                $"Property 'id' must be 1 to {MaxIdLength} characters of A-Z, a-z, 0-9, '-', '_' or '.'; got \"{Truncate(summary.Id)}\"."));
        }

        foreach (var (clrName, property) in new[] { (nameof(CredentialUserRegistrationsSummary.TenantId), "tenantId"),
                     (nameof(CredentialUserRegistrationsSummary.TenantDisplayName), "tenantDisplayName") })
        {
            if (!sent.Contains(clrName))
            {
                violations.Add(new(RuleCodes.Required, property, $"Property '{property}' is required."));
            }
        }

        if (!sent.Contains(nameof(CredentialUserRegistrationsSummary.LastRefreshedDateTime)))
        {
            summary.LastRefreshedDateTime = utcNow;
        }

        violations.AddRange(Validate(summary));
        return Merge(bodyProblems, violations);
    }

    /// <summary>
    /// Applies a PATCH to the stored row; id and tenantId may be repeated but never changed. The rules judge the
    /// merged entity; when they fail, <paramref name="stored"/> holds the rejected merge and must not be saved.
    /// </summary>
    /// <param name="stored">The row as read, changed in place.</param>
    /// <param name="body">The sent values (of a body with problems, its well-typed ones).</param>
    /// <param name="bodyProblems">What the strict reading of the body found (<see cref="SummaryBody.Check"/>).</param>
    /// <param name="utcNow">The time stamped when the body sends none.</param>
    /// <returns>Every problem, once per property: the body's first, then the rules; empty when the row may be stored.</returns>
    public static IReadOnlyList<RuleViolation> ApplyUpdate(
        CredentialUserRegistrationsSummary stored, Delta<CredentialUserRegistrationsSummary> body,
        IReadOnlyList<RuleViolation> bodyProblems, DateTime utcNow)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(body);
        // TryGetPropertyValue answers for unsent properties too (with the default), so ask what was sent first.
        var sent = body.GetChangedPropertyNames().ToHashSet(StringComparer.Ordinal);
        var violations = new List<RuleViolation>();
        if (sent.Contains(nameof(Entity.Id)) && body.TryGetPropertyValue(nameof(Entity.Id), out var id)
            && !string.Equals(id as string, stored.Id, StringComparison.Ordinal))
        {
            violations.Add(new(RuleCodes.Immutable, "id", $"Property 'id' cannot be changed; this summary's id is '{stored.Id}'."));
        }

        if (sent.Contains(nameof(CredentialUserRegistrationsSummary.TenantId))
            && body.TryGetPropertyValue(nameof(CredentialUserRegistrationsSummary.TenantId), out var tenantId)
            && NormalizeGuid(tenantId as string) != stored.TenantId)
        {
            violations.Add(new(RuleCodes.Immutable, "tenantId",
                $"Property 'tenantId' cannot be changed; this summary's tenantId is '{stored.TenantId}'."));
        }

        var (keptId, keptTenantId) = (stored.Id, stored.TenantId);
        body.Patch(stored);
        (stored.Id, stored.TenantId) = (keptId, keptTenantId);
        if (!sent.Contains(nameof(CredentialUserRegistrationsSummary.LastRefreshedDateTime)))
        {
            stored.LastRefreshedDateTime = utcNow;
        }

        violations.AddRange(Validate(stored));
        return Merge(bodyProblems, violations);
    }

    /// <summary>
    /// The body's problems, then each rule's for a property they do not name already. A rule that compares with a
    /// property whose value was unusable (a count against a total sent as <c>"Integer"</c>) is left out: it would
    /// judge against a value the client did not mean.
    /// </summary>
    private static List<RuleViolation> Merge(IReadOnlyList<RuleViolation> bodyProblems, List<RuleViolation> violations)
    {
        ArgumentNullException.ThrowIfNull(bodyProblems);
        var judged = new HashSet<string?>(StringComparer.Ordinal);
        var merged = new List<RuleViolation>(bodyProblems.Count + violations.Count);
        foreach (var problem in bodyProblems)
        {
            merged.Add(problem);
            judged.Add(problem.Target);
        }

        var bodyJudged = judged.ToHashSet(StringComparer.Ordinal);
        foreach (var violation in violations)
        {
            if (violation.ComparedWith is { } other && bodyJudged.Contains(other))
            {
                continue;
            }

            if (judged.Add(violation.Target))
            {
                merged.Add(violation);
            }
        }

        return merged;
    }

    /// <summary>The rules every stored summary obeys. Normalises tenantId (lowercase GUID) and the time (UTC).</summary>
    /// <returns>Every rule broken, in property order; empty when the summary may be stored.</returns>
    public static IReadOnlyList<RuleViolation> Validate(CredentialUserRegistrationsSummary summary)
    {
        var violations = new List<RuleViolation>();
        if (NormalizeGuid(summary.TenantId) is { } tenantId)
        {
            summary.TenantId = tenantId;
        }
        else
        {
            violations.Add(RuleViolation.InvalidValue("tenantId",
                $"Property 'tenantId' must be a GUID (the managed tenant's Entra tenant id); got \"{Truncate(summary.TenantId)}\"."));
        }

        if (string.IsNullOrWhiteSpace(summary.TenantDisplayName) || summary.TenantDisplayName.Length > MaxDisplayNameLength)
        {
            violations.Add(RuleViolation.InvalidValue("tenantDisplayName",
                $"Property 'tenantDisplayName' must be 1 to {MaxDisplayNameLength} characters and not blank."));
        }

        if (summary.TenantLicenseType?.Length > MaxShortTextLength)
        {
            violations.Add(RuleViolation.InvalidValue("tenantLicenseType",
                $"Property 'tenantLicenseType' must be at most {MaxShortTextLength} characters."));
        }

        if (summary.MfaConditionalAccessPolicyState?.Length > MaxShortTextLength)
        {
            violations.Add(RuleViolation.InvalidValue("mfaConditionalAccessPolicyState",
                $"Property 'mfaConditionalAccessPolicyState' must be at most {MaxShortTextLength} characters."));
        }

        if (summary.TotalUserCount < 0)
        {
            violations.Add(RuleViolation.InvalidValue("totalUserCount", $"Property 'totalUserCount' must be 0 or more; got {summary.TotalUserCount}."));
        }

        foreach (var (name, value) in Counts)
        {
            var count = value(summary);
            if (count < 0)
            {
                violations.Add(RuleViolation.InvalidValue(name, $"Property '{name}' must be 0 or more; got {count}."));
            }
            else if (count > summary.TotalUserCount)
            {
                violations.Add(RuleViolation.InvalidValue(name,
                    $"Property '{name}' ({count}) cannot exceed 'totalUserCount' ({summary.TotalUserCount}).") with { ComparedWith = "totalUserCount" });
            }
        }

        var utc = summary.LastRefreshedDateTime.Kind switch
        {
            DateTimeKind.Local => summary.LastRefreshedDateTime.ToUniversalTime(),
            // OData converts incoming offsets with ODataOptions.TimeZone, which is UTC.
            DateTimeKind.Unspecified => DateTime.SpecifyKind(summary.LastRefreshedDateTime, DateTimeKind.Utc),
            _ => summary.LastRefreshedDateTime,
        };
        // Whole microseconds, what PostgreSQL's timestamp keeps: a value reads back as written on every store, and a
        // $skiptoken holding it finds its row again.
        summary.LastRefreshedDateTime = utc.AddTicks(-(utc.Ticks % TicksPerMicrosecond));
        return violations;
    }

    private const long TicksPerMicrosecond = TimeSpan.TicksPerMicrosecond;

    /// <summary>A GUID in the stored form (lowercase, hyphens), or null when <paramref name="value"/> is none.</summary>
    public static string? NormalizeGuid(string? value) => Guid.TryParse(value, out var guid) ? guid.ToString("D") : null;

    private static string Truncate(string? value) => value is null ? "null" : Echo(value);

    /// <summary>A value as it may be quoted back in an error message: at most 64 characters, never half a surrogate pair.</summary>
    public static string Echo(string value)
    {
        const int max = 64;
        if (value.Length <= max)
        {
            return value;
        }

        var cut = char.IsHighSurrogate(value[max - 1]) ? max - 1 : max;
        return string.Concat(value.AsSpan(0, cut), "…");
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
