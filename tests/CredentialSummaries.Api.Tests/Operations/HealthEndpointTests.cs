using System.Diagnostics;
using System.Net;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CredentialSummaries.Api.Tests.Operations;

/// <summary>docs/production.md, "Health and shutdown": <c>/healthz</c> and <c>/readyz</c> as a load balancer or Kubernetes sees them.</summary>
public sealed class HealthEndpointTests(LogCapturingFactory factory) : IClassFixture<LogCapturingFactory>
{
    public static TheoryData<string> Probes => new() { "/healthz", "/readyz" };

    [Theory]
    [MemberData(nameof(Probes))]
    public async Task A_probe_is_answered_anonymously_with_200_healthy_and_nothing_else(string probe)
    {
        using var client = factory.ClientFor(token: null);

        using var response = await client.GetAsync(probe);

        await ShouldBeAsync(response, HttpStatusCode.OK, "Healthy");
    }

    [Theory]
    [MemberData(nameof(Probes))]
    public async Task A_probe_ignores_a_token_even_a_bad_one(string probe)
    {
        using var client = factory.ClientFor("not.a.jwt");

        using var response = await client.GetAsync(probe);

        await ShouldBeAsync(response, HttpStatusCode.OK, "Healthy");
    }

    [Fact]
    public async Task The_api_itself_still_needs_a_token()
    {
        using var client = factory.ClientFor(token: null);

        using var response = await client.GetAsync(GraphApi.Summaries);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Probes_are_not_written_to_the_request_log()
    {
        using var client = factory.ClientFor(token: null);
        var marker = Guid.NewGuid().ToString("N");
        using (var metadata = await client.GetAsync($"{GraphApi.V1Root}/$metadata"))
        {
            metadata.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        foreach (var probe in new[] { "/healthz", "/readyz", $"/healthz?{marker}", "/readyz" })
        {
            (await client.GetAsync(probe)).Dispose();
        }

        var requestLines = factory.Entries.Where(e => e.Category == "CredentialSummaries.Requests").Select(e => e.Message).ToArray();
        requestLines.Should().Contain(line => line.Contains("/$metadata", StringComparison.Ordinal), "the request log is on");
        requestLines.Should().NotContain(line => line.Contains("/healthz", StringComparison.Ordinal) || line.Contains("/readyz", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("application/xml")]
    [InlineData("application/json")]
    public async Task Probes_are_not_in_metadata(string accept)
    {
        using var client = factory.ClientFor(token: null);
        foreach (var root in new[] { GraphApi.V1Root, GraphApi.BetaRoot })
        {
            using var response = await client.GetMetadataAsync(root, accept);
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.Content.Headers.ContentType!.MediaType.Should().Be(accept);
            text.Should().Contain("credentialUserRegistrationsSummaries")
                .And.NotContainEquivalentOf("healthz").And.NotContainEquivalentOf("readyz").And.NotContainEquivalentOf("health");
        }
    }

    /// <summary>Asserts a probe's answer: the status, the status word alone as text, and no caching.</summary>
    internal static async Task ShouldBeAsync(HttpResponseMessage response, HttpStatusCode status, string word)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, body);
        body.Should().Be(word);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        response.Headers.CacheControl.NoCache.Should().BeTrue();
    }
}

/// <summary>Probes are never throttled: with a budget of 1 request a second, they answer 200 while the API answers 429.</summary>
public sealed class HealthEndpointThrottlingTests(HealthEndpointThrottlingTests.OneRequestPerSecondFactory factory)
    : IClassFixture<HealthEndpointThrottlingTests.OneRequestPerSecondFactory>
{
    [Fact]
    public async Task Probes_answer_200_many_times_while_the_api_answers_429_to_the_same_caller()
    {
        var tenant = new TestTenant(factory);
        using var anonymous = factory.ClientFor(token: null);
        (await tenant.Reader.GetAsync($"{GraphApi.Summaries}/$count")).Dispose(); // spends the tenant's burst of 1

        var apiStatuses = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++)
        {
            foreach (var client in new[] { anonymous, tenant.Reader })
            {
                foreach (var probe in new[] { "/healthz", "/readyz" })
                {
                    using var answer = await client.GetAsync(probe);
                    await HealthEndpointTests.ShouldBeAsync(answer, HttpStatusCode.OK, "Healthy");
                }
            }

            using var api = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/$count");
            apiStatuses.Add(api.StatusCode);
            using var anonymousApi = await anonymous.GetAsync($"{GraphApi.V1Root}/$metadata");
            apiStatuses.Add(anonymousApi.StatusCode);
        }

        apiStatuses.Should().Contain(HttpStatusCode.TooManyRequests).And.HaveCountGreaterThan(40);
        apiStatuses.Count(s => s == HttpStatusCode.TooManyRequests).Should().BeGreaterThan(40,
            "120 probes per caller would have spent the budget of 1 a second many times over, had they counted");
    }

    public sealed class OneRequestPerSecondFactory : SummariesApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
        [
            .. base.Settings().Where(s => !s.Key.StartsWith("Throttling:", StringComparison.Ordinal)),
            new("Throttling:RequestsPerSecond", "1"),
            new("Throttling:Burst", "1"),
        ];
    }
}

