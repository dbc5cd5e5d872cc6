using System.Globalization;
using System.Net;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.OData.Edm;
using Microsoft.OData.Edm.Vocabularies;

namespace CredentialSummaries.Api.Tests.Collectors;

/// <summary>
/// Issue 11, the history: every create and update of a summary keeps a snapshot of its counts, read at
/// <c>…/credentialUserRegistrationsSummarySnapshots</c> with the list's query options and <c>$apply</c>, in SQL, on
/// the assembly's store (SQLite here, PostgreSQL in the other test project).
/// </summary>
public sealed class HistoryTests(SqlCapturingFactory factory) : IClassFixture<SqlCapturingFactory>
{
    public const string Snapshots = GraphApi.V1Root + "/credentialUserRegistrationsSummarySnapshots";
    public const string BetaSnapshots = GraphApi.BetaRoot + "/credentialUserRegistrationsSummarySnapshots";
    private const string SnapshotType = "microsoft.graph.managedTenants.credentialUserRegistrationsSummarySnapshot";

    /// <summary>Dashboard query 1, as docs/collectors.md gives it: tenant X's MFA-registered share per month over a year.</summary>
    public static string MonthlyTrendApply(string tenantId, DateTime yearAgo) =>
        $"filter(tenantId eq '{tenantId}' and lastRefreshedDateTime ge {yearAgo.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)})" +
        "/groupby((month),aggregate(mfaRegisteredShare with average as averageMfaRegisteredShare," +
        "mfaRegisteredUserCount with max as maxMfaRegisteredUserCount,totalUserCount with max as maxTotalUserCount))";

    /// <summary>Dashboard query 2, as docs/collectors.md gives it: the tenants whose MFA-registered share dropped since last month.</summary>
    public static string DroppedSinceLastMonthApply(string month) =>
        $"filter(month eq '{month}')" +
        "/groupby((tenantId,tenantDisplayName),aggregate(mfaRegisteredShare with min as lowestMfaRegisteredShare," +
        "previousMonthMfaRegisteredShare with max as previousMfaRegisteredShare))" +
        "/filter(lowestMfaRegisteredShare lt previousMfaRegisteredShare)";

    private readonly TestTenant owner = new(factory);

    private static DateTime ThisMonth
    {
        get
        {
            var now = DateTime.UtcNow;
            return new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        }
    }

    private static string Iso(DateTime utc) => utc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string MonthOf(DateTime utc) => utc.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    [Fact]
    public async Task After_12_monthly_updates_the_monthly_trend_returns_the_13_snapshots_values_in_month_order_from_one_grouped_sql_query()
    {
        var tenantId = Guid.NewGuid().ToString();
        var yearAgo = ThisMonth.AddMonths(-12);
        static (int Mfa, int Total) Counts(int i) => (100 + (7 * i), 200 + (10 * i));
        var created = await owner.Writer.CreateAsync(Body(tenantId, "Contoso Ltd", Counts(0).Mfa, Counts(0).Total, yearAgo));
        for (var i = 1; i <= 12; i++)
        {
            using var patched = await owner.Writer.PatchAsync($"{GraphApi.Summaries}/{created.Id()}", new Dictionary<string, object>
            {
                ["mfaRegisteredUserCount"] = Counts(i).Mfa,
                ["totalUserCount"] = Counts(i).Total,
                ["lastRefreshedDateTime"] = Iso(yearAgo.AddMonths(i)),
            });
            patched.StatusCode.Should().Be(HttpStatusCode.OK, await patched.Content.ReadAsStringAsync());
        }

        factory.Entries.Clear();
        var rows = await GetValuesAsync(owner.Reader,
            $"{Snapshots}?$apply={Uri.EscapeDataString(MonthlyTrendApply(tenantId, yearAgo))}&$orderby=month");

        rows.Select(r => (
                r.GetProperty("month").GetString(),
                r.GetProperty("averageMfaRegisteredShare").GetDouble(),
                r.GetProperty("maxMfaRegisteredUserCount").GetInt32(),
                r.GetProperty("maxTotalUserCount").GetInt32()))
            .Should().Equal(Enumerable.Range(0, 13).Select(i => (
                (string?)MonthOf(yearAgo.AddMonths(i)),
                (double)Counts(i).Mfa / Counts(i).Total,
                Counts(i).Mfa,
                Counts(i).Total)));
        var sql = factory.Commands.Should().ContainSingle("the trend is one statement, not rows filtered in memory").Subject;
        sql.Should().Contain("GROUP BY").And.Contain("ORDER BY").And.ContainEquivalentOf("AVG(").And.ContainEquivalentOf("MAX(")
            .And.Contain("\"OwnerTenantId\" =").And.Contain("\"TenantId\" =").And.Contain("\"LastRefreshedDateTime\" >=");
    }

