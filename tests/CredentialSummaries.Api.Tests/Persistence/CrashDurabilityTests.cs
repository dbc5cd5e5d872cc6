using System.Security.Cryptography;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;
using Xunit.Abstractions;

namespace CredentialSummaries.Api.Tests.Persistence;

/// <summary>
/// docs/configuration.md, <c>Sqlite:Synchronous=Normal</c>: "a write answered 2xx survives a crash of the process". The built app
/// runs as a process on the assembly's store (a SQLite file, or a PostgreSQL database) under concurrent POST and
/// PATCH load, is killed with SIGKILL mid-load, restarted on the same database, and every acknowledged write must be
/// there; after the last round the store passes its own check (SQLite's <c>PRAGMA integrity_check</c>,
/// PostgreSQL's amcheck over every index: <see cref="TestDatabase.IntegrityCheckAsync"/>).
/// </summary>
public sealed class CrashDurabilityTests(ITestOutputHelper output) : IDisposable
{
    private const int Rounds = 4;
    private const int Workers = 8;

    /// <summary>Each worker's budget per round; the kill comes well before the workers could spend it.</summary>
    private const int WritesPerWorkerPerRound = 120;

    /// <summary>The round's acknowledged writes after which the app is killed: mid-load, since 8 × 120 are planned.</summary>
    private const int KillAfterAcknowledged = 250;

    private const string Audience = DevelopmentApiFactory.UserJwtsAudience;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string directory = Path.Combine(Path.GetTempPath(), "credentialsummaries-tests", Guid.NewGuid().ToString("N"));
    private readonly byte[] signingKey = RandomNumberGenerator.GetBytes(32);
    private readonly string tenantId = Guid.NewGuid().ToString();

    private readonly TestDatabase database = TestDatabase.Create();

    [Fact]
    public async Task Every_write_answered_2xx_survives_SIGKILL_mid_load_over_several_rounds()
    {
        Directory.CreateDirectory(directory);
        var workers = Enumerable.Range(0, Workers).Select(i => new Worker(i)).ToArray();
        var token = TokenMinter.UserJwt(signingKey, Audience, tenantId, GraphApi.ReadWrite);
        Verification? verification = null;

        for (var round = 1; round <= Rounds; round++)
        {
            await using var api = await StartAsync();
            if (round > 1)
            {
                verification = await VerifyAsync(api, token, workers);
                verification.Lost.Should().Be(0, $"after the crash of round {round - 1}: {verification.Details}");
            }

            var load = await RunLoadUntilKilledAsync(api, token, workers, round);
            var exitCode = await api.WaitForExitAsync(TimeSpan.FromSeconds(30));

            Report($"round {round}: killed with SIGKILL after {load.Acknowledged} acknowledged writes, {load.WorkersStoppedByTheKill} of " +
                $"{Workers} writers stopped by it (exit code {exitCode})");
            load.Unexpected.Should().BeEmpty("every answered write is 2xx");
            load.WorkersStoppedByTheKill.Should().Be(Workers, "the kill must come while every worker is still writing");
            if (!OperatingSystem.IsWindows())
            {
                exitCode.Should().Be(128 + 9, "the app was killed with SIGKILL, so no shutdown code ran");
            }
        }

        string integrity;
        await using (var api = await StartAsync())
        {
            verification = await VerifyAsync(api, token, workers);
            (await api.StopAsync(TimeSpan.FromSeconds(30))).Should().Be(0, api.Transcript);
            integrity = await database.IntegrityCheckAsync();
        }

        Report($"{Rounds} rounds of SIGKILL under {Workers} concurrent writers: {verification.Acknowledged} writes acknowledged " +
            $"({verification.AcknowledgedPosts} POST, {verification.AcknowledgedPatches} PATCH), {verification.Found} found, " +
            $"{verification.Lost} lost, {verification.Impossible} impossible values; integrity_check: {integrity}");
        verification.Lost.Should().Be(0, verification.Details);
        verification.Impossible.Should().Be(0, verification.Details);
        verification.Found.Should().Be(verification.Acknowledged);
        integrity.Should().Be("ok");
    }

