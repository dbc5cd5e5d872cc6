using System.Net;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Query;

/// <summary>
/// Queries the service cannot run were 500s, or a 200 whose body stopped mid-answer. Each must be a 400 in Graph's
/// error shape that names the option, decided before the response starts; the valid sibling query still answers.
/// </summary>
public sealed class UnrunnableQueryTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private readonly TestTenant tenant = new(factory);

    [Theory]
    // Aggregate aliases that collide with a grouping property or a property of the type (a 500, or a 200 cut off
    // mid-body when the alias took the property's type), or with each other.
    [InlineData("$apply=groupby((id),aggregate($count as id))", "$apply", "$apply=groupby((id),aggregate($count as total))")]
    [InlineData("$apply=aggregate($count as tenantId)", "$apply", "$apply=aggregate($count as tenants)")]
    [InlineData("$apply=aggregate(totalUserCount with sum as tenantDisplayName)", "$apply", "$apply=aggregate(totalUserCount with sum as users)")]
    [InlineData("$apply=groupby((securityDefaultsEnabled),aggregate(totalUserCount with sum as securityDefaultsEnabled))", "$apply",
        "$apply=groupby((securityDefaultsEnabled),aggregate(totalUserCount with sum as users))")]
    [InlineData("$apply=aggregate(totalUserCount with sum as x,mfaRegisteredUserCount with sum as x)", "$apply",
        "$apply=aggregate(totalUserCount with sum as x,mfaRegisteredUserCount with sum as y)")]
    [InlineData("$apply=compute(totalUserCount as x,totalUserCount as x)", "$apply", "$apply=compute(totalUserCount as x,totalUserCount as y)")]
    // $compute aliases that collide with a property or with each other.
    [InlineData("$compute=totalUserCount sub mfaRegisteredUserCount as totalUserCount&$select=totalUserCount", "$compute",
        "$compute=totalUserCount sub mfaRegisteredUserCount as mfaGap&$select=mfaGap")]
    [InlineData("$compute=totalUserCount as gap,mfaRegisteredUserCount as gap&$select=gap", "$compute",
        "$compute=totalUserCount as gap,mfaRegisteredUserCount as other&$select=gap,other")]
    // Functions and operations the store cannot evaluate.
    [InlineData("$filter=matchesPattern(tenantId,'.*')", "$filter", "$filter=contains(tenantId,'-')")]
    [InlineData("$filter=isof(tenantDisplayName,Edm.String)", "$filter", "$filter=tenantDisplayName ne null")]
    // Options that cannot go together, or have no value.
    [InlineData("$search=\"contoso\"&$apply=aggregate($count as c)", "$search",
        "$apply=filter(contains(tenantDisplayName,'Contoso'))/aggregate($count as c)")]
    [InlineData("$skiptoken=", "$skiptoken", "$top=1")]
    // Found by the fuzzer: ODataLib's binder throws ArgumentException for isof with a non-type; a repeated option.
    [InlineData("$filter=isof(totalUserCount,duration'P1D')", "$filter", "$filter=totalUserCount gt 0")]
    [InlineData("$compute=isof(duration'PT1S',duration'PT1S') as x", "$compute", "$compute=totalUserCount add 1 as x")]
    [InlineData("skiptoken=a&$skiptoken=b", "$skiptoken", "$top=1")]
    [InlineData("$compute=1e308 mod 99999999999999999999999999 as x", "$compute", "$compute=totalUserCount mod 7 as x")]
    // Several options: the one the store cannot run is named.
    [InlineData("$filter=matchesPattern(tenantId,'.*')&$orderby=tenantDisplayName&$top=5", "$filter",
        "$filter=contains(tenantId,'-')&$orderby=tenantDisplayName&$top=5")]
    public async Task A_query_the_service_cannot_run_is_a_400_naming_the_option(string query, string option, string sibling)
    {
        await tenant.Writer.CreateAsync();

        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?{query}");
        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", option);

        using var valid = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?{sibling}");
        var text = await valid.Content.ReadAsStringAsync();
        valid.StatusCode.Should().Be(HttpStatusCode.OK, text);
        using var document = JsonDocument.Parse(text);
        document.RootElement.GetProperty("value").GetArrayLength().Should().BeGreaterThan(0);
    }

    /// <summary>
    /// What SQLite cannot evaluate — now(), date arithmetic with durations, NaN — is a 400 naming the option there.
    /// PostgreSQL evaluates all of them, so there they answer 200 like their valid siblings.
    /// </summary>
    [Theory]
    [InlineData("$filter=now() gt 2020-01-01T00:00:00Z", "$filter", "$filter=lastRefreshedDateTime lt now()")]
    [InlineData("$orderby=now()", "$orderby", "$orderby=lastRefreshedDateTime")]
    [InlineData("$filter=lastRefreshedDateTime add duration'P1D' gt 2026-01-01T00:00:00Z", "$filter",
        "$filter=lastRefreshedDateTime gt 2026-01-01T00:00:00Z")]
    [InlineData("$filter=totalUserCount gt NaN", "$filter", "$filter=totalUserCount gt 1.5")]
    public async Task A_query_only_SQLite_cannot_run_is_a_400_naming_the_option_there_and_answered_on_PostgreSQL(
        string query, string option, string sibling)
    {
        if (TestStore.Provider == StoreProvider.Sqlite)
        {
            await A_query_the_service_cannot_run_is_a_400_naming_the_option(query, option, sibling);
            return;
        }

        await tenant.Writer.CreateAsync();
        foreach (var runnable in new[] { query, sibling })
        {
            using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?{runnable}");
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, text);
            using var document = JsonDocument.Parse(text);
            document.RootElement.GetProperty("value").ValueKind.Should().Be(JsonValueKind.Array);
        }
    }

    [Theory]
    [InlineData("$compute=isof(duration'PT1S',duration'PT1S') as x", "$compute")]
    [InlineData("skiptoken=a&$skiptoken=b", "$skiptoken")]
    public async Task On_an_item_a_query_the_service_cannot_run_is_a_400_naming_the_option(string query, string option)
    {
        var id = (await tenant.Writer.CreateAsync()).Id();

        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{id}?{query}");
        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", option);

        (await tenant.Reader.GetSummaryAsync(id)).Id().Should().Be(id);
    }
}
