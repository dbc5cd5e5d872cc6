using System.Buffers.Text;
using System.Text;
using System.Net;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Controllers;

public sealed class PagingTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    
    private readonly TestTenant tenant = new(factory);

    [Fact]
    public async Task Walking_next_links_over_10000_rows_returns_every_row_once_in_order_while_rows_are_inserted()
    {
        await StartAsync();
        await InsertRowsAsync(10_000, i => (Name: $"Tenant {i:D5}", Total: 1000 + (i % 37), SecurityDefaults: i % 4 != 0));
        var expected = Enumerable.Range(0, 10_000)
            .Where(i => i % 4 != 0)
            .Select(i => (Total: 1000 + (i % 37), Name: $"Tenant {i:D5}"))
            .ToList();

        var url = $"{GraphApi.Summaries}?$filter=securityDefaultsEnabled eq true&$orderby=totalUserCount desc,tenantDisplayName&$select=tenantDisplayName,totalUserCount,id&$count=true";
        var seen = new List<(int Total, string Name, string Id)>();
        var pages = 0;
        while (url is not null)
        {
            using var response = await tenant.Reader.GetAsync(url);
            var json = await response.ReadJsonAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
            if (pages == 0)
            {
                json.GetProperty("@odata.count").GetInt32().Should().Be(expected.Count);
            }

            seen.AddRange(json.GetProperty("value").EnumerateArray().Select(e =>
                (e.GetProperty("totalUserCount").GetInt32(), e.GetProperty("tenantDisplayName").GetString()!, e.Id())));
            pages++;

            // Rows that sort before the cursor, after it, and at its very value arrive between pages.
            await tenant.Writer.CreateAsync(Row($"Inserted {pages:D3} early", 1040, true));
            await tenant.Writer.CreateAsync(Row($"Inserted {pages:D3} late", 990, true));
            await tenant.Writer.CreateAsync(Row($"Inserted {pages:D3} hidden", 1010, false));

            url = json.TryGetProperty("@odata.nextLink", out var next) ? next.GetString() : null;
            if (url is not null)
            {
                var link = Uri.UnescapeDataString(url);
                link.Should().StartWith($"http://localhost{GraphApi.Summaries}?");
                link.Should().Contain("$skiptoken=").And.NotContain("$skip=");
                link.Should().Contain("$filter=securityDefaultsEnabled eq true").And.Contain("$orderby=totalUserCount desc,tenantDisplayName")
                    .And.Contain("$select=tenantDisplayName,totalUserCount,id");
            }
        }

        seen.Select(s => s.Id).Should().OnlyHaveUniqueItems();
        seen.Select(s => (s.Total, s.Name)).Should().BeInDescendingOrder(Comparer<(int Total, string Name)>.Create((a, b) =>
            a.Total != b.Total ? a.Total.CompareTo(b.Total) : string.CompareOrdinal(b.Name, a.Name)));
        seen.Where(s => s.Name.StartsWith("Tenant ", StringComparison.Ordinal)).Select(s => (s.Total, s.Name))
            .Should().Equal(expected.OrderByDescending(e => e.Total).ThenBy(e => e.Name, StringComparer.Ordinal));
        seen.Should().NotContain(s => s.Name.Contains("hidden", StringComparison.Ordinal));
        seen.Where(s => s.Name.EndsWith("late", StringComparison.Ordinal)).Should().NotBeEmpty("rows inserted after the cursor are reached");
        pages.Should().Be((expected.Count / 100) + 1);
    }

    [Fact]
    public async Task The_skiptoken_is_opaque_and_a_forged_altered_or_foreign_one_is_refused_changing_nothing()
    {
        for (var i = 0; i < 3; i++)
        {
            await tenant.Writer.CreateAsync(Row($"Secret name {i}", 200, true));
        }

        var next = await FirstNextLinkAsync(tenant.Reader, "$orderby=tenantDisplayName");
        var token = SkipTokenOf(next);

        token.Should().MatchRegex("^[A-Za-z0-9_-]+$").And.NotContain("Secret");
        Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token)).Should().NotContain("Secret", "the cursor is encrypted, not encoded");
        var altered = token[..^2] + (token[^2] == 'A' ? 'B' : 'A') + token[^1];
        var plainBase64 = Base64Url.EncodeToString(Encoding.UTF8.GetBytes("tenantDisplayName-'Secret name 0',id-'x'"));
        foreach (var forged in new[] { "tenantDisplayName-'Secret'", plainBase64, altered, token + "AAAA", "%00" })
        {
            using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?$orderby=tenantDisplayName&$skiptoken={forged}");
            await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "$skiptoken", "not one this service issued");
        }

        var stranger = new TestTenant(factory);
        await stranger.Writer.CreateAsync(Row("Stranger's own", 200, true));
        using var foreign = await stranger.Reader.GetAsync(next);
        await foreign.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "$skiptoken");

        using var genuine = await tenant.Reader.GetAsync(next);
        var page = await genuine.ReadJsonAsync();
        genuine.StatusCode.Should().Be(HttpStatusCode.OK, page.ToString());
        page.GetProperty("value")[0].GetProperty("tenantDisplayName").GetString().Should().Be("Secret name 1");
    }

    [Fact]
    public async Task A_skiptoken_is_honoured_after_a_restart_and_by_another_host_on_the_same_database()
    {
        using var database = TestDatabase.Create();
        var owner = Guid.NewGuid().ToString();
        string next;
        using (var first = new DatabaseReusingFactory(database))
        {
            var writer = first.ClientFor(TokenMinter.Delegated(owner, GraphApi.ReadWrite));
            for (var i = 0; i < 3; i++)
            {
                await writer.CreateAsync(Row($"Kept {i}", 200, true));
            }

            next = await FirstNextLinkAsync(writer, "$orderby=tenantDisplayName");
        }

        using var second = new DatabaseReusingFactory(database);
        using var third = new DatabaseReusingFactory(database);
        foreach (var host in new[] { second, third })
        {
            using var response = await host.ClientFor(TokenMinter.Delegated(owner, GraphApi.Read)).GetAsync(next);
            var page = await response.ReadJsonAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, page.ToString());
            page.GetProperty("value")[0].GetProperty("tenantDisplayName").GetString().Should().Be("Kept 1");
        }
    }

    private static async Task<string> FirstNextLinkAsync(HttpClient client, string query)
    {
        using var first = await client.SendAsync(
            GraphApi.Request(HttpMethod.Get, $"{GraphApi.Summaries}?{query}", null, ("Prefer", "odata.maxpagesize=1")));
        var json = await first.ReadJsonAsync();
        first.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        return json.GetProperty("@odata.nextLink").GetString()!;
    }

    private static string SkipTokenOf(string link) =>
        Uri.UnescapeDataString(new Uri(link).Query).Split('&').Single(p => p.Contains("skiptoken", StringComparison.Ordinal)).Split('=', 2)[1];

    private sealed class DatabaseReusingFactory(TestDatabase database) : SummariesApiFactory(database);

    [Fact]
    public async Task Prefer_maxpagesize_makes_smaller_pages_and_is_confirmed_in_preference_applied()
    {
        for (var i = 0; i < 12; i++)
        {
            await tenant.Writer.CreateAsync(Row($"Small {i:D2}", 200, true));
        }

        var url = $"{GraphApi.Summaries}?$orderby=tenantDisplayName";
        var names = new List<string>();
        while (url is not null)
        {
            using var response = await tenant.Reader.SendAsync(GraphApi.Request(HttpMethod.Get, url, null, ("Prefer", "odata.maxpagesize=5")));
            var json = await response.ReadJsonAsync();
            response.Headers.GetValues("Preference-Applied").Should().Equal("odata.maxpagesize=5");
            names.AddRange(json.GetProperty("value").EnumerateArray().Select(e => e.GetProperty("tenantDisplayName").GetString()!));
            json.GetProperty("value").GetArrayLength().Should().BeLessThanOrEqualTo(5);
            url = json.TryGetProperty("@odata.nextLink", out var next) ? next.GetString() : null;
        }

        names.Should().Equal(Enumerable.Range(0, 12).Select(i => $"Small {i:D2}"));
    }

    [Fact]
    public async Task Prefer_maxpagesize_without_the_odata_prefix_is_honoured_too()
    {
        for (var i = 0; i < 3; i++)
        {
            await tenant.Writer.CreateAsync();
        }

        using var response = await tenant.Reader.SendAsync(GraphApi.Request(HttpMethod.Get, GraphApi.Summaries, null, ("Prefer", "maxpagesize=2")));

        var json = await response.ReadJsonAsync();
        response.Headers.GetValues("Preference-Applied").Should().Equal("maxpagesize=2");
        json.GetProperty("value").GetArrayLength().Should().Be(2);
        json.GetProperty("@odata.nextLink").GetString().Should().Contain("skiptoken");
    }

    [Fact]
    public async Task Prefer_maxpagesize_above_the_server_page_size_is_capped_at_100()
    {
        for (var i = 0; i < 3; i++)
        {
            await tenant.Writer.CreateAsync();
        }

        using var response = await tenant.Reader.SendAsync(GraphApi.Request(HttpMethod.Get, GraphApi.Summaries, null, ("Prefer", "odata.maxpagesize=500")));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.GetValues("Preference-Applied").Should().Equal("odata.maxpagesize=100");
        (await response.ReadJsonAsync()).GetProperty("value").GetArrayLength().Should().Be(3);
    }

    [Fact]
    public async Task Paging_ordered_by_a_property_with_nulls_returns_every_row_once()
    {
        for (var i = 0; i < 9; i++)
        {
            var body = Row($"Licensed {i}", 200, true);
            body["tenantLicenseType"] = i % 3 == 0 ? null : $"AADPremium{i % 3}";
            await tenant.Writer.CreateAsync(body);
        }

        var url = $"{GraphApi.Summaries}?$orderby=tenantLicenseType desc";
        var ids = new List<string>();
        while (url is not null)
        {
            using var response = await tenant.Reader.SendAsync(GraphApi.Request(HttpMethod.Get, url, null, ("Prefer", "odata.maxpagesize=2")));
            var json = await response.ReadJsonAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
            ids.AddRange(json.GetProperty("value").EnumerateArray().Select(e => e.Id()));
            url = json.TryGetProperty("@odata.nextLink", out var next) ? next.GetString() : null;
        }

        ids.Should().HaveCount(9).And.OnlyHaveUniqueItems();
    }

    private static Dictionary<string, object?> Row(string name, int total, bool securityDefaults)
    {
        var body = GraphApi.SeedBody();
        body["tenantDisplayName"] = name;
        body["totalUserCount"] = total;
        body["securityDefaultsEnabled"] = securityDefaults;
        body["mfaAndSsprCapableUserCount"] = 0;
        body["ssprEnabledUserCount"] = 0;
        body["mfaRegisteredUserCount"] = 0;
        body["ssprRegisteredUserCount"] = 0;
        return body;
    }

    private async Task StartAsync()
    {
        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/$count");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    /// <summary>Arranges many rows straight in the database, in one transaction: 10,000 POSTs would dominate the test.</summary>
    private async Task InsertRowsAsync(int count, Func<int, (string Name, int Total, bool SecurityDefaults)> row)
    {
        string[] columns =
        [
            "OwnerTenantId", "Id", "TenantId", "TenantDisplayName", "TotalUserCount", "SecurityDefaultsEnabled", "LastRefreshedDateTime",
            "ConcurrencyStamp", "MfaAndSsprCapableUserCount", "SsprEnabledUserCount", "MfaRegisteredUserCount", "SsprRegisteredUserCount",
            "MfaExcludedUserCount",
        ];
        var sql = $"""
            INSERT INTO {TestDatabase.Quote("CredentialUserRegistrationsSummaries")} ({string.Join(", ", columns.Select(TestDatabase.Quote))})
            VALUES (@owner, @id, @tenantId, @name, @total, @securityDefaults, @refreshed, @stamp, 0, 0, 0, 0, 0)
            """;
        // The column holds a UTC DateTime: EF Core's text form on SQLite, a timestamp on PostgreSQL.
        object refreshed = factory.Database.Provider == StoreProvider.Sqlite
            ? "2026-11-24 07:00:00"
            : new DateTime(2026, 11, 24, 7, 0, 0, DateTimeKind.Utc);
        await factory.Database.ExecuteAsync(sql, Enumerable.Range(0, count).Select(i =>
        {
            var (name, total, securityDefaults) = row(i);
            return (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>
            {
                ["owner"] = tenant.Id,
                ["id"] = Guid.NewGuid().ToString(),
                ["tenantId"] = Guid.NewGuid().ToString(),
                ["name"] = name,
                ["total"] = total,
                ["securityDefaults"] = securityDefaults,
                ["refreshed"] = refreshed,
                ["stamp"] = Guid.NewGuid().ToString("N"),
            };
        }));
    }
}
