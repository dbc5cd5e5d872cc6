using System.Globalization;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Dashboard;

/// <summary>
/// What the dashboard must show for one owner, computed here from what the OData API returns for that owner (its
/// summaries, its collection statuses and its raw snapshots), by the rules docs/dashboard.md writes down — never from
/// the values the test seeded, and never by asking the API the page's own aggregate questions.
/// </summary>
public sealed class DashboardExpectations
{
    // The invariant culture groups thousands with "," as en-US does (the page formats with en-US; the tests run without ICU).
    private static readonly CultureInfo EnUs = CultureInfo.InvariantCulture;
    private const double WeakBelowPercent = 50;
    private static readonly TimeSpan StaleAfter = TimeSpan.FromHours(48);

    private DashboardExpectations(IReadOnlyList<ExpectedRow> rows, IReadOnlyList<JsonElement> snapshots, IReadOnlyDictionary<string, string> headline)
    {
        Rows = rows;
        Snapshots = snapshots;
        Headline = headline;
    }

    public IReadOnlyList<ExpectedRow> Rows { get; }

    /// <summary>The owner's raw snapshots, as the API lists them.</summary>
    public IReadOnlyList<JsonElement> Snapshots { get; }

    /// <summary>The headline tiles by their <c>data-figure</c> name, as text.</summary>
    public IReadOnlyDictionary<string, string> Headline { get; }

    public ExpectedRow Row(string tenantId) => Rows.Single(r => r.TenantId == tenantId);

    public static string ThisMonth => DateTime.UtcNow.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>The <paramref name="count"/> calendar months ending with this one, oldest first (<c>yyyy-MM</c>).</summary>
    public static IReadOnlyList<string> LastMonths(int count)
    {
        var now = DateTime.UtcNow;
        var first = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        return [.. Enumerable.Range(0, count).Select(i => first.AddMonths(i - count + 1).ToString("yyyy-MM", CultureInfo.InvariantCulture))];
    }

    public static async Task<DashboardExpectations> ReadAsync(HttpClient reader)
    {
        var summaries = await AllAsync(reader, $"{GraphApi.Summaries}?$orderby=id");
        var statuses = (await AllAsync(reader, $"{GraphApi.V1Root}/tenantCollectionStatuses")).ToDictionary(s => s.GetProperty("tenantId").GetString()!);
        var snapshots = await AllAsync(reader, $"{GraphApi.V1Root}/credentialUserRegistrationsSummarySnapshots?$orderby=lastRefreshedDateTime,recordedDateTime");
        var thisMonth = ThisMonth;

        var rows = summaries.Select(summary =>
        {
            var tenantId = summary.GetProperty("tenantId").GetString()!;
            var total = summary.GetProperty("totalUserCount").GetInt32();
            var mfa = Share(summary.GetProperty("mfaRegisteredUserCount").GetInt32(), total);
            var refreshed = summary.GetProperty("lastRefreshedDateTime").GetDateTimeOffset().UtcDateTime;

            // "Last month" is the tenant's latest snapshot of an earlier month than this one; the change is shown to 0.1
            // point, rounded half up as the page rounds it, and only for a tenant refreshed this month.
            var earlier = snapshots.LastOrDefault(s => s.GetProperty("tenantId").GetString() == tenantId
                && string.CompareOrdinal(s.GetProperty("month").GetString(), thisMonth) < 0);
            double? change = null;
            if (mfa is not null && earlier.ValueKind == JsonValueKind.Object && Month(refreshed) == thisMonth)
            {
                // The snapshot's share is a fraction (count ÷ users, 0 without users); the page scales it as it does.
                var (count, users) = (earlier.GetProperty("mfaRegisteredUserCount").GetInt32(), earlier.GetProperty("totalUserCount").GetInt32());
                var previous = 100 * (users > 0 ? (double)count / users : 0d);
                change = Math.Floor((mfa.Value - previous) * 10 + 0.5) / 10;
            }

            statuses.TryGetValue(tenantId, out var status);
            return new ExpectedRow(
                tenantId,
                summary.GetProperty("tenantDisplayName").GetString()!,
                total,
                summary.GetProperty("mfaRegisteredUserCount").GetInt32(),
                summary.GetProperty("ssprRegisteredUserCount").GetInt32(),
                summary.GetProperty("mfaAndSsprCapableUserCount").GetInt32(),
                summary.GetProperty("securityDefaultsEnabled").GetBoolean(),
                summary.GetProperty("mfaConditionalAccessPolicyState").GetString(),
                refreshed,
                DateTime.UtcNow - refreshed > StaleAfter,
                CollectionLabel(status),
                change);
        }).ToList();

        long users = rows.Sum(r => (long)r.Users);
        long Sum(string property) => summaries.Sum(s => (long)s.GetProperty(property).GetInt32());
        var headline = new Dictionary<string, string>
        {
            ["tenants"] = rows.Count.ToString("N0", EnUs),
            ["users"] = users.ToString("N0", EnUs),
            ["mfaRegistered"] = Percent(Sum("mfaRegisteredUserCount"), users),
            ["ssprRegistered"] = Percent(Sum("ssprRegisteredUserCount"), users),
            ["capable"] = Percent(Sum("mfaAndSsprCapableUserCount"), users),
            ["unprotected"] = rows.Count(r => !r.SecurityDefaults && r.CaState != "enabled").ToString("N0", EnUs),
        };
        return new DashboardExpectations(rows, snapshots, headline);
    }

