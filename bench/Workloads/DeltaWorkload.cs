using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using CredentialSummaries.Bench.Runner;

namespace CredentialSummaries.Bench.Workloads;

/// <summary>Delta rounds run beside concurrent writers, and what the reader's copy held at the end.</summary>
internal sealed record DeltaFigures(
    string Store, int Rows, double InitialSyncMilliseconds, int InitialPages, int Writers, double Seconds, int Writes,
    IReadOnlyList<double> RoundMilliseconds, IReadOnlyList<int> ChangesPerRound, int Mismatches)
{
    public double WritesPerSecond => Writes / Seconds;
}

/// <summary>
/// A dashboard keeping a copy current with <c>delta()</c> while collectors write, as docs/collectors.md describes: an
/// owner of <c>--delta-rows</c> summaries (upserted through the API), a first delta round (every page, to the delta
/// link), then for <c>--delta-seconds</c> <c>--writers</c> upsert loops changing random tenants' counts as fast as the
/// service takes them, while one reader runs delta rounds back to back from the latest delta link and applies each
/// change to its copy. After the writers stop, a last round; the copy must then equal the list the service serves,
/// row by row (a mismatch is a lost change, and is counted, not hidden).
/// </summary>
internal sealed class DeltaWorkload(WorkloadOptions options)
{
    private const int SeedLanes = 8;

    public async Task<DeltaFigures> RunAsync(TargetProcess service, string store, Tokens tokens)
    {
        var owner = Guid.NewGuid().ToString();
        using var client = ServiceApi.ClientFor(service.BaseAddress, tokens.Mint(owner), SeedLanes + options.DeltaWriters + 1);
        var tenants = Enumerable.Range(0, options.DeltaRows).Select(_ => Guid.NewGuid().ToString()).ToArray();
        var now = DateTime.UtcNow;
        await Parallel.ForAsync(0, tenants.Length, new ParallelOptions { MaxDegreeOfParallelism = SeedLanes }, async (i, cancellationToken) =>
            await ServiceApi.UpsertAsync(client, tenants[i], ServiceApi.Body($"Delta tenant {i:D5}", 1_000, i % 1_000, 500, false, "enabled", now), cancellationToken));

        // The first round: every summary, page by page, to the delta link.
        var copy = new Dictionary<string, int>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        var (deltaLink, pages, _) = await RoundAsync(client, $"{ServiceApi.Summaries}/delta()", copy);
        var initial = clock.Elapsed.TotalMilliseconds;
        if (copy.Count != tenants.Length)
        {
            throw new BenchException($"The first delta round read {copy.Count} summaries, not {tenants.Length}.");
        }

        Console.WriteLine($"  {store}, delta: the first round read {copy.Count:N0} summaries in {pages} pages, {initial:N0} ms");

        // Writers and the reader side by side.
        var writes = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(options.DeltaSeconds));
        var writers = Enumerable.Range(0, options.DeltaWriters).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            while (!stop.IsCancellationRequested)
            {
                var i = random.Next(tenants.Length);
                await ServiceApi.UpsertAsync(client, tenants[i], ServiceApi.Body($"Delta tenant {i:D5}", 1_000, random.Next(1_001), 500, false, "enabled", DateTime.UtcNow));
                Interlocked.Increment(ref writes);
            }
        })).ToArray();
        var rounds = new ConcurrentBag<(double Milliseconds, int Changes)>();
        var started = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            var round = Stopwatch.StartNew();
            (deltaLink, _, var changes) = await RoundAsync(client, deltaLink, copy);
            rounds.Add((round.Elapsed.TotalMilliseconds, changes));
        }

        await Task.WhenAll(writers);
        var seconds = started.Elapsed.TotalSeconds;
        (_, _, _) = await RoundAsync(client, deltaLink, copy);

        // The copy against the service's list.
        var served = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var next = $"{ServiceApi.Summaries}?$select=id,mfaRegisteredUserCount"; next is not null;)
        {
            using var page = JsonDocument.Parse(await client.GetStringAsync(next));
            foreach (var row in page.RootElement.GetProperty("value").EnumerateArray())
            {
                served[row.GetProperty("id").GetString()!] = row.GetProperty("mfaRegisteredUserCount").GetInt32();
            }

            next = page.RootElement.TryGetProperty("@odata.nextLink", out var link) ? link.GetString() : null;
        }

        var mismatches = served.Count(pair => !copy.TryGetValue(pair.Key, out var mfa) || mfa != pair.Value) + copy.Keys.Count(id => !served.ContainsKey(id));
        var ordered = rounds.ToList();
        Console.WriteLine($"  {store}, delta: {writes:N0} writes in {seconds:F1} s beside {ordered.Count} delta rounds; {mismatches} mismatches at the end");
        return new DeltaFigures(store, tenants.Length, initial, pages, options.DeltaWriters, seconds, writes,
            [.. ordered.Select(r => r.Milliseconds)], [.. ordered.Select(r => r.Changes)], mismatches);
    }

    /// <summary>One delta round from <paramref name="link"/>: every page applied to <paramref name="copy"/>, to the next delta link.</summary>
    private static async Task<(string DeltaLink, int Pages, int Changes)> RoundAsync(HttpClient client, string link, Dictionary<string, int> copy)
    {
        var pages = 0;
        var changes = 0;
        for (var next = link; ;)
        {
            using var page = JsonDocument.Parse(await client.GetStringAsync(next));
            pages++;
            foreach (var row in page.RootElement.GetProperty("value").EnumerateArray())
            {
                changes++;
                var id = row.GetProperty("id").GetString()!;
                if (row.TryGetProperty("@removed", out _))
                {
                    copy.Remove(id);
                }
                else if (row.TryGetProperty("mfaRegisteredUserCount", out var mfa))
                {
                    copy[id] = mfa.GetInt32();
                }
            }

            if (page.RootElement.TryGetProperty("@odata.nextLink", out var nextLink))
            {
                next = nextLink.GetString()!;
                continue;
            }

            return (page.RootElement.GetProperty("@odata.deltaLink").GetString()!, pages, changes);
        }
    }
}