    [Fact]
    public async Task Dropped_since_last_month_returns_exactly_the_tenants_whose_share_fell_computed_in_sql()
    {
        var lastMonth = ThisMonth.AddMonths(-1).AddDays(14);
        var fell = await CreateAndUpdateAsync(owner, "Fell", (80, 100, lastMonth), (70, 100, ThisMonth));
        await CreateAndUpdateAsync(owner, "Rose", (50, 100, lastMonth), (60, 100, ThisMonth));
        await CreateAndUpdateAsync(owner, "New", (10, 100, ThisMonth));
        // Another owner's tenant that fell is not this owner's business.
        await CreateAndUpdateAsync(new TestTenant(factory), "Foreign fell", (90, 100, lastMonth), (10, 100, ThisMonth));

        factory.Entries.Clear();
        var rows = await GetValuesAsync(owner.Reader, $"{Snapshots}?$apply={Uri.EscapeDataString(DroppedSinceLastMonthApply(MonthOf(ThisMonth)))}");

        var row = rows.Should().ContainSingle().Subject;
        row.GetProperty("tenantId").GetString().Should().Be(fell);
        row.GetProperty("tenantDisplayName").GetString().Should().Be("Fell");
        row.GetProperty("lowestMfaRegisteredShare").GetDouble().Should().Be(0.7);
        row.GetProperty("previousMfaRegisteredShare").GetDouble().Should().Be(0.8);
        factory.Commands.Should().ContainSingle().Which.Should().Contain("GROUP BY").And.Contain("HAVING")
            .And.Contain("\"OwnerTenantId\" =");
    }

    [Fact]
    public async Task A_snapshot_of_each_write_carries_its_counts_shares_month_and_the_previous_months_share()
    {
        var tenantId = Guid.NewGuid().ToString();
        var created = await owner.Writer.CreateAsync(Body(tenantId, "Contoso Ltd", 50, 200, ThisMonth.AddMonths(-1)));
        using var patched = await owner.Writer.PatchAsync($"{GraphApi.Summaries}/{created.Id()}",
            new { mfaRegisteredUserCount = 150, ssprRegisteredUserCount = 20, lastRefreshedDateTime = Iso(ThisMonth) });
        patched.StatusCode.Should().Be(HttpStatusCode.OK);

        var rows = await GetValuesAsync(owner.Reader, $"{Snapshots}?$filter=summaryId eq '{created.Id()}'&$orderby=lastRefreshedDateTime");

        rows.Should().HaveCount(2);
        rows[0].GetProperty("@odata.type").GetString().Should().Be("#" + SnapshotType);
        rows[0].GetProperty("tenantId").GetString().Should().Be(tenantId);
        rows[0].GetProperty("month").GetString().Should().Be(MonthOf(ThisMonth.AddMonths(-1)));
        rows[0].GetProperty("mfaRegisteredShare").GetDouble().Should().Be(0.25);
        rows[0].GetProperty("previousMonthMfaRegisteredShare").ValueKind.Should().Be(JsonValueKind.Null);
        rows[1].GetProperty("month").GetString().Should().Be(MonthOf(ThisMonth));
        rows[1].GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(150);
        rows[1].GetProperty("mfaRegisteredShare").GetDouble().Should().Be(0.75);
        rows[1].GetProperty("ssprRegisteredShare").GetDouble().Should().Be(0.1);
        rows[1].GetProperty("previousMonthMfaRegisteredShare").GetDouble().Should().Be(0.25);
        rows[1].GetProperty("recordedDateTime").GetDateTimeOffset().Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
        rows[1].TryGetProperty("ownerTenantId", out _).Should().BeFalse();
        rows[1].TryGetProperty("changeVersion", out _).Should().BeFalse();
    }

    [Fact]
    public async Task Deleting_a_summary_keeps_its_snapshots()
    {
        var created = await owner.Writer.CreateAsync(Body(Guid.NewGuid().ToString(), "Gone", 1, 2, ThisMonth));
        using var deleted = await owner.Writer.DeleteAsync($"{GraphApi.Summaries}/{created.Id()}");
        deleted.StatusCode.Should().Be(HttpStatusCode.NoContent);

        var rows = await GetValuesAsync(owner.Reader, $"{Snapshots}?$filter=summaryId eq '{created.Id()}'");

        rows.Should().ContainSingle().Which.GetProperty("tenantDisplayName").GetString().Should().Be("Gone");
    }

