using System.Globalization;
using System.Net;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Collectors;

/// <summary>
/// docs/collectors.md, "A PowerShell collector", run as written in a real PowerShell 7 against the built app on the
/// page's address (<see cref="ReadmePowerShellSession"/>): the CSV it writes, then the collector
/// twice, as two nights' runs. One upsert per managed tenant: created the first night, updated the second. Then
/// "Dashboards in PowerShell": the delta sync loop and the monthly trend, after a year of backfilled nights.
/// </summary>
[Collection(nameof(ReadmeAddress))]
public sealed class PowerShellCollectorTests
{
    private const string Page = "docs/collectors.md";
    private const string Section = "## A PowerShell collector";
    private const string ReadmeManagingTenant = "4f6a8b2c-0000-4000-8000-000000000002";

    private static readonly (string TenantId, string Name, int Total, int MfaRegistered, int SsprRegistered, bool SecurityDefaults)[] Csv =
    [
        ("2c4d6e8f-0000-4000-8000-0000000000a1", "Contoso Ltd", 200, 140, 130, true),
        ("2c4d6e8f-0000-4000-8000-0000000000a2", "Fabrikam Inc", 80, 20, 15, false),
        ("2c4d6e8f-0000-4000-8000-0000000000a3", "Northwind Traders", 1200, 1100, 900, true),
    ];

    [Fact]
    public async Task The_documented_collector_upserts_each_csv_row_once_creating_on_the_first_run_and_updating_on_the_next()
    {
        var blocks = ReadmePowerShellSession.DocBlocks(Page, Section, "collector-setup", "collector");
        var csv = Path.Combine(ExternalTool.RepositoryRoot, "counts.csv");
        await using var session = await ReadmePowerShellSession.StartAsync();
        try
        {
            var (firstExit, first, firstBecause) = await session.RunAsync(blocks, TimeSpan.FromMinutes(3));
            var (secondExit, second, secondBecause) = await session.RunAsync(blocks, TimeSpan.FromMinutes(3));

            firstExit.Should().Be(0, firstBecause);
            first.Should().Equal(Csv.Select(row => $"201 {row.Name}"), firstBecause);
            secondExit.Should().Be(0, secondBecause);
            second.Should().Equal(Csv.Select(row => $"200 {row.Name}"), secondBecause);
        }
        finally
        {
            File.Delete(csv);
        }

        // What the store holds: one summary per CSV row, with the CSV's counts, found by its tenantId.
        var token = await session.TokenAsync(ReadmeManagingTenant, GraphApi.Read);
        using var client = session.Api.ClientFor(token, TimeSpan.FromSeconds(30));
        using var count = await client.GetAsync($"{GraphApi.Summaries}/$count");
        count.StatusCode.Should().Be(HttpStatusCode.OK);
        (await count.Content.ReadAsStringAsync()).Should().Be("3", "two runs over three rows upserted three summaries");
        foreach (var row in Csv)
        {
            using var response = await client.GetAsync($"{GraphApi.Summaries}(tenantId='{row.TenantId}')");
            var summary = await response.ReadJsonAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, summary.ToString());
            summary.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
            summary.GetProperty("tenantDisplayName").GetString().Should().Be(row.Name);
            summary.GetProperty("totalUserCount").GetInt32().Should().Be(row.Total);
            summary.GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(row.MfaRegistered);
            summary.GetProperty("ssprRegisteredUserCount").GetInt32().Should().Be(row.SsprRegistered);
            summary.GetProperty("securityDefaultsEnabled").GetBoolean().Should().Be(row.SecurityDefaults);
            summary.GetProperty("lastRefreshedDateTime").GetDateTimeOffset().Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
        }
    }

    /// <summary>The delta block's three refreshes: the first look, then one patch and one delete, then nothing new.</summary>
    private static readonly string[] DeltaRefreshes =
    [
        "3 changed, 0 removed, 3 in the copy",
        "1 changed, 1 removed, 2 in the copy",
        "0 changed, 0 removed, 2 in the copy",
    ];

    [Fact]
    public async Task The_documented_dashboards_print_each_delta_refresh_and_thirteen_months_of_trend_oldest_first()
    {
        var csv = Path.Combine(ExternalTool.RepositoryRoot, "counts.csv");
        await using var session = await ReadmePowerShellSession.StartAsync();
        try
        {
            var (collectorExit, collected, collectorBecause) = await session.RunAsync(
                ReadmePowerShellSession.DocBlocks(Page, Section, "collector-setup", "collector"), TimeSpan.FromMinutes(3));
            collectorExit.Should().Be(0, collectorBecause);
            collected.Should().Equal(Csv.Select(row => $"201 {row.Name}"), collectorBecause);

            // A year of nightly runs for Contoso, backfilled: one update on the first of each of the last twelve
            // months (100, 105, … 155 of 200 registered), then tonight's counts again.
            var contoso = Csv[0];
            var token = await session.TokenAsync(ReadmeManagingTenant, GraphApi.ReadWrite);
            using var client = session.Api.ClientFor(token, TimeSpan.FromSeconds(30));
            var now = DateTimeOffset.UtcNow;
            var thisMonth = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
            var expected = new List<string>();
            for (var i = 0; i < 12; i++)
            {
                var month = thisMonth.AddMonths(i - 12);
                var registered = 100 + (5 * i);
                using var backfill = await client.PatchAsync(
                    $"{GraphApi.Summaries}(tenantId='{contoso.TenantId}')",
                    new { mfaRegisteredUserCount = registered, lastRefreshedDateTime = month });
                backfill.StatusCode.Should().Be(HttpStatusCode.OK, await backfill.Content.ReadAsStringAsync());
                expected.Add(TrendLine(month, (double)registered / contoso.Total));
            }

            using var tonight = await client.PatchAsync(
                $"{GraphApi.Summaries}(tenantId='{contoso.TenantId}')",
                new { mfaRegisteredUserCount = contoso.MfaRegistered, lastRefreshedDateTime = now });
            tonight.StatusCode.Should().Be(HttpStatusCode.OK, await tonight.Content.ReadAsStringAsync());
            expected.Add(TrendLine(thisMonth, (double)contoso.MfaRegistered / contoso.Total));

            var blocks = ReadmePowerShellSession.DocBlocks(Page, Section, "collector-setup", "collector").Take(1)
                .Concat(ReadmePowerShellSession.DocBlocks(Page, "## Dashboards in PowerShell", "dashboard-delta", "dashboard-trend"));
            var (exit, lines, because) = await session.RunAsync(blocks, TimeSpan.FromMinutes(3));

            exit.Should().Be(0, because);
            lines.Should().Equal(DeltaRefreshes.Concat(expected), because);
        }
        finally
        {
            File.Delete(csv);
        }
    }

    /// <summary>The trend block's line: the month, then the average share as a percentage rounded to one place.</summary>
    private static string TrendLine(DateTimeOffset month, double share) =>
        $"{month:yyyy-MM} {Math.Round(100 * share, 1).ToString(CultureInfo.InvariantCulture)}% registered for MFA";
}
