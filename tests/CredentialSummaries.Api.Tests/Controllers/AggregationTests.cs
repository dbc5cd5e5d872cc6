using System.Net;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.OData.Edm;
using Microsoft.OData.Edm.Vocabularies;

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

    /// <summary>
    /// <c>Aggregation.ApplySupported</c> in <c>$metadata</c> is what the service does: each transformation it declares
    /// answers on both entity sets with the values of the rows, and each one of the vocabulary's that it does not
    /// declare is a 400 naming <c>$apply</c>.
    /// </summary>
    [Fact]
    public async Task Every_apply_transformation_metadata_declares_answers_on_both_sets_and_every_other_is_a_400()
    {
        await ArrangeAsync();
        var declared = await DeclaredTransformationsAsync();
        // One use of each transformation, and what it answers over the five rows (their history has one snapshot each).
        var uses = new Dictionary<string, (string Apply, Func<JsonElement[], object> Read, object Expected)>
        {
            ["aggregate"] = ("aggregate(totalUserCount with sum as users)", v => v.Single().GetProperty("users").GetInt32(), 1500),
            ["groupby"] = ("groupby((securityDefaultsEnabled))", v => v.Select(g => g.GetProperty("securityDefaultsEnabled").GetBoolean()).Order().ToArray(), new[] { false, true }),
            ["filter"] = ("filter(totalUserCount ge 400)", v => v.Select(r => r.GetProperty("totalUserCount").GetInt32()).Order().ToArray(), new[] { 400, 500 }),
            ["compute"] = ("compute(totalUserCount sub mfaRegisteredUserCount as gap)/aggregate(gap with max as widest)", v => v.Single().GetProperty("widest").GetInt32(), 450),
        };

        declared.Should().BeEquivalentTo(uses.Keys, "every declared transformation has a use here, and every use is declared");
        foreach (var set in new[] { GraphApi.Summaries, Collectors.HistoryTests.Snapshots })
        {
            foreach (var (name, (apply, read, expected)) in uses)
            {
                using var response = await tenant.Reader.GetAsync($"{set}?$apply={Uri.EscapeDataString(apply)}");
                var json = await response.ReadJsonAsync();
                response.StatusCode.Should().Be(HttpStatusCode.OK, $"{name} on {set}: {json}");
                read(json.GetProperty("value").EnumerateArray().ToArray()).Should().BeEquivalentTo(expected, o => o.WithStrictOrdering(), $"{name} on {set}");
            }

            foreach (var apply in new[] { "topcount(2,totalUserCount)", "bottomsum(100,totalUserCount)", "identity", "concat(identity,identity)",
                         "orderby(totalUserCount)", "top(2)", "skip(1)", "search(Tenant)", "groupby((rollup(tenantLicenseType,tenantDisplayName)))" })
            {
                using var response = await tenant.Reader.GetAsync($"{set}?$apply={Uri.EscapeDataString(apply)}");
                await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "$apply");
            }
        }
    }

    private static readonly string[] EntitySets = ["credentialUserRegistrationsSummaries", "credentialUserRegistrationsSummarySnapshots"];

    /// <summary>The transformations <c>$metadata</c> declares on both entity sets (the same on each).</summary>
    private async Task<string[]> DeclaredTransformationsAsync()
    {
        var model = await factory.ClientFor(token: null).ReadCsdlXmlAsync(GraphApi.V1Root);
        var declared = EntitySets
            .Select(name => model.FindVocabularyAnnotations(model.EntityContainer.FindEntitySet(name))
                .Where(a => a.Term.FullName() == "Org.OData.Aggregation.V1.ApplySupported").Should().ContainSingle(name).Subject.Value)
            .Select(record => ((IEdmRecordExpression)record).Properties.Single(p => p.Name == "Transformations").Value)
            .Select(list => ((IEdmCollectionExpression)list).Elements.Select(e => ((IEdmStringConstantExpression)e).Value).ToArray())
            .ToArray();
        declared[1].Should().Equal(declared[0]);
        return declared[0];
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
