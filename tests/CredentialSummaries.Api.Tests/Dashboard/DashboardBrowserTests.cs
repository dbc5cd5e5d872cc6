using System.Text;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.Playwright;

namespace CredentialSummaries.Api.Tests.Dashboard;

/// <summary>
/// The coverage dashboard (docs/dashboard.md) in a real browser: Debian's chromium driven by Microsoft.Playwright against
/// the built app on a real Kestrel port, on this assembly's store. What the page shows is compared with what the test
/// computes from the OData API for the same owner (<see cref="DashboardExpectations"/>).
/// </summary>
public sealed class DashboardBrowserTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private const string Dashboard = "/dashboard";

    // Reads the table's rows, one object per row, by each cell's data-column.
    private const string ReadTable = """
        () => JSON.stringify([...document.querySelectorAll('#tenant-table tbody tr')].map(tr => {
          const cell = (c) => tr.querySelector(`td[data-column="${c}"]`);
          const row = { tenantId: tr.dataset.tenantId };
          for (const c of ['name', 'users', 'mfa', 'sspr', 'capable', 'securityDefaults', 'ca', 'collection']) row[c] = cell(c).textContent;
          row.refreshed = cell('refreshed').querySelector('time')?.textContent ?? cell('refreshed').textContent;
          row.stale = cell('refreshed').querySelector('.badge.stale')?.textContent ?? '';
          row.change = cell('trend').querySelector('.change').textContent;
          row.points = cell('trend').querySelector('svg.sparkline')?.dataset.points ?? null;
          return row;
        }))
        """;

    [Fact]
    public async Task The_headline_and_every_cell_of_every_page_equal_what_the_api_returns_for_the_owner()
    {
        var expected = await ExpectationsAsync(fixture.OwnerA);
        await using var session = await SignedInAsync(fixture.OwnerA);
        var page = session.Page;

        foreach (var (figure, text) in expected.Headline)
        {
            (await page.Locator($"[data-figure='{figure}']").TextContentAsync()).Should().Be(text, $"the headline's {figure}");
        }

        var rows = await AllPagesAsync(page);
        rows.Select(r => r["tenantId"]).Should().Equal(expected.Sorted("name", descending: false).Select(r => r.TenantId), "the table opens sorted by name, all of the owner's tenants over its pages");
        foreach (var row in rows)
        {
            var want = expected.Row(row["tenantId"]!);
            foreach (var (column, text) in want.Cells)
            {
                row[column].Should().Be(text, $"{column} of {want.Name}");
            }
        }

        // The cases the data was made for are on the page: a stale badge, a tenant without users, both collection outcomes.
        rows.Should().Contain(r => r["stale"] == "Stale").And.Contain(r => r["stale"] == string.Empty);
        expected.Row(rows.Single(r => r["users"] == "0")["tenantId"]!).Mfa.Should().BeNull();
        rows.Single(r => r["tenantId"] == fixture.RefusedTenant)["collection"].Should().Be("Skipped (Authorization_RequestDenied)");
        rows.Single(r => r["tenantId"] == fixture.CollectedTenant)["collection"].Should().Be("Collected");

        // The sparkline of a tenant with history is its last 12 monthly MFA points, from the raw snapshots (AllPagesAsync ends on page 1).
        await WaitForSparklinesAsync(page);
        foreach (var history in fixture.HistoryTenants)
        {
            var want = expected.MonthlyPoints(history, DashboardExpectations.LastMonths(12)).Select(p => p.Mfa.TrimEnd('%').Replace("—", string.Empty, StringComparison.Ordinal));
            var points = await page.Locator($"#tenant-table tr[data-tenant-id='{history}'] svg.sparkline").GetAttributeAsync("data-points");
            points.Should().Be(string.Join(',', want), $"the sparkline of {expected.Row(history).Name}");
        }

        // "Dropped since last month" lists exactly the tenants whose MFA share fell.
        var dropped = await page.Locator("#dropped-list li").EvaluateAllAsync<string[]>("items => items.map(li => li.dataset.tenantId)");
        dropped.Should().BeEquivalentTo(expected.Rows.Where(r => r.Dropped).Select(r => r.TenantId)).And.NotBeEmpty();

        await page.Locator("#headline").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(DashboardFixture.Results, "dashboard-headline.png") });
        await page.Locator("#tenants").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(DashboardFixture.Results, "dashboard-table.png") });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardFixture.Results, "dashboard.png"), FullPage = false });
        session.OffOrigin.Should().BeEmpty();
    }

    [Theory]
    [InlineData("name")]
    [InlineData("users")]
    [InlineData("mfa")]
    [InlineData("sspr")]
    [InlineData("capable")]
    [InlineData("securityDefaults")]
    [InlineData("ca")]
    [InlineData("refreshed")]
    [InlineData("collection")]
    [InlineData("trend")]
    public async Task Each_column_sorts_the_rows_both_ways_with_missing_values_last(string column)
    {
        var expected = await ExpectationsAsync(fixture.OwnerA);
        await using var session = await SignedInAsync(fixture.OwnerA);
        var page = session.Page;
        var header = page.Locator($"#tenant-table th[data-column='{column}']");

        // By keyboard: the column's button takes focus and Enter sorts.
        await header.Locator("button").FocusAsync();
        await page.Keyboard.PressAsync("Enter");

        // The table opened sorted by name ascending, so a press on the name turns it around; any other starts ascending.
        var first = column == "name" ? "descending" : "ascending";
        (await header.GetAttributeAsync("aria-sort")).Should().Be(first);
        (await AllPagesAsync(page)).Select(r => r["tenantId"]).Should().Equal(
            expected.Sorted(column, descending: column == "name").Select(r => r.TenantId), $"sorted by {column}, {first}");

        await header.Locator("button").ClickAsync();
        var second = column == "name" ? "ascending" : "descending";
        (await header.GetAttributeAsync("aria-sort")).Should().Be(second);
        (await AllPagesAsync(page)).Select(r => r["tenantId"]).Should().Equal(
            expected.Sorted(column, descending: column != "name").Select(r => r.TenantId), $"sorted by {column}, {second}");
        (await page.Locator("#tenant-table th[aria-sort]").CountAsync()).Should().Be(1, "only the sorted column says so");
    }

    [Fact]
    public async Task The_name_weak_and_dropped_filters_keep_exactly_the_rows_they_name_and_say_how_many()
    {
        var expected = await ExpectationsAsync(fixture.OwnerA);
        await using var session = await SignedInAsync(fixture.OwnerA);
        var page = session.Page;

        await page.Locator("#name-filter").FillAsync("CONTOSO 1");
        var byName = expected.Sorted("name", false, expected.Rows.Where(r => r.Name.Contains("contoso 1", StringComparison.OrdinalIgnoreCase)));
        byName.Should().NotBeEmpty();
        (await AllPagesAsync(page)).Select(r => r["tenantId"]).Should().Equal(byName.Select(r => r.TenantId), "the name filter ignores case");
        (await page.Locator("#table-status").TextContentAsync()).Should().Be($"{byName.Count} of {expected.Rows.Count} tenants match the filters.");

        await page.Locator("#name-filter").FillAsync(string.Empty);
        await page.Locator("#weak-filter").CheckAsync();
        var weak = expected.Sorted("name", false, expected.Rows.Where(DashboardExpectations.IsWeak));
        weak.Should().NotBeEmpty().And.HaveCountLessThan(expected.Rows.Count);
        (await AllPagesAsync(page)).Select(r => r["tenantId"]).Should().Equal(weak.Select(r => r.TenantId), "weak is an MFA share below 50%");

        await page.Locator("#dropped-filter").CheckAsync();
        var weakAndDropped = expected.Sorted("name", false, expected.Rows.Where(r => DashboardExpectations.IsWeak(r) && r.Dropped));
        (await AllPagesAsync(page)).Select(r => r["tenantId"]).Should().Equal(weakAndDropped.Select(r => r.TenantId), "the filters combine");
        await page.Locator("#weak-filter").UncheckAsync();
        (await AllPagesAsync(page)).Select(r => r["tenantId"]).Should().Equal(
            expected.Sorted("name", false, expected.Rows.Where(r => r.Dropped)).Select(r => r.TenantId));
        (await page.Locator("#weak-label").TextContentAsync()).Should().Be("Weak only (MFA below 50%)");
    }

    [Fact]
    public async Task A_second_owners_tenants_never_appear_on_the_page_or_in_the_csv_and_no_request_leaves_the_origin()
    {
        var expected = await ExpectationsAsync(fixture.OwnerA);
        await using var session = await SignedInAsync(fixture.OwnerA);
        var page = session.Page;
        var html = new StringBuilder();
        do
        {
            html.Append(await page.ContentAsync());
            if (await page.Locator("#next-page").IsDisabledAsync())
            {
                break;
            }

            await page.Locator("#next-page").ClickAsync();
            await WaitForSparklinesAsync(page);
        }
        while (true);

        await page.Locator("#tenant-table th[data-column='name'] button").ClickAsync();
        var csv = await DownloadCsvAsync(page);
        foreach (var (tenantId, name) in fixture.OtherOwnersTenants)
        {
            html.ToString().Should().NotContain(tenantId).And.NotContain(name);
            csv.Should().NotContain(tenantId).And.NotContain(name);
        }

        csv.Should().Contain(expected.Rows[0].TenantId, "the export is of the owner's tenants");
        session.OffOrigin.Should().BeEmpty("the page and everything it reads come from the app");
        var paths = session.Requests.Select(u => u.AbsolutePath).ToList();
        paths.Should().OnlyContain(p => p == Dashboard || p.StartsWith(Dashboard + "/", StringComparison.Ordinal) || p.StartsWith(GraphApi.V1Root + "/", StringComparison.Ordinal),
            "the page reads its data only through the OData API, nothing private");
        paths.Should().Contain(GraphApi.Summaries).And.Contain(GraphApi.V1Root + "/credentialUserRegistrationsSummarySnapshots");

        // Owner B, signed in on the same page, sees its three tenants and none of A's.
        await page.Locator("#sign-out").ClickAsync();
        (await page.Locator("#message").TextContentAsync()).Should().StartWith("You signed out.");
        await SignInAsync(page, fixture.ReadToken(fixture.OwnerB));
        var rows = await AllPagesAsync(page);
        rows.Select(r => r["tenantId"]).Should().BeEquivalentTo(fixture.OtherOwnersTenants.Select(t => t.TenantId));
        (await page.Locator("[data-figure='tenants']").TextContentAsync()).Should().Be("3");
        (await page.ContentAsync()).Should().NotContain(expected.Rows[0].TenantId);
    }

    [Fact]
    public async Task The_csv_is_the_table_same_rows_same_order_same_numbers_in_utf8_with_a_header_row()
    {
        var expected = await ExpectationsAsync(fixture.OwnerA);
        await using var session = await SignedInAsync(fixture.OwnerA);
        var page = session.Page;
        await page.Locator("#tenant-table th[data-column='mfa'] button").ClickAsync();
        await page.Locator("#name-filter").FillAsync("Ltd");
        var table = await AllPagesAsync(page);
        table.Should().HaveCountGreaterThan(20);

        var (bytes, name) = await DownloadAsync(page);
        name.Should().MatchRegex(@"^coverage-\d{4}-\d{2}-\d{2}\.csv$");
        bytes.Take(3).Should().Equal([0xEF, 0xBB, 0xBF], "UTF-8 with a byte order mark, so a spreadsheet reads it as UTF-8");
        var lines = ParseCsv(Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3));
        lines[0].Should().Equal("Tenant", "Tenant ID", "Users", "MFA %", "SSPR %", "Capable %", "Security defaults", "MFA CA policy",
            "Last refreshed", "Stale", "Last collection", "MFA change (pts)");
        lines.Skip(1).Should().HaveCount(table.Count);
        foreach (var (line, row) in lines.Skip(1).Zip(table))
        {
            var want = expected.Row(row["tenantId"]!);
            string Number(string? cell) => cell is "—" or null ? string.Empty : cell.TrimEnd('%').Replace(",", string.Empty, StringComparison.Ordinal);
            line.Should().Equal(
                row["name"]!.StartsWith('=') ? "'" + row["name"] : row["name"],
                row["tenantId"],
                Number(row["users"]),
                Number(row["mfa"]),
                Number(row["sspr"]),
                Number(row["capable"]),
                row["securityDefaults"],
                row["ca"] == "—" ? string.Empty : row["ca"],
                want.Refreshed.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
                row["stale"] == "Stale" ? "Yes" : "No",
                row["collection"] == "—" ? string.Empty : row["collection"],
                row["change"] == "—" ? string.Empty : row["change"]!.Replace(" pts", string.Empty, StringComparison.Ordinal).TrimStart('+'));
        }

        // The names a spreadsheet would run as a formula, or that need quoting, survive as text; a fall stays a number.
        var all = await DownloadCsvAsync(page, clearFilters: true);
        all.Should().Contain("'=SUM(A1) Formula Ltd").And.Contain("\"Quote \"\"and\"\", comma Ltd\"");
        ParseCsv(all.TrimStart('\uFEFF')).Skip(1).Select(l => l[11]).Should().Contain(change => change.StartsWith('-'), "the dropped tenants' falls")
            .And.NotContain(change => change.StartsWith('\''), "a negative number is no formula: it stays a number");
    }

    [Fact]
    public async Task A_tenants_drill_down_shows_its_13_monthly_points_equal_to_an_apply_over_the_history_and_closes_with_escape()
    {
        var expected = await ExpectationsAsync(fixture.OwnerA);
        var tenant = fixture.HistoryTenants[2];
        var months = DashboardExpectations.LastMonths(13);

        // The same points straight from the API: one $apply over the history, grouped by month.
        using var reader = fixture.App.Api.ClientFor(fixture.ReadToken(fixture.OwnerA), TimeSpan.FromSeconds(30));
        var apply = await DashboardExpectations.AllAsync(reader, $"{GraphApi.V1Root}/credentialUserRegistrationsSummarySnapshots?$apply="
            + Uri.EscapeDataString($"filter(tenantId eq '{tenant}' and month ge '{months[0]}')/groupby((month),aggregate(mfaRegisteredUserCount with sum as mfa,"
                + "ssprRegisteredUserCount with sum as sspr,mfaAndSsprCapableUserCount with sum as capable,totalUserCount with sum as users))"));
        apply.Should().HaveCount(13, "the tenant has a snapshot in each of the last 13 months");
        var fromApply = months.Select(month =>
        {
            var point = apply.Single(p => p.GetProperty("month").GetString() == month);
            var users = point.GetProperty("users").GetInt64();
            string Of(string name) => DashboardExpectations.Percent(point.GetProperty(name).GetInt64(), users);
            return (month, Of("mfa"), Of("sspr"), Of("capable"));
        }).ToList();
        fromApply.Should().Equal(expected.MonthlyPoints(tenant, months), "the $apply sums what the raw snapshots hold");

        await using var session = await SignedInAsync(fixture.OwnerA);
        var page = session.Page;
        await page.Locator("#name-filter").FillAsync(expected.Row(tenant).Name);
        var opener = page.Locator($"#tenant-table tr[data-tenant-id='{tenant}'] td[data-column='name'] button");
        await opener.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        var dialog = page.Locator("#drill-down[data-state='loaded']");
        await dialog.WaitForAsync();
        (await page.Locator("#drill-down-title").TextContentAsync()).Should().Be($"{expected.Row(tenant).Name}: the last 13 months");
        var shown = await page.Locator("#drill-down-table tbody tr").EvaluateAllAsync<string[][]>(
            "rows => rows.map(tr => [tr.querySelector('th').textContent, ...[...tr.querySelectorAll('td')].map(td => td.textContent)])");
        shown.Select(r => (r[0], r[1], r[2], r[3])).Should().Equal(fromApply);
        (await page.Locator("#drill-down-chart circle.series-mfa").CountAsync()).Should().Be(13, "the chart draws each month's point");
        var lines = await page.Locator("#drill-down-chart polyline").EvaluateAllAsync<string[]>("lines => lines.map(l => `${l.getAttribute('class')} ${getComputedStyle(l).fill}`)");
        lines.Should().Equal(["series-mfa none", "series-sspr none", "series-capable none"], "each percentage is a line, not a filled shape");
        (await page.Locator("#drill-down-chart svg").GetAttributeAsync("aria-label")).Should().Contain("the table below has the figures");
        await page.Locator("#drill-down").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(DashboardFixture.Results, "dashboard-drill-down.png") });

        await page.Keyboard.PressAsync("Escape");
        (await page.Locator("#drill-down").IsVisibleAsync()).Should().BeFalse();
        (await page.EvaluateAsync<string?>("() => document.activeElement?.closest('tr')?.dataset.tenantId")).Should().Be(tenant, "focus returns to the tenant's name");
        session.OffOrigin.Should().BeEmpty();
    }

    [Fact]
    public async Task A_missing_an_expired_and_a_refused_token_each_get_a_clear_message_and_the_sign_in_form()
    {
        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await page.GotoAsync(new Uri(session.BaseAddress, Dashboard).ToString());
        await page.Locator("body[data-state='signed-out']").WaitForAsync();
        (await page.Locator("#message").TextContentAsync()).Should().Be("You are not signed in: paste a development token to see your managed tenants.");
        (await page.Locator("#token-input").IsVisibleAsync()).Should().BeTrue();
        (await page.Locator("#sign-in pre").TextContentAsync()).Should().Contain("dotnet user-jwts create");
        (await page.Locator("#headline").IsVisibleAsync()).Should().BeFalse();

        var expiredAt = DateTime.UtcNow.AddHours(-2);
        await page.Locator("#token-input").FillAsync(fixture.App.ExpiredToken(fixture.OwnerA, GraphApi.Read, expiredAt));
        await page.Locator("#token-form button[type='submit']").ClickAsync();
        (await page.Locator("#message").TextContentAsync()).Should().Be(
            $"This development token expired at {expiredAt:yyyy-MM-dd HH:mm} UTC. Make a new one with dotnet user-jwts create and paste it below.");

        // A token the service does not accept (another key signed it): the service's own 401 message.
        var foreign = TokenMinter.UserJwt(new byte[32], DevelopmentApiFactory.UserJwtsAudience, fixture.OwnerA, GraphApi.Read);
        await page.Locator("#token-input").FillAsync(foreign);
        await page.Locator("#token-form button[type='submit']").ClickAsync();
        await page.Locator("#message").Filter(new LocatorFilterOptions { HasTextString = "The service refused the token (401" }).WaitForAsync();
        (await page.Locator("#token-input").IsVisibleAsync()).Should().BeTrue("the form is back for another token");
        (await page.EvaluateAsync<string?>("() => sessionStorage.getItem('credentialSummaries.dashboard.token')")).Should().BeNull("a refused token is forgotten");

        await page.Locator("#token-input").FillAsync("not a token");
        await page.Locator("#token-form button[type='submit']").ClickAsync();
        (await page.Locator("#message").TextContentAsync()).Should().StartWith("That is not a token");
        session.OffOrigin.Should().BeEmpty();
    }

    [Theory]
    [InlineData(1280, 900)]
    [InlineData(390, 844)]
    public async Task The_page_fits_its_width_at_1280_pixels_and_on_a_phone_with_the_table_scrolling_inside_its_frame(int width, int height)
    {
        await using var session = await SignedInAsync(fixture.OwnerA, width, height);
        var page = session.Page;
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth")).Should().BeTrue("nothing but the table's frame scrolls sideways");
        (await page.Locator("[data-figure='tenants']").IsVisibleAsync()).Should().BeTrue();
        (await page.Locator("#tenant-table").IsVisibleAsync()).Should().BeTrue();
        if (width < 500)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardFixture.Results, "dashboard-phone.png") });
        }
    }

    private async Task<DashboardExpectations> ExpectationsAsync(string owner)
    {
        using var reader = fixture.App.Api.ClientFor(fixture.ReadToken(owner), TimeSpan.FromSeconds(30));
        return await DashboardExpectations.ReadAsync(reader);
    }

    private async Task<DashboardFixture.Session> SignedInAsync(string owner, int width = 1280, int height = 900)
    {
        var session = await fixture.OpenAsync(width, height);
        await session.Page.GotoAsync(new Uri(session.BaseAddress, Dashboard).ToString());
        await SignInAsync(session.Page, fixture.ReadToken(owner));
        return session;
    }

    private static async Task SignInAsync(IPage page, string token)
    {
        await page.Locator("#token-input").FillAsync(token);
        await page.Locator("#token-form button[type='submit']").ClickAsync();
        await page.Locator("body[data-state='loaded']").WaitForAsync();
        await WaitForSparklinesAsync(page);
    }

    private static async Task WaitForSparklinesAsync(IPage page) =>
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#tenant-table tbody tr')].every(tr => tr.querySelector('svg.sparkline'))");

    /// <summary>Every row of every page of the table as it stands, paging forward from the first page and back to it.</summary>
    private static async Task<List<Dictionary<string, string?>>> AllPagesAsync(IPage page)
    {
        while (!await page.Locator("#previous-page").IsDisabledAsync())
        {
            await page.Locator("#previous-page").ClickAsync();
        }

        var rows = new List<Dictionary<string, string?>>();
        while (true)
        {
            await WaitForSparklinesAsync(page);
            rows.AddRange(JsonSerializer.Deserialize<List<Dictionary<string, string?>>>(await page.EvaluateAsync<string>(ReadTable))!);
            if (await page.Locator("#next-page").IsDisabledAsync())
            {
                break;
            }

            await page.Locator("#next-page").ClickAsync();
        }

        while (!await page.Locator("#previous-page").IsDisabledAsync())
        {
            await page.Locator("#previous-page").ClickAsync();
        }

        return rows;
    }

    private static async Task<(byte[] Bytes, string Name)> DownloadAsync(IPage page)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#export-csv").ClickAsync());
        await using var stream = await download.CreateReadStreamAsync();
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return (copy.ToArray(), download.SuggestedFilename);
    }

    private static async Task<string> DownloadCsvAsync(IPage page, bool clearFilters = false)
    {
        if (clearFilters)
        {
            await page.Locator("#name-filter").FillAsync(string.Empty);
        }

        var (bytes, _) = await DownloadAsync(page);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>RFC 4180: fields split by commas, quoted when they hold a comma, quote or line break; lines end with CRLF.</summary>
    private static List<string[]> ParseCsv(string text)
    {
        var lines = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                lines.Add([.. fields]);
                fields.Clear();
                i++;
            }
            else
            {
                field.Append(c);
            }
        }

        text.Should().EndWith("\r\n", "every line ends with CRLF, the last one too");
        return lines;
    }
}
