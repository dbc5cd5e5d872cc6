using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using CredentialSummaries.Api.Persistence.PostgreSql;
using CredentialSummaries.Api.Persistence.Sqlite;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Xunit.Abstractions;
using PersistenceExtensions = CredentialSummaries.Api.Persistence.PersistenceExtensions;

namespace CredentialSummaries.Api.Tests.Scaling;

/// <summary>
/// Issue 8, "Several instances": two processes of the built app on real Kestrel ports (not WebApplicationFactory),
/// started at the same moment on one empty database of the assembly's store (<see cref="TestDatabase.Create()"/>),
/// agree on everything a client can see: what one writes the other reads at once, an <c>If-Match</c> race between
/// them has exactly one winner, and the <c>$skiptoken</c>s and ETags one issues the other honours; starting together,
/// they migrate the database once and share one Data Protection key. On PostgreSQL this is the issue's proof; on
/// SQLite it shows that two processes on one WAL file (one machine) agree too.
/// </summary>
public sealed class MultiInstanceTests(TwoInstances instances, ITestOutputHelper output) : IClassFixture<TwoInstances>
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_write_through_one_instance_is_read_through_the_other_at_once_and_so_are_a_patch_and_a_delete()
    {
        using var tenant = instances.NewTenant();
        var (a, b) = (tenant.A, tenant.B);
        var body = GraphApi.SeedBody();
        body["tenantDisplayName"] = "Written through A";

        using var created = await a.PostAsync(GraphApi.Summaries, body);
        var createdJson = await created.ReadJsonAsync();
        created.StatusCode.Should().Be(HttpStatusCode.Created, createdJson.ToString());
        var id = createdJson.Id();
        var createdEtag = created.Headers.ETag!.ToString();
        createdJson.GetProperty("@odata.etag").GetString().Should().Be(createdEtag);

        using (var read = await b.GetAsync($"{GraphApi.Summaries}/{id}"))
        {
            var readJson = await read.ReadJsonAsync();
            read.StatusCode.Should().Be(HttpStatusCode.OK, $"B must see A's write at once: {readJson}\n{instances.Transcripts}");
            read.Headers.ETag!.ToString().Should().Be(createdEtag);
            ValuesOf(readJson).Should().Equal(ValuesOf(createdJson), "B reads exactly what A answered it had written");
            readJson.GetProperty("tenantDisplayName").GetString().Should().Be("Written through A");
            readJson.GetProperty("totalUserCount").GetInt32().Should().Be(200);
        }

        using var patched = await b.PatchAsync($"{GraphApi.Summaries}/{id}", new { tenantDisplayName = "Patched through B", totalUserCount = 321 });
        var patchedJson = await patched.ReadJsonAsync();
        patched.StatusCode.Should().Be(HttpStatusCode.OK, patchedJson.ToString());
        var patchedEtag = patched.Headers.ETag!.ToString();
        patchedEtag.Should().NotBe(createdEtag).And.Be(patchedJson.GetProperty("@odata.etag").GetString());

        using (var read = await a.GetAsync($"{GraphApi.Summaries}/{id}"))
        {
            var readJson = await read.ReadJsonAsync();
            read.StatusCode.Should().Be(HttpStatusCode.OK, readJson.ToString());
            read.Headers.ETag!.ToString().Should().Be(patchedEtag, "A must see B's patch at once");
            ValuesOf(readJson).Should().Equal(ValuesOf(patchedJson));
            readJson.GetProperty("tenantDisplayName").GetString().Should().Be("Patched through B");
            readJson.GetProperty("totalUserCount").GetInt32().Should().Be(321);
            readJson.GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(140, "a PATCH changes only what it names");
        }

        using var deleted = await a.DeleteAsync($"{GraphApi.Summaries}/{id}");
        deleted.StatusCode.Should().Be(HttpStatusCode.NoContent, await deleted.Content.ReadAsStringAsync());

        using var gone = await b.GetAsync($"{GraphApi.Summaries}/{id}");
        await gone.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", id);
        using var count = await b.GetAsync($"{GraphApi.Summaries}/$count");
        count.StatusCode.Should().Be(HttpStatusCode.OK);
        (await count.Content.ReadAsStringAsync()).Should().Be("0", "the tenant's only row was deleted through A");
    }

    [Fact]
    public async Task Concurrent_if_match_patches_through_both_instances_give_exactly_one_200_and_one_412_every_round()
    {
        const int Rounds = 20;
        using var tenant = instances.NewTenant();
        var (a, b) = (tenant.A, tenant.B);
        var created = await a.CreateAsync();
        var id = created.Id();
        var url = $"{GraphApi.Summaries}/{id}";
        var etag = created.GetProperty("@odata.etag").GetString()!;
        // Both clients hold an open connection before the first race, so neither starts behind by a TCP handshake.
        (await b.GetSummaryAsync(id)).GetProperty("@odata.etag").GetString().Should().Be(etag);
        var wins = new Dictionary<string, int> { ["A"] = 0, ["B"] = 0 };

        for (var round = 1; round <= Rounds; round++)
        {
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var ifMatch = etag;
            var thisRound = round;
            var racers = new[] { (Name: "A", Client: a, Total: 1000 + round), (Name: "B", Client: b, Total: 2000 + round) }
                .Select(racer => Task.Run(async () =>
                {
                    var request = GraphApi.Request(HttpMethod.Patch, url,
                        new { tenantDisplayName = $"Round {thisRound} won through {racer.Name}", totalUserCount = racer.Total }, ("If-Match", ifMatch));
                    await go.Task;
                    return (racer.Name, racer.Total, Response: await racer.Client.SendAsync(request));
                }))
                .ToArray();
            go.SetResult();
            var answers = await Task.WhenAll(racers).WaitAsync(RequestTimeout);
            try
            {
                answers.Select(r => r.Response.StatusCode).Should().BeEquivalentTo(
                    [HttpStatusCode.OK, HttpStatusCode.PreconditionFailed],
                    $"round {round}: two PATCHes with the same If-Match ({etag}) through two instances have one winner\n{instances.Transcripts}");
                var winner = answers.Single(r => r.Response.StatusCode == HttpStatusCode.OK);
                var loser = answers.Single(r => r.Response.StatusCode == HttpStatusCode.PreconditionFailed);
                await loser.Response.ShouldBeGraphErrorAsync(HttpStatusCode.PreconditionFailed, "PreconditionFailed", id, "If-Match");

                var winnerJson = await winner.Response.ReadJsonAsync();
                var newEtag = winner.Response.Headers.ETag!.ToString();
                newEtag.Should().NotBe(etag).And.Be(winnerJson.GetProperty("@odata.etag").GetString());
                winnerJson.GetProperty("tenantDisplayName").GetString().Should().Be($"Round {round} won through {winner.Name}");
                wins[winner.Name]++;

                // The stored row is the winner's, read through the instance that lost.
                var stored = await (winner.Name == "A" ? b : a).GetSummaryAsync(id);
                stored.GetProperty("tenantDisplayName").GetString().Should().Be($"Round {round} won through {winner.Name}", $"round {round}");
                stored.GetProperty("totalUserCount").GetInt32().Should().Be(winner.Total);
                stored.GetProperty("@odata.etag").GetString().Should().Be(newEtag);
                etag = newEtag;
            }
            finally
            {
                foreach (var answer in answers)
                {
                    answer.Response.Dispose();
                }
            }
        }

        output.WriteLine($"{TestStore.Name}: {Rounds} If-Match races, won through A {wins["A"]} times, through B {wins["B"]} times");
        using var count = await a.GetAsync($"{GraphApi.Summaries}/$count");
        (await count.Content.ReadAsStringAsync()).Should().Be("1");
    }

    [Fact]
    public async Task Concurrent_upserts_of_one_tenant_through_both_instances_create_one_row_and_every_answer_is_2xx()
    {
        const int Rounds = 5;
        const int PerInstance = 10;
        using var tenant = instances.NewTenant();
        var (a, b) = (tenant.A, tenant.B);
        // Both clients hold an open connection before the first race.
        (await a.GetAsync($"{GraphApi.Summaries}/$count")).Dispose();
        (await b.GetAsync($"{GraphApi.Summaries}/$count")).Dispose();

        for (var round = 1; round <= Rounds; round++)
        {
            var url = $"{GraphApi.Summaries}(tenantId='{Guid.NewGuid()}')";
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var racers = Enumerable.Range(0, 2 * PerInstance)
                .Select(i => (Name: i % 2 == 0 ? "A" : "B", Client: i % 2 == 0 ? a : b, Total: 200 + i))
                .Select(racer => Task.Run(async () =>
                {
                    var body = GraphApi.SeedBody();
                    body.Remove("tenantId");
                    body["tenantDisplayName"] = $"Upserted through {racer.Name}";
                    body["totalUserCount"] = racer.Total;
                    var request = GraphApi.Request(HttpMethod.Patch, url, body, ("Prefer", "create-if-missing"));
                    await go.Task;
                    using var response = await racer.Client.SendAsync(request);
                    return (racer.Name, response.StatusCode, Body: await response.Content.ReadAsStringAsync());
                }))
                .ToArray();
            go.SetResult();
            var answers = await Task.WhenAll(racers).WaitAsync(RequestTimeout);

            answers.Should().OnlyContain(r => r.StatusCode == HttpStatusCode.Created || r.StatusCode == HttpStatusCode.OK,
                $"round {round}: {string.Join("\n", answers.Select(r => $"{r.Name} {(int)r.StatusCode} {r.Body}"))}\n{instances.Transcripts}");
            answers.Count(r => r.StatusCode == HttpStatusCode.Created).Should().Be(1, $"round {round}: one upsert created the row, through either instance");
            answers.Select(r => JsonDocument.Parse(r.Body).RootElement.Id()).Distinct().Should().ContainSingle($"round {round}: every answer names one row");
            using var list = await (round % 2 == 0 ? a : b).GetAsync($"{url}");
            list.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        using var count = await a.GetAsync($"{GraphApi.Summaries}/$count");
        (await count.Content.ReadAsStringAsync()).Should().Be(Rounds.ToString(System.Globalization.CultureInfo.InvariantCulture), "one row per tenant");
        output.WriteLine($"{TestStore.Name}: {Rounds} rounds of {2 * PerInstance} concurrent upserts through two instances, one row each");
    }

    [Fact]
    public async Task Skiptokens_and_etags_issued_by_one_instance_are_honoured_by_the_other()
    {
        const int Rows = 25;
        const int PageSize = 4;
        using var tenant = instances.NewTenant();
        var (a, b) = (tenant.A, tenant.B);
        var etags = new Dictionary<string, string>();
        for (var i = 0; i < Rows; i++)
        {
            var body = GraphApi.SeedBody();
            body["tenantDisplayName"] = $"Paged {i:D2}";
            var row = await (i % 2 == 0 ? a : b).CreateAsync(body);
            etags[row.Id()] = row.GetProperty("@odata.etag").GetString()!;
        }

        // Every nextLink points at the instance that issued it; it is followed through the other one.
        var issuer = instances.A;
        string? link = $"{issuer.BaseAddress.GetLeftPart(UriPartial.Authority)}{GraphApi.Summaries}?$orderby=tenantDisplayName&$count=true";
        var names = new List<string>();
        var ids = new List<string>();
        var pages = 0;
        while (link is not null)
        {
            var client = issuer == instances.A ? a : b;
            using var response = await client.SendAsync(GraphApi.Request(HttpMethod.Get, link, null, ("Prefer", $"odata.maxpagesize={PageSize}")));
            var page = await response.ReadJsonAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK,
                $"page {pages + 1}, through {(issuer == instances.A ? "A" : "B")} (the link was issued by the other instance): {page}\n{instances.Transcripts}");
            response.Headers.GetValues("Preference-Applied").Should().Equal($"odata.maxpagesize={PageSize}");
            page.GetProperty("@odata.count").GetInt32().Should().Be(Rows);
            var values = page.GetProperty("value").EnumerateArray().ToArray();
            values.Length.Should().BeInRange(1, PageSize);
            names.AddRange(values.Select(v => v.GetProperty("tenantDisplayName").GetString()!));
            ids.AddRange(values.Select(v => v.Id()));
            values.Should().AllSatisfy(v => v.GetProperty("@odata.etag").GetString().Should().Be(etags[v.Id()]));
            pages++;

            if (page.TryGetProperty("@odata.nextLink", out var next))
            {
                var issued = next.GetString()!;
                var authority = issuer.BaseAddress.GetLeftPart(UriPartial.Authority);
                issued.Should().StartWith($"{authority}{GraphApi.Summaries}?").And.Contain("skiptoken");
                issuer = issuer == instances.A ? instances.B : instances.A;
                link = issuer.BaseAddress.GetLeftPart(UriPartial.Authority) + issued[authority.Length..];
            }
            else
            {
                link = null;
            }
        }

        pages.Should().Be((Rows + PageSize - 1) / PageSize);
        ids.Should().OnlyHaveUniqueItems().And.BeEquivalentTo(etags.Keys, "every row is returned exactly once across the pages");
        names.Should().Equal(Enumerable.Range(0, Rows).Select(i => $"Paged {i:D2}"));

        // An ETag A issued (at the create) is current for B; once B has changed the row, it is stale for both.
        var id = etags.Keys.First();
        using var honoured = await b.PatchAsync($"{GraphApi.Summaries}/{id}", new { totalUserCount = 777 }, ("If-Match", etags[id]));
        var honouredJson = await honoured.ReadJsonAsync();
        honoured.StatusCode.Should().Be(HttpStatusCode.OK, honouredJson.ToString());
        var current = honoured.Headers.ETag!.ToString();
        current.Should().NotBe(etags[id]);

        using var staleOnB = await b.PatchAsync($"{GraphApi.Summaries}/{id}", new { totalUserCount = 1 }, ("If-Match", etags[id]));
        await staleOnB.ShouldBeGraphErrorAsync(HttpStatusCode.PreconditionFailed, "PreconditionFailed", id, "If-Match");
        using var staleOnA = await a.PatchAsync($"{GraphApi.Summaries}/{id}", new { totalUserCount = 2 }, ("If-Match", etags[id]));
        await staleOnA.ShouldBeGraphErrorAsync(HttpStatusCode.PreconditionFailed, "PreconditionFailed", id, "If-Match");

        // B's new ETag is current for A: a conditional GET through A is 304, a conditional PATCH through A succeeds.
        using var notModified = await a.SendAsync(GraphApi.Request(HttpMethod.Get, $"{GraphApi.Summaries}/{id}", null, ("If-None-Match", current)));
        notModified.StatusCode.Should().Be(HttpStatusCode.NotModified);
        using var patchedOnA = await a.PatchAsync($"{GraphApi.Summaries}/{id}", new { totalUserCount = 778 }, ("If-Match", current));
        patchedOnA.StatusCode.Should().Be(HttpStatusCode.OK, await patchedOnA.Content.ReadAsStringAsync());
        (await b.GetSummaryAsync(id)).GetProperty("totalUserCount").GetInt32().Should().Be(778);
    }

    [Fact]
    public async Task Two_instances_started_at_the_same_moment_on_an_empty_database_both_come_up_and_migrate_it_once()
    {
        output.WriteLine($"{TestStore.Name}: both processes launched within {instances.LaunchSpread.TotalMilliseconds:0} ms; " +
            $"both answering {instances.StartDuration.TotalMilliseconds:0} ms after the first launch");
        instances.LaunchSpread.Should().BeLessThan(TimeSpan.FromSeconds(1), "the two instances are started at the same moment");

        foreach (var (name, api) in new[] { ("A", instances.A), ("B", instances.B) })
        {
            using var probe = new HttpClient { BaseAddress = api.BaseAddress, Timeout = RequestTimeout };
            using var ready = await probe.GetAsync("/readyz");
            var answer = await ready.Content.ReadAsStringAsync();
            ready.StatusCode.Should().Be(HttpStatusCode.OK, $"instance {name}: {answer}\n{api.Transcript}");
            answer.Should().Be("Healthy");
        }

        // The history holds each of the provider's migrations exactly once.
        var expected = MigrationsOf(TestStore.Provider == StoreProvider.Sqlite ? typeof(SqliteSummariesDbContext) : typeof(PostgreSqlSummariesDbContext));
        expected.Should().NotBeEmpty();
        var history = (await instances.Database.QueryAsync(
                $"SELECT {TestDatabase.Quote("MigrationId")} FROM {TestDatabase.Quote(PersistenceExtensions.MigrationsHistoryTable)} ORDER BY 1"))
            .Select(row => (string)row[0]!).ToArray();
        history.Should().Equal(expected, instances.Transcripts);

        // Each migration was applied by one instance; the other found it applied.
        foreach (var migration in expected)
        {
            new[] { instances.A, instances.B }.Count(api => api.Output.Contains($"Applying migration '{migration}'", StringComparison.Ordinal))
                .Should().Be(1, $"migration {migration} is applied by exactly one instance\n{instances.Transcripts}");
        }

        // A write through one is read through the other, both ways.
        using var tenant = instances.NewTenant();
        var (a, b) = (tenant.A, tenant.B);
        var throughB = await b.CreateAsync();
        (await a.GetSummaryAsync(throughB.Id())).GetProperty("@odata.etag").GetString().Should().Be(throughB.GetProperty("@odata.etag").GetString());
        var throughA = await a.CreateAsync();
        (await b.GetSummaryAsync(throughA.Id())).GetProperty("@odata.etag").GetString().Should().Be(throughA.GetProperty("@odata.etag").GetString());

        // Both raced to load the Data Protection key ring from the empty database: it must hold one key, which both
        // instances seal $skiptokens with. (Were there a key each, an instance that had not read the other's key when
        // it loaded the ring would refuse the other's tokens once Data Protection stops refreshing on an unknown key,
        // 2 minutes after start-up, until its next refresh a day later.) The tokens are taken from both instances
        // before either follows one of the other's, since following an unknown key within those 2 minutes reloads it.
        var keys = (await instances.Database.QueryAsync($"SELECT {TestDatabase.Quote("FriendlyName")} FROM {TestDatabase.Quote("DataProtectionKeys")}"))
            .Select(row => (string)row[0]!).ToArray();
        output.WriteLine($"{TestStore.Name}: Data Protection keys after the simultaneous start: {string.Join(", ", keys)}");
        var links = new Dictionary<string, string>();
        foreach (var (name, client) in new[] { ("A", a), ("B", b) })
        {
            using var first = await client.SendAsync(
                GraphApi.Request(HttpMethod.Get, $"{GraphApi.Summaries}?$orderby=id", null, ("Prefer", "odata.maxpagesize=1")));
            var firstPage = await first.ReadJsonAsync();
            first.StatusCode.Should().Be(HttpStatusCode.OK, firstPage.ToString());
            firstPage.GetProperty("value")[0].Id().Should().Be(new[] { throughA.Id(), throughB.Id() }.Min(StringComparer.Ordinal));
            links[name] = firstPage.GetProperty("@odata.nextLink").GetString()!;
        }

        var sealedWith = links.ToDictionary(l => l.Key, l => $"key-{SealingKeyOf(l.Value)}");
        output.WriteLine($"{TestStore.Name}: A seals $skiptokens with {sealedWith["A"]}, B with {sealedWith["B"]}");
        keys.Should().ContainSingle($"instances that start together share one key ring\n{instances.Transcripts}");
        sealedWith.Values.Should().AllBe(keys[0]);

        foreach (var (issuer, reader, readerProcess) in new[] { ("A", b, instances.B), ("B", a, instances.A) })
        {
            var followed = readerProcess.BaseAddress.GetLeftPart(UriPartial.Authority) + new Uri(links[issuer]).PathAndQuery;
            using var second = await reader.GetAsync(followed);
            var secondPage = await second.ReadJsonAsync();
            second.StatusCode.Should().Be(HttpStatusCode.OK, $"a $skiptoken sealed by {issuer} must be opened by the other instance: {secondPage}");
            secondPage.GetProperty("value")[0].Id().Should().Be(new[] { throughA.Id(), throughB.Id() }.Max(StringComparer.Ordinal));
        }
    }

    /// <summary>
    /// The id of the Data Protection key that sealed the <c>$skiptoken</c> of <paramref name="nextLink"/>: a protected
    /// payload starts with a 4-byte magic header and the key's id.
    /// </summary>
    private static Guid SealingKeyOf(string nextLink)
    {
        var token = Uri.UnescapeDataString(new Uri(nextLink).Query).TrimStart('?').Split('&')
            .Single(p => p.StartsWith("$skiptoken=", StringComparison.Ordinal))["$skiptoken=".Length..];
        return new Guid(Base64Url.DecodeFromChars(token).AsSpan(4, 16));
    }

    /// <summary>The entity's values and its ETag: every property but <c>@odata.context</c>, which names the instance's own host.</summary>
    private static Dictionary<string, string> ValuesOf(JsonElement entity) =>
        entity.EnumerateObject().Where(p => p.Name != "@odata.context").ToDictionary(p => p.Name, p => p.Value.GetRawText());

    /// <summary>The ids of the migrations the app's assembly holds for <paramref name="context"/>, in the order EF applies them.</summary>
    internal static string[] MigrationsOf(Type context) =>
        [.. typeof(PersistenceExtensions).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<DbContextAttribute>()?.ContextType == context)
            .Select(t => t.GetCustomAttribute<MigrationAttribute>()?.Id)
            .OfType<string>()
            .Order(StringComparer.Ordinal)];
}