/// <summary>
/// <c>/readyz</c> follows the database and the host without a restart; <c>/healthz</c> stays 200 throughout. Each test
/// has a host of its own, since each breaks something.
/// </summary>
public sealed class ReadinessTests : IDisposable
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    private readonly SwitchableDatabase database = SwitchableDatabase.Create();
    private readonly DrainingFactory factory;
    private readonly HttpClient client;

    public ReadinessTests()
    {
        factory = new DrainingFactory(database.Database);
        client = factory.ClientFor(token: null);
    }

    [Fact]
    public async Task Readiness_is_503_while_the_database_is_unreachable_and_200_again_when_it_is_back()
    {
        await WaitForReadinessAsync(HttpStatusCode.OK);

        database.MakeUnreachable();
        try
        {
            var answer = await WaitForReadinessAsync(HttpStatusCode.ServiceUnavailable);
            answer.Should().Be("Unhealthy", "the body says nothing of the database, its address or the exception");
            using var live = await client.GetAsync("/healthz");
            await HealthEndpointTests.ShouldBeAsync(live, HttpStatusCode.OK, "Healthy");
        }
        finally
        {
            database.MakeReachable();
        }

        (await WaitForReadinessAsync(HttpStatusCode.OK)).Should().Be("Healthy");
    }

    [Fact]
    public async Task Readiness_is_503_while_a_migration_is_pending_and_200_once_it_is_applied()
    {
        await WaitForReadinessAsync(HttpStatusCode.OK);
        var history = TestDatabase.Quote(CredentialSummaries.Api.Persistence.PersistenceExtensions.MigrationsHistoryTable);
        var last = await database.Database.QueryAsync(
            $"SELECT {TestDatabase.Quote("MigrationId")}, {TestDatabase.Quote("ProductVersion")} FROM {history} " +
            $"ORDER BY {TestDatabase.Quote("MigrationId")} DESC LIMIT 1");
        var (id, version) = (last.Single()[0], last.Single()[1]);
        var row = new Dictionary<string, object?> { ["id"] = id, ["version"] = version };

        (await database.Database.ExecuteAsync($"DELETE FROM {history} WHERE {TestDatabase.Quote("MigrationId")} = @id", row)).Should().Be(1);
        (await WaitForReadinessAsync(HttpStatusCode.ServiceUnavailable)).Should().Be("Unhealthy");

        await database.Database.ExecuteAsync(
            $"INSERT INTO {history} ({TestDatabase.Quote("MigrationId")}, {TestDatabase.Quote("ProductVersion")}) VALUES (@id, @version)", row);
        (await WaitForReadinessAsync(HttpStatusCode.OK)).Should().Be("Healthy");
    }

    [Fact]
    public async Task A_database_that_never_answers_makes_readiness_unhealthy_after_two_seconds_not_never()
    {
        // A provider that ignores cancellation and never answers: the check must not wait for it.
        var never = new TaskCompletionSource<Microsoft.EntityFrameworkCore.DbContext>();
        var calls = 0;
        var check = new CredentialSummaries.Api.Operations.DatabaseReadinessCheck(_ =>
        {
            Interlocked.Increment(ref calls);
            return never.Task;
        }, TimeProvider.System);

        var watch = Stopwatch.StartNew();
        var first = check.CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext());
        var second = check.CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext());
        var results = await Task.WhenAll(first, second);
        watch.Stop();

        results.Should().AllSatisfy(r => r.Status.Should().Be(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy));
        watch.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(1.9)).And.BeLessThan(TimeSpan.FromSeconds(4));
        calls.Should().Be(1, "concurrent probes share one check, so a hung database ties up one call, not one per probe");
    }

    [Fact]
    public async Task Readiness_is_503_at_once_when_shutdown_starts_while_liveness_stays_200()
    {
        await WaitForReadinessAsync(HttpStatusCode.OK);

        // The host stops as on SIGTERM, but the drain keeps the server answering for a while: what a probe sees then.
        factory.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        using (var ready = await client.GetAsync("/readyz"))
        {
            await HealthEndpointTests.ShouldBeAsync(ready, HttpStatusCode.ServiceUnavailable, "Unhealthy");
        }

        using var live = await client.GetAsync("/healthz");
        await HealthEndpointTests.ShouldBeAsync(live, HttpStatusCode.OK, "Healthy");
        factory.Entries.Should().NotContain(e => e.Level >= LogLevel.Error, "an orderly shutdown is not an error in the operator's log");
        factory.Entries.Should().ContainSingle(e => e.Category.EndsWith(".ShutdownDrain", StringComparison.Ordinal))
            .Which.Message.Should().StartWith("Shutting down: /readyz answers 503");
    }

    public void Dispose()
    {
        client.Dispose();
        factory.Dispose();
        database.Dispose();
    }

    /// <summary>A drain long enough to probe the host once shutdown has started.</summary>
    private sealed class DrainingFactory(TestDatabase database) : LogCapturingFactory(database)
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
            [.. base.Settings(), new("Hosting:ShutdownDrainSeconds", "3")];
    }

    /// <summary>Polls <c>/readyz</c> until it answers <paramref name="status"/>; returns the body.</summary>
    private async Task<string> WaitForReadinessAsync(HttpStatusCode status)
    {
        var deadline = Stopwatch.StartNew();
        HttpStatusCode last;
        do
        {
            using var response = await client.GetAsync("/readyz");
            last = response.StatusCode;
            if (last == status)
            {
                await HealthEndpointTests.ShouldBeAsync(response, status, status == HttpStatusCode.OK ? "Healthy" : "Unhealthy");
                return await response.Content.ReadAsStringAsync();
            }

            await Task.Delay(100);
        }
        while (deadline.Elapsed < Settle);

        throw new Xunit.Sdk.XunitException($"/readyz was still {(int)last} after {Settle.TotalSeconds} s, expected {(int)status}.");
    }
}
