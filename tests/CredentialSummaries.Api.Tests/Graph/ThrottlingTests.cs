using System.Net;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Graph;

public sealed class ThrottlingTests(ThrottlingTests.TightLimitsFactory factory) : IClassFixture<ThrottlingTests.TightLimitsFactory>
{
    [Fact]
    public async Task A_tenant_over_its_budget_gets_429_with_retry_after_in_graphs_error_shape()
    {
        var tenant = new TestTenant(factory);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < TightLimitsFactory.Burst + 20 && refused is null; i++)
        {
            var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/$count");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                response.Dispose();
            }
        }

        statuses.Take(TightLimitsFactory.Burst).Should().OnlyContain(s => s == HttpStatusCode.OK);
        refused.Should().NotBeNull("the request after the burst is over the budget");
        using (refused)
        {
            await refused!.ShouldBeGraphErrorAsync(HttpStatusCode.TooManyRequests, "TooManyRequests", "retry after");
            int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture).Should().BeInRange(1, 60);
        }
    }

    [Fact]
    public async Task One_tenant_being_throttled_leaves_another_tenant_unaffected()
    {
        var noisy = new TestTenant(factory);
        var quiet = new TestTenant(factory);
        for (var i = 0; i < TightLimitsFactory.Burst + 2; i++)
        {
            (await noisy.Reader.GetAsync($"{GraphApi.Summaries}/$count")).Dispose();
        }

        using var response = await quiet.Reader.GetAsync(GraphApi.Summaries);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.ReadJsonAsync()).GetProperty("value").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task Each_request_of_a_graph_batch_is_throttled_on_its_own()
    {
        var tenant = new TestTenant(factory);
        var requests = Enumerable.Range(1, 12)
            .Select(i => new { id = i.ToString(System.Globalization.CultureInfo.InvariantCulture), method = "GET", url = "/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries/$count" })
            .ToArray();

        using var response = await tenant.Reader.PostAsync("/v1.0/$batch", new { requests });

        var answers = (await response.ReadJsonAsync()).GetProperty("responses").EnumerateArray().ToArray();
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        answers.Should().HaveCount(requests.Length);
        // The bucket refills one request a second, so a slow run may let one or two more through.
        var succeeded = answers.Count(a => a.GetProperty("status").GetInt32() == 200);
        succeeded.Should().BeInRange(TightLimitsFactory.Burst, TightLimitsFactory.Burst + 2);
        var throttled = answers.Where(a => a.GetProperty("status").GetInt32() == 429).ToArray();
        throttled.Should().HaveCount(requests.Length - succeeded);
        throttled.Should().AllSatisfy(a =>
        {
            a.GetProperty("body").GetProperty("error").GetProperty("code").GetString().Should().Be("TooManyRequests");
            a.GetProperty("headers").EnumerateObject().Should().Contain(h => h.Name.Equals("Retry-After", StringComparison.OrdinalIgnoreCase));
        });
    }

    [Fact]
    public async Task Each_of_several_instances_enforces_its_share_of_the_deployments_budget()
    {
        using var instance = new ShareOfFourFactory();
        var tenant = new TestTenant(instance);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/$count");
            statuses.Add(response.StatusCode);
        }

        // A deployment burst of 8 over 4 instances: 2 at once on each, so 4 instances together allow the 8 configured.
        statuses.Take(2).Should().OnlyContain(s => s == HttpStatusCode.OK);
        statuses.Skip(2).Should().Contain(HttpStatusCode.TooManyRequests);
    }

    private sealed class ShareOfFourFactory : SummariesApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
        [
            .. base.Settings().Where(s => !s.Key.StartsWith("Throttling:", StringComparison.Ordinal)),
            new("Throttling:RequestsPerSecond", "1"),
            new("Throttling:Burst", "8"),
            new("Throttling:Instances", "4"),
        ];
    }

    public sealed class TightLimitsFactory : SummariesApiFactory
    {
        public const int Burst = 5;

        protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
        [
            .. base.Settings().Where(s => !s.Key.StartsWith("Throttling:", StringComparison.Ordinal)),
            new("Throttling:RequestsPerSecond", "1"),
            new("Throttling:Burst", Burst.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ];
    }
}