    /// <summary>
    /// A tenant's monthly points over <paramref name="months"/>, from its raw snapshots: each month's summed counts over
    /// its summed users (what one refresh or several in a month say together), "—" for a month without a snapshot.
    /// </summary>
    public IReadOnlyList<(string Month, string Mfa, string Sspr, string Capable)> MonthlyPoints(string tenantId, IReadOnlyList<string> months) =>
        [.. months.Select(month =>
        {
            var inMonth = Snapshots.Where(s => s.GetProperty("tenantId").GetString() == tenantId && s.GetProperty("month").GetString() == month).ToList();
            if (inMonth.Count == 0)
            {
                return (month, "—", "—", "—");
            }

            long Sum(string property) => inMonth.Sum(s => (long)s.GetProperty(property).GetInt32());
            var users = Sum("totalUserCount");
            return (month, Percent(Sum("mfaRegisteredUserCount"), users), Percent(Sum("ssprRegisteredUserCount"), users),
                Percent(Sum("mfaAndSsprCapableUserCount"), users));
        })];

    /// <summary>The rows in the order the page sorts them by <paramref name="column"/>: a missing value last either way, ties by name, then id.</summary>
    public IReadOnlyList<ExpectedRow> Sorted(string column, bool descending, IEnumerable<ExpectedRow>? rows = null)
    {
        var sign = descending ? -1 : 1;
        var list = (rows ?? Rows).ToList();
        list.Sort((a, b) =>
        {
            var (x, y) = (a.SortKey(column), b.SortKey(column));
            if (!Equals(x, y))
            {
                if (x is null)
                {
                    return 1;
                }

                if (y is null)
                {
                    return -1;
                }

                var order = x is string text ? string.CompareOrdinal(text, (string)y) : ((double)x).CompareTo((double)y);
                if (order != 0)
                {
                    return sign * order;
                }
            }

            var byName = string.CompareOrdinal(a.Name.ToLowerInvariant(), b.Name.ToLowerInvariant());
            byName = byName != 0 ? byName : string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.TenantId, b.TenantId);
        });
        return list;
    }

    public static bool IsWeak(ExpectedRow row) => row.Mfa is { } mfa && mfa < WeakBelowPercent;

    public static async Task<List<JsonElement>> AllAsync(HttpClient reader, string url)
    {
        var rows = new List<JsonElement>();
        for (var next = url; next is not null;)
        {
            using var response = await reader.GetAsync(next);
            var page = await response.ReadJsonAsync();
            response.IsSuccessStatusCode.Should().BeTrue($"GET {next} answers: {page}");
            rows.AddRange(page.GetProperty("value").EnumerateArray());
            next = page.TryGetProperty("@odata.nextLink", out var link) ? link.GetString() : null;
        }

        return rows;
    }

    public static double? Share(long count, long total) => total > 0 ? 100.0 * count / total : null;

    /// <summary>
    /// <c>count ÷ total</c> as the page shows it: JavaScript's <c>toFixed(1)</c> of the double <c>(100 × count) ÷ total</c>
    /// takes the tenth nearest to the double's exact value and, of two, the larger — so 29.25 (exact) is 29.3, and 5.05
    /// (a double just below it) is 5.0. .NET's "F1" rounds ties otherwise; the double's exact digits ("F25" prints them)
    /// rounded half up are what the browser shows.
    /// </summary>
    public static string Percent(long count, long total)
    {
        if (total <= 0)
        {
            return "—";
        }

        var exact = decimal.Parse((100.0 * count / total).ToString("F25", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return Math.Round(exact, 1, MidpointRounding.AwayFromZero).ToString("F1", CultureInfo.InvariantCulture) + "%";
    }

    private static string Month(DateTime utc) => utc.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static string CollectionLabel(JsonElement status) => status.ValueKind != JsonValueKind.Object
        ? "—"
        : status.GetProperty("lastOutcome").GetString() switch
        {
            "collected" => "Collected",
            "skipped" => status.GetProperty("lastErrorCode").GetString() is { } code ? $"Skipped ({code})" : "Skipped",
            "running" => "Running",
            var other => other!,
        };
}

/// <summary>One tenant's row as the page must show it; the text properties are the cells' text.</summary>
public sealed record ExpectedRow(
    string TenantId,
    string Name,
    int Users,
    int MfaCount,
    int SsprCount,
    int CapableCount,
    bool SecurityDefaults,
    string? CaState,
    DateTime Refreshed,
    bool Stale,
    string Collection,
    double? Change)
{
    // The invariant culture groups thousands with "," as en-US does (the page formats with en-US; the tests run without ICU).
    private static readonly CultureInfo EnUs = CultureInfo.InvariantCulture;

    public bool Dropped => Change < 0;

    public double? Mfa => DashboardExpectations.Share(MfaCount, Users);

    public double? Sspr => DashboardExpectations.Share(SsprCount, Users);

    public double? Capable => DashboardExpectations.Share(CapableCount, Users);

    public string UsersText => Users.ToString("N0", EnUs);

    public string CaText => CaState switch
    {
        null => "—",
        "enabled" => "Enabled",
        "reportOnly" => "Report-only",
        "disabled" => "Disabled",
        var other => other,
    };

    public string RefreshedText => Refreshed.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    public string ChangeText => Change is { } change
        ? (change > 0 ? "+" : string.Empty) + change.ToString("F1", CultureInfo.InvariantCulture) + " pts"
        : "—";

    /// <summary>The cells of the table, by their <c>data-column</c>, as the page must render them.</summary>
    public IReadOnlyDictionary<string, string> Cells => new Dictionary<string, string>
    {
        ["name"] = Name,
        ["users"] = UsersText,
        ["mfa"] = DashboardExpectations.Percent(MfaCount, Users),
        ["sspr"] = DashboardExpectations.Percent(SsprCount, Users),
        ["capable"] = DashboardExpectations.Percent(CapableCount, Users),
        ["securityDefaults"] = SecurityDefaults ? "On" : "Off",
        ["ca"] = CaText,
        ["refreshed"] = RefreshedText,
        ["stale"] = Stale ? "Stale" : string.Empty,
        ["collection"] = Collection,
        ["change"] = ChangeText,
    };

    public object? SortKey(string column) => column switch
    {
        "name" => Name.ToLowerInvariant(),
        "users" => (double)Users,
        "mfa" => Mfa,
        "sspr" => Sspr,
        "capable" => Capable,
        "securityDefaults" => SecurityDefaults ? 1d : 0d,
        "ca" => CaState switch { null => null, "disabled" => 0d, "reportOnly" => 1d, "enabled" => 2d, _ => -1d },
        "refreshed" => (double)Refreshed.Ticks,
        "collection" => Collection == "—" ? null : Collection,
        "trend" => Change,
        _ => throw new ArgumentOutOfRangeException(nameof(column), column, "not a column of the table"),
    };
}