/// <summary>
/// Two processes of the built app, launched at the same moment on one empty database of the assembly's store, both
/// in Development trusting one user-jwts signing key. Starting them together is itself under test (the migration
/// and the Data Protection key ring race); the other tests then use the pair.
/// </summary>
public sealed class TwoInstances : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly string home = Path.Combine(Path.GetTempPath(), "credentialsummaries-tests", Guid.NewGuid().ToString("N"));
    private readonly byte[] signingKey = RandomNumberGenerator.GetBytes(32);
    private ApiProcess? a;
    private ApiProcess? b;

    public TestDatabase Database { get; } = TestDatabase.Create();

    public ApiProcess A => a ?? throw new InvalidOperationException("Not started.");

    public ApiProcess B => b ?? throw new InvalidOperationException("Not started.");

    /// <summary>How far apart the two processes were launched.</summary>
    public TimeSpan LaunchSpread { get; private set; }

    /// <summary>From the first launch until both answered.</summary>
    public TimeSpan StartDuration { get; private set; }

    public string Transcripts => $"=== instance A ===\n{a?.Transcript}\n=== instance B ===\n{b?.Transcript}";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(home);
        var settings = new Dictionary<string, string?>(Database.EnvironmentVariables)
        {
            // Key creation in the transcripts, to see how many keys the race made and by whom.
            ["Logging__LogLevel__Microsoft.AspNetCore.DataProtection"] = "Information",
        };

        // StartDevelopmentAsync launches the process before its first await: both are launched before either is waited for.
        var clock = Stopwatch.StartNew();
        var startA = ApiProcess.StartDevelopmentAsync(signingKey, home, settings, StartTimeout);
        var launchedA = clock.Elapsed;
        var startB = ApiProcess.StartDevelopmentAsync(signingKey, home, settings, StartTimeout);
        LaunchSpread = clock.Elapsed - launchedA;
        try
        {
            await Task.WhenAll(startA, startB);
        }
        catch
        {
            // One came up, the other did not: stop the one, report the other's failure (with its transcript).
            foreach (var started in new[] { startA, startB }.Where(t => t.IsCompletedSuccessfully))
            {
                await started.Result.DisposeAsync();
            }

            throw;
        }

        StartDuration = clock.Elapsed;
        a = startA.Result;
        b = startB.Result;
    }

    /// <summary>A client of each instance for a managing tenant of its own, with read-write rights.</summary>
    public InstanceClients NewTenant()
    {
        var token = TokenMinter.UserJwt(signingKey, DevelopmentApiFactory.UserJwtsAudience, Guid.NewGuid().ToString(), GraphApi.ReadWrite);
        return new InstanceClients(A.ClientFor(token, RequestTimeout), B.ClientFor(token, RequestTimeout));
    }

    public async Task DisposeAsync()
    {
        try
        {
            await Task.WhenAll(new[] { a, b }.OfType<ApiProcess>().Select(api => api.DisposeAsync().AsTask()));
        }
        finally
        {
            Database.Dispose();
            try
            {
                Directory.Delete(home, recursive: true);
            }
            catch (IOException)
            {
                // The OS temp cleaner takes it.
            }
        }
    }
}

/// <summary>One managing tenant's clients of instance A and of instance B.</summary>
public sealed class InstanceClients(HttpClient a, HttpClient b) : IDisposable
{
    public HttpClient A { get; } = a;

    public HttpClient B { get; } = b;

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}