    public void Dispose()
    {
        database.Dispose();

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // The OS temp cleaner takes it.
        }
    }

    private void Report(string line) =>
        output.WriteLine(ReliabilityReport.Append(nameof(CrashDurabilityTests), line));

    /// <summary>The built app on the assembly's store, with the documented durability setting (docs/configuration.md).</summary>
    private Task<ApiProcess> StartAsync() => ApiProcess.StartDevelopmentAsync(signingKey, directory,
        new Dictionary<string, string?>(database.EnvironmentVariables)
        {
            ["Sqlite__Synchronous"] = "Normal", // the documented durability setting; the PostgreSQL store does not read it
        },
        StartTimeout);


    /// <summary>
    /// Every worker writes (alternately creating a row and patching one of its own rows with the next count) until its
    /// requests fail because the app is gone; the app is killed once <see cref="KillAfterAcknowledged"/> writes of
    /// this round were answered.
    /// </summary>
    private static async Task<LoadResult> RunLoadUntilKilledAsync(ApiProcess api, string token, Worker[] workers, int round)
    {
        using var client = api.ClientFor(token, TimeSpan.FromSeconds(30));
        var acknowledged = 0;
        var stoppedByKill = 0;
        var unexpected = new System.Collections.Concurrent.ConcurrentBag<string>();

        await Task.WhenAll(workers.Select(worker => Task.Run(async () =>
        {
            for (var write = 0; write < WritesPerWorkerPerRound; write++)
            {
                var patch = write % 2 == 1 && worker.Rows.Count > 0;
                try
                {
                    var status = patch ? await worker.PatchAsync(client) : await worker.PostAsync(client, round);
                    if (status is null)
                    {
                        if (Interlocked.Increment(ref acknowledged) == KillAfterAcknowledged)
                        {
                            api.Kill();
                        }
                    }
                    else
                    {
                        unexpected.Add(status);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // The app is gone: this write was sent but never answered.
                    Interlocked.Increment(ref stoppedByKill);
                    return;
                }
            }
        })));

        api.Kill(); // should the workers have run out of writes first, the assertion on stoppedByKill says so
        return new LoadResult(acknowledged, stoppedByKill, [.. unexpected]);
    }

    /// <summary>Reads every row of the tenant through the API and checks each acknowledged write against it.</summary>
    private static async Task<Verification> VerifyAsync(ApiProcess api, string token, Worker[] workers)
    {
        using var client = api.ClientFor(token, TimeSpan.FromSeconds(30));
        var stored = new Dictionary<string, JsonElement>();
        string? next = $"{GraphApi.Summaries}?$select=id,tenantId,tenantDisplayName,mfaRegisteredUserCount";
        while (next is not null)
        {
            using var response = await client.GetAsync(next);
            var page = await response.ReadJsonAsync();
            response.IsSuccessStatusCode.Should().BeTrue(page.ToString());
            foreach (var row in page.GetProperty("value").EnumerateArray())
            {
                stored[row.Id()] = row.Clone();
            }

            next = page.TryGetProperty("@odata.nextLink", out var link) ? link.GetString() : null;
        }

        int posts = 0, patches = 0, found = 0, impossible = 0;
        var details = new List<string>();
        foreach (var row in workers.SelectMany(w => w.Rows.Values))
        {
            posts++;
            patches += row.AcknowledgedCounts.Count;
            if (!stored.TryGetValue(row.Id, out var entity))
            {
                details.Add($"{row.Id}: created (201) but missing");
                continue;
            }

            if (entity.GetProperty("tenantId").GetString() != row.TenantId || entity.GetProperty("tenantDisplayName").GetString() != row.Id)
            {
                details.Add($"{row.Id}: created with other values than those stored: {entity}");
                impossible++;
                continue;
            }

            found++;
            var count = entity.GetProperty("mfaRegisteredUserCount").GetInt32();
            // One worker owns the row and sends 1, 2, 3, … in order: the row must hold the last acknowledged count or
            // a later one that was sent (a write in flight at the kill may or may not have landed), nothing else.
            found += row.AcknowledgedCounts.Count(acknowledged => acknowledged <= count);
            if (count > row.LastSent)
            {
                details.Add($"{row.Id}: holds {count}, more than was ever sent ({row.LastSent})");
                impossible++;
            }

            if (row.AcknowledgedCounts.Count > 0 && count < row.AcknowledgedCounts[^1])
            {
                details.Add($"{row.Id}: holds {count}, the acknowledged {row.AcknowledgedCounts[^1]} is lost");
            }
        }

        return new Verification(posts, patches, found, impossible, string.Join("; ", details.Take(20)));
    }

    private sealed record LoadResult(int Acknowledged, int WorkersStoppedByTheKill, IReadOnlyList<string> Unexpected);

    private sealed record Verification(int AcknowledgedPosts, int AcknowledgedPatches, int Found, int Impossible, string Details)
    {
        public int Acknowledged => AcknowledgedPosts + AcknowledgedPatches;

        public int Lost => Acknowledged - Found;
    }

    /// <summary>A row a worker created (201) and alone patches, with the counts it sent and those that were acknowledged.</summary>
    private sealed class Row(string id, string tenantId)
    {
        public string Id { get; } = id;

        public string TenantId { get; } = tenantId;

        public int LastSent { get; set; }

        public List<int> AcknowledgedCounts { get; } = [];
    }

    /// <summary>One writer: its rows are its own, so what each row must hold is decidable.</summary>
    private sealed class Worker(int number)
    {
        private int created;

        public Dictionary<string, Row> Rows { get; } = [];

        /// <returns>null when the write was acknowledged (2xx), otherwise a description of the unexpected answer.</returns>
        public async Task<string?> PostAsync(HttpClient client, int round)
        {
            var row = new Row($"crash-r{round}-w{number}-{created++}", Guid.NewGuid().ToString());
            var body = GraphApi.SeedBody(row.TenantId);
            body["id"] = row.Id;
            body["tenantDisplayName"] = row.Id;
            body["mfaAndSsprCapableUserCount"] = 0;
            body["ssprEnabledUserCount"] = 0;
            body["mfaRegisteredUserCount"] = 0;
            body["ssprRegisteredUserCount"] = 0;
            body["totalUserCount"] = 1_000_000;
            using var response = await client.PostAsync(GraphApi.Summaries, body);
            if (!response.IsSuccessStatusCode)
            {
                return $"POST {row.Id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }

            Rows.Add(row.Id, row);
            return null;
        }

        public async Task<string?> PatchAsync(HttpClient client)
        {
            var row = Rows.Values.ElementAt(Random.Shared.Next(Rows.Count));
            var count = ++row.LastSent;
            using var response = await client.PatchAsync($"{GraphApi.Summaries}/{row.Id}", new { mfaRegisteredUserCount = count });
            if (!response.IsSuccessStatusCode)
            {
                return $"PATCH {row.Id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }

            row.AcknowledgedCounts.Add(count);
            return null;
        }
    }
}