    [Fact]
    public async Task Filter_orderby_top_count_and_select_run_on_the_snapshots()
    {
        var summaryId = await FiveSnapshotsAsync(owner);

        using var response = await owner.Reader.GetAsync(
            $"{Snapshots}?$filter=summaryId eq '{summaryId}' and mfaRegisteredUserCount ge 20&$orderby=mfaRegisteredUserCount desc" +
            "&$top=2&$count=true&$select=month,mfaRegisteredUserCount");
        var json = await response.ReadJsonAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        json.GetProperty("@odata.count").GetInt32().Should().Be(4);
        json.GetProperty("value").EnumerateArray().Select(r => r.GetProperty("mfaRegisteredUserCount").GetInt32()).Should().Equal(50, 40);
        json.GetProperty("value")[0].EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo("@odata.type", "month", "mfaRegisteredUserCount");

        using var count = await owner.Reader.GetAsync($"{Snapshots}/$count?$filter=summaryId eq '{summaryId}'");
        (await count.Content.ReadAsStringAsync()).Should().Be("5");
    }

    [Fact]
    public async Task Pages_follow_the_next_link_with_an_opaque_skiptoken_until_every_snapshot_is_read()
    {
        var summaryId = await FiveSnapshotsAsync(owner);
        var counts = new List<int>();
        var url = $"{Snapshots}?$filter=summaryId eq '{summaryId}'&$orderby=mfaRegisteredUserCount";
        var pages = 0;
        while (url is not null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Add("Prefer", "odata.maxpagesize=2");
            using var response = await owner.Reader.SendAsync(request);
            var json = await response.ReadJsonAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
            counts.AddRange(json.GetProperty("value").EnumerateArray().Select(r => r.GetProperty("mfaRegisteredUserCount").GetInt32()));
            url = json.TryGetProperty("@odata.nextLink", out var next) ? next.GetString() : null;
            if (url is not null)
            {
                Uri.UnescapeDataString(url).Should().Contain("$skiptoken=").And.NotContain("mfaRegisteredUserCount-");
            }

            pages++;
        }

        pages.Should().Be(3);
        counts.Should().Equal(10, 20, 30, 40, 50);
    }

    [Fact]
    public async Task A_snapshot_is_read_by_id_in_both_key_forms_and_on_both_roots_and_another_owner_gets_404()
    {
        var summaryId = await FiveSnapshotsAsync(owner);
        var first = (await GetValuesAsync(owner.Reader, $"{Snapshots}?$filter=summaryId eq '{summaryId}'&$orderby=mfaRegisteredUserCount&$top=1")).Single();
        var id = first.Id();

        foreach (var url in new[] { $"{Snapshots}/{id}", $"{Snapshots}('{id}')", $"{BetaSnapshots}/{id}" })
        {
            using var response = await owner.Reader.GetAsync(url);
            var json = await response.ReadJsonAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, url);
            json.GetProperty("@odata.context").GetString().Should().EndWith("$metadata#credentialUserRegistrationsSummarySnapshots/$entity");
            json.GetProperty("id").GetString().Should().Be(id);
            json.GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(10);
        }

