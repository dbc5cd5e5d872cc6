using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;
using CredentialSummaries.GraphStandIn;
using Xunit.Abstractions;

namespace CredentialSummaries.Api.Tests.Collection;

/// <summary>
/// The hosted schedule (<c>Collection:Enabled=true</c>): several instances of the service on one database share a round
/// through the leases, so each tenant is collected by exactly one of them; and a Graph that cannot be reached never
/// makes the service unready. On PostgreSQL this is the proof of several instances.
/// </summary>
public sealed class CollectionScheduleTests(SummariesApiFactory factory, ITestOutputHelper output) : IClassFixture<SummariesApiFactory>
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Two_instances_on_one_database_collect_each_tenant_exactly_once_in_a_round()
    {
        var owner = Guid.NewGuid();
        var tenants = Enumerable.Range(1, 6).Select(i => new StandInTenant(Guid.NewGuid(), $"Shared {i}", userCount: 2_500, seed: 60 + i)).ToList();
        await using var standIn = await GraphStandInServer.StartAsync(new GraphStandInOptions
        {
            Tenants = [.. tenants],
            // Slow enough that the two rounds overlap: each tenant takes ~3 pages × 150 ms.
            ReportPageDelay = TimeSpan.FromMilliseconds(150),
        });
        _ = factory.ClientFor(token: null);
        var signingKey = RandomNumberGenerator.GetBytes(32);
        var home = Directory.CreateTempSubdirectory("collector-home-").FullName;
        var settings = CollectorProcess.Settings(standIn, factory.Database, owner, tenants.Select(t => t.TenantId), new Dictionary<string, string?>
        {
            ["Collection__Enabled"] = "true",
            ["Collection__MaxParallelTenants"] = "2",
            ["Logging__LogLevel__CredentialSummaries.Api.Collection"] = "Information",
        });
        settings.Remove("ASPNETCORE_ENVIRONMENT");

        var startA = ApiProcess.StartDevelopmentAsync(signingKey, home, settings, StartTimeout);
        var startB = ApiProcess.StartDevelopmentAsync(signingKey, home, settings, StartTimeout);
        await using var a = await startA;
        await using var b = await startB;
        using var reader = a.ClientFor(TokenMinter.UserJwt(signingKey, DevelopmentApiFactory.UserJwtsAudience, owner.ToString(), GraphApi.Read), TimeSpan.FromSeconds(30));

        var statuses = Array.Empty<JsonElement>();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            statuses = await ValuesAsync(reader, $"{GraphApi.V1Root}/tenantCollectionStatuses");
            if (statuses.Length == tenants.Count && statuses.All(s => s.GetProperty("lastOutcome").GetString() != "running"))
            {
                break;
            }

            await Task.Delay(200);
        }

        var transcripts = $"=== A ===\n{a.Transcript}\n=== B ===\n{b.Transcript}";
        statuses.Select(s => s.GetProperty("lastOutcome").GetString()).Should().Equal(Enumerable.Repeat("collected", tenants.Count), transcripts);
        foreach (var tenant in tenants)
        {
            // An instance signs in to a tenant only once it holds the tenant's lease: one sign-in, one read of each page.
            standIn.Counters.For(tenant.TenantId).TokenRequests.Should().Be(1, $"{tenant.DisplayName} is collected by one instance\n{transcripts}");
            standIn.Counters.For(tenant.TenantId).ReportPageRequests.Should().Be(3);
        }

        var history = await ValuesAsync(reader, $"{GraphApi.V1Root}/credentialUserRegistrationsSummarySnapshots?$apply=groupby((tenantId),aggregate($count as snapshots))");
        history.Select(h => h.GetProperty("snapshots").GetInt32()).Should().Equal(Enumerable.Repeat(1, tenants.Count), "one refresh per tenant, one snapshot");
        var (byA, byB) = (Collected(a.Transcript), Collected(b.Transcript));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"instance A collected {byA} tenants, instance B {byB}"));
        (byA + byB).Should().Be(tenants.Count, transcripts);
    }

    [Fact]
    public async Task Readiness_does_not_wait_for_graph_and_an_unreachable_graph_is_a_skipped_tenant()
    {
        var tenant = Guid.NewGuid();
        var owner = Guid.NewGuid();
        var closed = ApiProcess.FreeLoopbackPort();
        await using var host = new UnreachableGraphFactory(factory.Database, owner, tenant, closed);
        var client = host.ClientFor(token: null);

        using (var ready = await client.GetAsync("/readyz"))
        {
            ready.StatusCode.Should().Be(HttpStatusCode.OK, await ready.Content.ReadAsStringAsync());
        }

        var reader = host.ClientFor(TokenMinter.Delegated(owner.ToString(), GraphApi.Read));
        JsonElement[] statuses = [];
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && (statuses.Length == 0 || statuses[0].GetProperty("lastOutcome").GetString() == "running"))
        {
            await Task.Delay(200);
            statuses = await ValuesAsync(reader, $"{GraphApi.V1Root}/tenantCollectionStatuses");
        }

        var status = statuses.Should().ContainSingle().Subject;
        status.GetProperty("lastOutcome").GetString().Should().Be("skipped");
        status.GetProperty("lastErrorCode").GetString().Should().NotBeNullOrEmpty();
        status.GetProperty("lastErrorMessage").GetString().Should().NotContain(UnreachableGraphFactory.Secret);
        using var stillReady = await client.GetAsync("/readyz");
        stillReady.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private static int Collected(string transcript) =>
        transcript.Split('\n').Count(l => l.Contains("Collected tenant ", StringComparison.Ordinal));

    private static async Task<JsonElement[]> ValuesAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        return [.. json.GetProperty("value").EnumerateArray()];
    }

    /// <summary>The service with the schedule on, its authority and Graph a loopback port nobody listens on.</summary>
    private sealed class UnreachableGraphFactory(TestDatabase database, Guid owner, Guid tenant, int port) : SummariesApiFactory(database)
    {
        public const string Secret = "unreachable-secret-9c2e";

        protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
        [
            .. base.Settings(),
            new("Collection:Enabled", "true"),
            new("Collection:Authority", $"https://127.0.0.1:{port}"),
            new("Collection:ValidateAuthority", "false"),
            new("Collection:GraphBaseUrl", $"https://127.0.0.1:{port}/v1.0"),
            new("Collection:ClientId", Guid.NewGuid().ToString()),
            new("Collection:ClientSecret", Secret),
            new("Collection:OwnerTenantId", owner.ToString()),
            new("Collection:Tenants:0:TenantId", tenant.ToString()),
        ];
    }
}
