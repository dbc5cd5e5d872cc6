using System.Net;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Controllers;

public sealed class AggregationTests(SqlCapturingFactory factory) : IClassFixture<SqlCapturingFactory>
{
    private readonly TestTenant tenant = new(factory);

    [Fact]
    public async Task Groupby_with_count_answers_how_many_tenants_have_security_defaults_on()
    {
        await ArrangeAsync();

        var groups = await ApplyAsync("groupby((securityDefaultsEnabled),aggregate($count as tenants))");

        groups.Select(g => (g.GetProperty("securityDefaultsEnabled").GetBoolean(), g.GetProperty("tenants").GetInt32()))
            .Should().BeEquivalentTo([(true, 3), (false, 2)]);
    }

    [Fact]
    public async Task Groupby_with_sum_totals_mfa_registered_users_by_license_type()
    {
        await ArrangeAsync();

        var groups = await ApplyAsync("groupby((tenantLicenseType),aggregate(mfaRegisteredUserCount with sum as mfaRegistered))");

        groups.Select(g => (g.GetProperty("tenantLicenseType").GetString(), g.GetProperty("mfaRegistered").GetInt32()))
            .Should().BeEquivalentTo([("AADPremium1", 10 + 20), ("AADPremium2", 30 + 40), ((string?)null, 50)]);
    }

    [Fact]
    public async Task Aggregate_computes_average_min_max_and_countdistinct()
    {
        await ArrangeAsync();

        var result = (await ApplyAsync(
            "aggregate(totalUserCount with average as averageUsers,totalUserCount with min as fewestUsers," +
            "totalUserCount with max as mostUsers,tenantLicenseType with countdistinct as licenseTypes)")).Single();

        result.GetProperty("averageUsers").GetDouble().Should().Be(300);
        result.GetProperty("fewestUsers").GetInt32().Should().Be(100);
        result.GetProperty("mostUsers").GetInt32().Should().Be(500);
        result.GetProperty("licenseTypes").GetInt32().Should().Be(2);
    }

    [Fact]
    public async Task Filter_then_aggregate_counts_only_the_matching_rows_and_runs_as_one_grouped_sql_query()
    {
        await ArrangeAsync();
        factory.Entries.Clear();

        var result = (await ApplyAsync("filter(totalUserCount ge 300)/aggregate(mfaRegisteredUserCount with sum as mfaRegistered)")).Single();

        result.GetProperty("mfaRegistered").GetInt32().Should().Be(30 + 40 + 50);
        var sql = factory.Commands.Should().ContainSingle().Subject;
        sql.Should().ContainEquivalentOf("SUM(", "SQLite writes SUM, PostgreSQL sum").And.Contain("GROUP BY").And.Contain("\"TotalUserCount\" >=").And.Contain("\"OwnerTenantId\" =");
    }

    [Fact]
    public async Task Aggregates_never_include_another_tenants_rows()
    {
        await ArrangeAsync();
        var other = new TestTenant(factory);
        await other.Writer.CreateAsync(new { tenantId = Guid.NewGuid().ToString(), tenantDisplayName = "Foreign", totalUserCount = 9000, mfaRegisteredUserCount = 9000 });

        var result = (await ApplyAsync("aggregate(mfaRegisteredUserCount with sum as mfaRegistered,$count as tenants)")).Single();

        result.GetProperty("mfaRegistered").GetInt32().Should().Be(150);
        result.GetProperty("tenants").GetInt32().Should().Be(5);
    }

    [Fact]
    public async Task An_invalid_apply_returns_400_naming_the_option()
    {
        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?$apply=groupby((nosuch))");

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "$apply", "nosuch");
    }

    private async Task<JsonElement[]> ApplyAsync(string apply)
    {
        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?$apply={Uri.EscapeDataString(apply)}");
        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        json.GetProperty("@odata.context").GetString().Should().Contain("$metadata#credentialUserRegistrationsSummaries(");
        return json.GetProperty("value").EnumerateArray().ToArray();
    }

    private async Task ArrangeAsync()
    {
        var rows = new (string? License, bool SecurityDefaults, int Total, int MfaRegistered)[]
        {
            ("AADPremium1", true, 100, 10),
            ("AADPremium1", false, 200, 20),
            ("AADPremium2", true, 300, 30),
            ("AADPremium2", true, 400, 40),
            (null, false, 500, 50),
        };
        foreach (var (license, securityDefaults, total, mfa) in rows)
        {
            await tenant.Writer.CreateAsync(new
            {
                tenantId = Guid.NewGuid().ToString(),
                tenantDisplayName = $"Tenant {total}",
                tenantLicenseType = license,
                securityDefaultsEnabled = securityDefaults,
                totalUserCount = total,
                mfaRegisteredUserCount = mfa,
            });
        }
    }
}