        var stranger = new TestTenant(factory);
        using var foreign = await stranger.Reader.GetAsync($"{Snapshots}/{id}");
        await foreign.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", id);
    }

    [Fact]
    public async Task Another_owner_sees_none_of_the_snapshots_in_the_list_count_or_apply()
    {
        var summaryId = await FiveSnapshotsAsync(owner);
        var stranger = new TestTenant(factory);

        (await GetValuesAsync(stranger.Reader, $"{Snapshots}?$filter=summaryId eq '{summaryId}'")).Should().BeEmpty();
        (await GetValuesAsync(stranger.Reader, Snapshots)).Should().BeEmpty();
        using var count = await stranger.Reader.GetAsync($"{Snapshots}?$count=true&$top=0");
        (await count.ReadJsonAsync()).GetProperty("@odata.count").GetInt32().Should().Be(0);
        (await GetValuesAsync(stranger.Reader, $"{Snapshots}?$apply=groupby((summaryId),aggregate($count as snapshots))")).Should().BeEmpty();

        var mine = await GetValuesAsync(owner.Reader, $"{Snapshots}?$apply=filter(summaryId eq '{summaryId}')/groupby((summaryId),aggregate($count as snapshots))");
        mine.Should().ContainSingle().Which.GetProperty("snapshots").GetInt32().Should().Be(5);
    }

    [Theory]
    [InlineData("POST", "")]
    [InlineData("PUT", "/{id}")]
    [InlineData("PATCH", "/{id}")]
    [InlineData("DELETE", "/{id}")]
    [InlineData("PATCH", "('{id}')")]
    [InlineData("PUT", "('{id}')")]
    [InlineData("DELETE", "('{id}')")]
    [InlineData("POST", "('{id}')")]
    [InlineData("DELETE", "")]
    public async Task The_history_is_read_only_every_write_is_a_405_graph_error(string method, string path)
    {
        var summaryId = await FiveSnapshotsAsync(owner);
        var id = (await GetValuesAsync(owner.Reader, $"{Snapshots}?$filter=summaryId eq '{summaryId}'&$top=1")).Single().Id();

        using var response = await owner.Writer.SendAsync(GraphApi.Request(new HttpMethod(method), Snapshots + path.Replace("{id}", id, StringComparison.Ordinal),
            new { mfaRegisteredUserCount = 1 }));

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", method);
        response.Content.Headers.Allow.Should().Equal("GET");
        (await GetValuesAsync(owner.Reader, $"{Snapshots}?$filter=summaryId eq '{summaryId}'")).Should().HaveCount(5);
    }

    [Theory]
    [InlineData("PATCH", "/{id}")]
    [InlineData("PATCH", "('{id}')")]
    [InlineData("POST", "")]
    [InlineData("POST", "('{id}')")]
    public async Task A_write_to_the_history_is_a_405_whatever_its_body_or_token(string method, string path)
    {
        var summaryId = await FiveSnapshotsAsync(owner);
        var id = (await GetValuesAsync(owner.Reader, $"{Snapshots}?$filter=summaryId eq '{summaryId}'&$top=1")).Single().Id();
        var url = Snapshots + path.Replace("{id}", id, StringComparison.Ordinal);

        // The method is what is refused: a body that is not JSON, one that is JSON of no known property, and no token
        // at all get the same 405 that routing gives the other forms, not a 415, a 400 or a 401.
        foreach (var (client, content) in new (HttpClient, HttpContent)[]
        {
            (owner.Writer, new StringContent("not json", System.Text.Encoding.UTF8, "text/plain")),
            (owner.Writer, GraphApi.Json("""{"noSuchProperty": 1}""")),
            (factory.ClientFor(token: null), GraphApi.Json("""{"mfaRegisteredUserCount": 1}""")),
        })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = content };
            using var response = await client.SendAsync(request);

            await response.ShouldBeGraphErrorAsync(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", method);
            response.Content.Headers.Allow.Should().Equal("GET");
        }

        (await GetValuesAsync(owner.Reader, $"{Snapshots}?$filter=summaryId eq '{summaryId}'")).Should().HaveCount(5);
    }

    [Fact]
    public async Task A_read_only_token_reads_the_history_and_no_token_is_a_401()
    {
        await FiveSnapshotsAsync(owner);
        var reports = owner.With(TokenMinter.Delegated(owner.Id, GraphApi.ReportsRead));

        (await GetValuesAsync(owner.Reader, Snapshots)).Should().HaveCount(5);
        (await GetValuesAsync(reports, Snapshots)).Should().HaveCount(5);
        using var anonymous = await factory.ClientFor(token: null).GetAsync(Snapshots);
        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_invalid_apply_on_the_snapshots_is_a_400_naming_the_option_and_property()
    {
        using var response = await owner.Reader.GetAsync($"{Snapshots}?$apply=groupby((nosuch))");

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "$apply", "nosuch");
    }

    [Fact]
    public async Task Metadata_declares_the_read_only_snapshot_type_and_its_entity_set()
    {
        var model = await factory.ClientFor(token: null).ReadCsdlXmlAsync(GraphApi.V1Root);

        var type = model.FindDeclaredType(SnapshotType).Should().BeAssignableTo<IEdmEntityType>().Subject;
        type.BaseEntityType().FullName().Should().Be("microsoft.graph.entity");
        type.DeclaredStructuralProperties().Select(p => p.Name).Should().BeEquivalentTo(
            "summaryId", "tenantId", "tenantDisplayName", "tenantLicenseType", "mfaAndSsprCapableUserCount", "ssprEnabledUserCount",
            "mfaRegisteredUserCount", "ssprRegisteredUserCount", "mfaExcludedUserCount", "totalUserCount", "securityDefaultsEnabled",
            "mfaConditionalAccessPolicyState", "lastRefreshedDateTime", "recordedDateTime", "month", "mfaRegisteredShare",
            "ssprRegisteredShare", "previousMonthMfaRegisteredShare");
        type.FindProperty("mfaRegisteredShare").Type.FullName().Should().Be("Edm.Double");
        type.FindProperty("previousMonthMfaRegisteredShare").Type.IsNullable.Should().BeTrue();
        type.FindProperty("month").Type.IsNullable.Should().BeFalse();
        var set = model.EntityContainer.FindEntitySet("credentialUserRegistrationsSummarySnapshots");
        set.Should().NotBeNull();
        set.EntityType.FullName().Should().Be(SnapshotType);

        bool Restriction(string term, string property) =>
            ((IEdmBooleanConstantExpression)((IEdmRecordExpression)model.FindVocabularyAnnotations<IEdmVocabularyAnnotation>(set, $"Org.OData.Capabilities.V1.{term}")
                .Single().Value).FindProperty(property).Value).Value;
        Restriction("InsertRestrictions", "Insertable").Should().BeFalse();
        Restriction("UpdateRestrictions", "Updatable").Should().BeFalse();
        Restriction("DeleteRestrictions", "Deletable").Should().BeFalse();
        Restriction("ReadRestrictions", "Readable").Should().BeTrue();
        Restriction("SearchRestrictions", "Searchable").Should().BeFalse();
    }

    [Fact]
    public async Task The_openapi_document_describes_the_snapshot_as_metadata_does()
    {
        var model = await factory.ClientFor(token: null).ReadCsdlXmlAsync(GraphApi.V1Root);
        var type = (IEdmEntityType)model.FindDeclaredType(SnapshotType);
        var schema = CredentialSummaries.Api.OpenApi.OpenApiDocumentEndpoint.Document["components"]!["schemas"]![SnapshotType]!["properties"]!.AsObject();

        schema.Select(p => p.Key).Where(name => !name.StartsWith("@odata.", StringComparison.Ordinal))
            .Should().BeEquivalentTo(type.StructuralProperties().Select(p => p.Name));
        foreach (var property in type.StructuralProperties())
        {
            var (openApiType, format) = OpenApi.OpenApiDrift.OpenApiTypeOf(property.Type);
            var documented = schema[property.Name]!;
            ((string?)documented["type"]).Should().Be(openApiType, property.Name);
            ((string?)documented["format"]).Should().Be(format, property.Name);
            (documented["nullable"] is { } nullable && nullable.GetValue<bool>()).Should().Be(property.Type.IsNullable, property.Name);
        }
    }

    private static async Task<string> FiveSnapshotsAsync(TestTenant tenant)
    {
        var created = await tenant.Writer.CreateAsync(Body(Guid.NewGuid().ToString(), "Five", 10, 100, ThisMonth.AddMonths(-4)));
        for (var i = 1; i < 5; i++)
        {
            using var patched = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{created.Id()}",
                new { mfaRegisteredUserCount = 10 * (i + 1), lastRefreshedDateTime = Iso(ThisMonth.AddMonths(i - 4)) });
            patched.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        return created.Id();
    }

    /// <summary>Creates a summary of a new tenant with the first counts, then updates it with each of the others; returns the tenantId.</summary>
    private static async Task<string> CreateAndUpdateAsync(TestTenant tenant, string name, params (int Mfa, int Total, DateTime Refreshed)[] writes)
    {
        var tenantId = Guid.NewGuid().ToString();
        var created = await tenant.Writer.CreateAsync(Body(tenantId, name, writes[0].Mfa, writes[0].Total, writes[0].Refreshed));
        foreach (var (mfa, total, refreshed) in writes.Skip(1))
        {
            using var patched = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{created.Id()}",
                new { mfaRegisteredUserCount = mfa, totalUserCount = total, lastRefreshedDateTime = Iso(refreshed) });
            patched.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        return tenantId;
    }

    private static Dictionary<string, object?> Body(string tenantId, string name, int mfa, int total, DateTime refreshed)
    {
        var body = GraphApi.SeedBody(tenantId);
        body["tenantDisplayName"] = name;
        body["mfaRegisteredUserCount"] = mfa;
        body["totalUserCount"] = total;
        // No other count above the total, so that any total the tests pick is a valid one.
        body["mfaAndSsprCapableUserCount"] = 0;
        body["ssprEnabledUserCount"] = 0;
        body["ssprRegisteredUserCount"] = 0;
        body["lastRefreshedDateTime"] = Iso(refreshed);
        return body;
    }

    private static async Task<JsonElement[]> GetValuesAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        return [.. json.GetProperty("value").EnumerateArray()];
    }
}
