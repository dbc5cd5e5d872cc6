using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;
using Xunit.Abstractions;

namespace CredentialSummaries.Api.Tests.Operations;

/// <summary>
/// docs/production.md, "Health and shutdown": the built app, on the assembly's store, under write load gets SIGTERM. <c>/readyz</c> turns 503 at once, writes
/// go on being served for the drain, the listener then closes, the requests in flight finish with 2xx, the process
/// exits 0, and every write answered 2xx is in the database after a restart.
/// </summary>
public sealed class GracefulShutdownTests(ITestOutputHelper output) : IDisposable
{
    private const int DrainSeconds = 2;
    private const int Writers = 4;
    private const int BatchWriters = 2;
    private const int BatchSize = 20;
    private const int AcknowledgedBeforeSigterm = 60;
    private const string Audience = DevelopmentApiFactory.UserJwtsAudience;

    private readonly string directory = Path.Combine(Path.GetTempPath(), "credentialsummaries-tests", Guid.NewGuid().ToString("N"));
    private readonly byte[] signingKey = RandomNumberGenerator.GetBytes(32);
    private readonly string tenantId = Guid.NewGuid().ToString();

    private readonly TestDatabase database = TestDatabase.Create();

    [Fact]
    public async Task Sigterm_turns_readiness_503_at_once_finishes_requests_in_flight_exits_0_and_loses_no_acknowledged_write()
    {
        Directory.CreateDirectory(directory);
        var token = TokenMinter.UserJwt(signingKey, Audience, tenantId, GraphApi.ReadWrite);
        var acknowledged = new ConcurrentDictionary<string, TimeSpan>();
        var unexpected = new ConcurrentBag<string>();
        var failures = new ConcurrentBag<string>();
        var probes = new ConcurrentQueue<(TimeSpan At, string Answer)>();
        var clock = Stopwatch.StartNew();
        var sigtermAt = TimeSpan.MaxValue;
        var batchesAnswered = 0;
        var answeredSpans = new ConcurrentBag<(TimeSpan Sent, TimeSpan Answered)>();
        var cutOff = new ConcurrentBag<string>();

        int exitCode;
        await using (var api = await StartAsync())
        {
            using var client = api.ClientFor(token, TimeSpan.FromSeconds(60));
            using var stop = new CancellationTokenSource();
            var sigtermSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            async Task WriteUntilRefusedAsync(int worker, bool batched)
            {
                for (var n = 0; ; n++)
                {
                    var ids = Enumerable.Range(0, batched ? BatchSize : 1).Select(i => $"shutdown-{(batched ? "b" : "w")}{worker}-{n}-{i}").ToArray();
                    var sent = clock.Elapsed;
                    try
                    {
                        var answered = batched ? await PostBatchAsync(client, ids, unexpected) : await PostAsync(client, ids[0], unexpected);
                        foreach (var id in answered)
                        {
                            acknowledged[id] = clock.Elapsed;
                        }

                        answeredSpans.Add((sent, clock.Elapsed));
                        if (batched)
                        {
                            Interlocked.Increment(ref batchesAnswered);
                        }

                        if (acknowledged.Count >= AcknowledgedBeforeSigterm)
                        {
                            sigtermSent.TrySetResult();
                        }
                    }
                    catch (HttpRequestException e)
                    {
                        failures.Add($"{(batched ? "batch" : "write")} at {clock.Elapsed.TotalMilliseconds:0} ms: {e.HttpRequestError}");
                        if (e.HttpRequestError != HttpRequestError.ConnectionError)
                        {
                            foreach (var id in ids)
                            {
                                cutOff.Add(id);
                            }
                        }

                        return;
                    }
                }
            }

            async Task ProbeAsync()
            {
                // A probe per connection, as a load balancer opens them, so an idle kept-alive connection is not mistaken.
                while (!stop.IsCancellationRequested)
                {
                    using var probe = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
                    string answer;
                    try
                    {
                        using var response = await probe.GetAsync("/readyz");
                        answer = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                    }
                    catch (HttpRequestException e)
                    {
                        answer = e.HttpRequestError.ToString();
                    }

                    probes.Enqueue((clock.Elapsed, answer));
                    await Task.Delay(20);
                }
            }

            var prober = Task.Run(ProbeAsync);
            var load = Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteUntilRefusedAsync(w, batched: false)))
                .Concat(Enumerable.Range(0, BatchWriters).Select(w => Task.Run(() => WriteUntilRefusedAsync(w, batched: true))))
                .ToArray();

            await sigtermSent.Task.WaitAsync(TimeSpan.FromSeconds(60));
            sigtermAt = clock.Elapsed;
            exitCode = await api.StopAsync(TimeSpan.FromSeconds(60));
            var exitedAt = clock.Elapsed;
            await Task.WhenAll(load).WaitAsync(TimeSpan.FromSeconds(30));
            // The process has exited, so the prober's next probe finds the port closed; when nothing was in flight the
            // exit can follow the close within one probe interval, so let that probe happen before stopping it.
            var lastProbe = Stopwatch.StartNew();
            while (!probes.Any(p => p.At > sigtermAt && p.Answer == nameof(HttpRequestError.ConnectionError)) && lastProbe.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(20);
            }

            await stop.CancelAsync();
            await prober;

            Report($"SIGTERM at {sigtermAt.TotalMilliseconds:0} ms, exit code {exitCode} at {exitedAt.TotalMilliseconds:0} ms; " +
                $"{acknowledged.Count} writes acknowledged ({acknowledged.Values.Count(t => t > sigtermAt)} after SIGTERM), {batchesAnswered} batches answered");
            Report("readiness after SIGTERM: " + Timeline(probes.Where(p => p.At > sigtermAt - TimeSpan.FromMilliseconds(100)), sigtermAt));
            Report("failures: " + string.Join("; ", failures));
            var notReadyBefore = probes.Where(p => p.At < sigtermAt && p.Answer != "200 Healthy").ToArray();
            if (notReadyBefore.Length > 0)
            {
                // Its database check has 2 s; on a loaded 2-core machine (this test's writers, the other test project)
                // one can run out. The service logs why; keep it in the report.
                Report($"{notReadyBefore.Length} probe(s) before SIGTERM not 200: {Timeline(notReadyBefore, sigtermAt)}; the service said: " +
                    string.Join(" | ", api.Output.Split('\n').Where(line => line.Contains("Health check", StringComparison.Ordinal)).Take(5)));
            }

            exitCode.Should().Be(0, api.Transcript);
        }

        unexpected.Should().BeEmpty("every request that was answered, before or after SIGTERM, is answered 2xx");
        failures.Should().HaveCount(Writers + BatchWriters, "each writer stops when the listener is gone");
        // What Kestrel does at the close: a request already being served is finished; a kept-alive connection that
        // is idle at that moment is closed, and a request the client sends on it just then ends without an answer
        // (ResponseEnded), unprocessed. Every other request finds the port closed (ConnectionError).
        // A request racing the close itself may also fail without a classified reason (Unknown), as a probe did once;
        // whatever the kind, such a request was never processed (checked after the restart below).
        failures.Should().OnlyContain(f => f.EndsWith(nameof(HttpRequestError.ConnectionError), StringComparison.Ordinal)
            || f.EndsWith(nameof(HttpRequestError.ResponseEnded), StringComparison.Ordinal)
            || f.EndsWith(nameof(HttpRequestError.Unknown), StringComparison.Ordinal));
        var afterSigterm = probes.Where(p => p.At > sigtermAt).ToArray();
        // Ready before the signal. A database check that ran out of its 2 s under the machine's load (this test's
        // writers, the other test project) answers 503 for the second its verdict is kept; that is reported above,
        // with the service's reason, and the instance is ready again after it.
        var beforeSigterm = probes.Where(p => p.At < sigtermAt).Select(p => p.Answer).ToArray();
        beforeSigterm.Should().NotBeEmpty().And.OnlyContain(answer => answer == "200 Healthy" || answer == "503 Unhealthy");
        beforeSigterm[^1].Should().Be("200 Healthy", "the last probe before the signal found the instance ready");
        var first503 = afterSigterm.FirstOrDefault(p => p.Answer == "503 Unhealthy");
        first503.Answer.Should().NotBeNull("readiness turns 503 once shutdown starts");
        // "At once" on a loaded 2-core CI machine: the signal, the stopping callback and the next probe each wait for a core.
        (first503.At - sigtermAt).Should().BeLessThan(TimeSpan.FromSeconds(3), "readiness turns 503 at once (the signal itself takes some ms to send)");
        // A probe that races the close itself may fail otherwise (HttpRequestError.Unknown was seen once).
        afterSigterm.SkipWhile(p => p.Answer != "503 Unhealthy").Should().OnlyContain(
            p => p.Answer == "503 Unhealthy" || !char.IsAsciiDigit(p.Answer[0]),
            "after the first 503 readiness is never answered otherwise; once the listener is closed there is no answer");
        afterSigterm.Should().Contain(p => p.Answer == nameof(HttpRequestError.ConnectionError), "the listener closes after the drain");
        var refusedAt = afterSigterm.First(p => p.Answer == nameof(HttpRequestError.ConnectionError)).At;
        (refusedAt - first503.At).Should().BeGreaterThan(TimeSpan.FromSeconds(DrainSeconds - 1), "the drain keeps serving");
        acknowledged.Values.Should().Contain(t => t > first503.At, "writes are still served while readiness is 503, during the drain");
        var lastServed = afterSigterm.Last(p => p.Answer == "503 Unhealthy").At;
        var spanningTheClose = answeredSpans.Count(s => s.Sent < lastServed && s.Answered > refusedAt);
        Report($"listener closed between +{(lastServed - sigtermAt).TotalMilliseconds:0} and +{(refusedAt - sigtermAt).TotalMilliseconds:0} ms; " +
            $"{spanningTheClose} requests sent before it were answered 2xx after it; {cutOff.Count} writes ended without an answer");
        // Whether a request happens to be in flight at the very moment the listener closes is up to the scheduler (a
        // loaded CI run saw none): it is reported above, not asserted. What is asserted holds either way: every answer
        // is 2xx, and after the restart every acknowledged write is there and no unanswered one is.

        await using (var api = await StartAsync())
        {
            var stored = await ReadAllIdsAsync(api, token);
            acknowledged.Keys.Except(stored).Should().BeEmpty("every write answered 2xx is in the database after the restart");
            cutOff.Intersect(stored).Should().BeEmpty("a request that ended without an answer was never processed");
            (await api.StopAsync(TimeSpan.FromSeconds(30))).Should().Be(0, api.Transcript);
        }
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

    private static string Timeline(IEnumerable<(TimeSpan At, string Answer)> probes, TimeSpan origin)
    {
        // Runs of the same answer: "200 Healthy until +3 ms, 503 Unhealthy +12..+2010 ms, ConnectionError +2031.. ms".
        var runs = new List<string>();
        string? answer = null;
        TimeSpan from = default, to = default;
        foreach (var probe in probes)
        {
            if (probe.Answer != answer)
            {
                if (answer is not null)
                {
                    runs.Add($"{answer} {(from - origin).TotalMilliseconds:+0;-0}..{(to - origin).TotalMilliseconds:+0;-0} ms");
                }

                (answer, from) = (probe.Answer, probe.At);
            }

            to = probe.At;
        }

        if (answer is not null)
        {
            runs.Add($"{answer} {(from - origin).TotalMilliseconds:+0;-0}..{(to - origin).TotalMilliseconds:+0;-0} ms");
        }

        return string.Join(", ", runs);
    }

    private void Report(string line) => output.WriteLine(ReliabilityReport.Append(nameof(GracefulShutdownTests), line));

    private Task<ApiProcess> StartAsync() => ApiProcess.StartDevelopmentAsync(signingKey, directory, new Dictionary<string, string?>(database.EnvironmentVariables)
    {
        ["Hosting__ShutdownDrainSeconds"] = DrainSeconds.ToString(CultureInfo.InvariantCulture),
    }, TimeSpan.FromSeconds(60));


    private static Dictionary<string, object?> Body(string id)
    {
        var body = GraphApi.SeedBody();
        body["id"] = id;
        body["tenantDisplayName"] = id;
        return body;
    }

    private static async Task<string[]> PostAsync(HttpClient client, string id, ConcurrentBag<string> unexpected)
    {
        using var response = await client.PostAsync(GraphApi.Summaries, Body(id));
        if (response.StatusCode != HttpStatusCode.Created)
        {
            unexpected.Add($"POST {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return [];
        }

        return [id];
    }

    /// <summary>A Graph JSON batch of creates: the slow requests that are in flight when the listener closes.</summary>
    private static async Task<string[]> PostBatchAsync(HttpClient client, string[] ids, ConcurrentBag<string> unexpected)
    {
        var requests = ids.Select((id, i) => new
        {
            id = (i + 1).ToString(CultureInfo.InvariantCulture),
            method = "POST",
            url = "/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries",
            headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" },
            body = Body(id),
        }).ToArray();
        using var response = await client.PostAsync("/v1.0/$batch", new { requests });
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            unexpected.Add($"batch: {(int)response.StatusCode} {text}");
            return [];
        }

        using var document = JsonDocument.Parse(text);
        var created = new List<string>();
        foreach (var answer in document.RootElement.GetProperty("responses").EnumerateArray())
        {
            var index = int.Parse(answer.GetProperty("id").GetString()!, CultureInfo.InvariantCulture) - 1;
            if (answer.GetProperty("status").GetInt32() == 201)
            {
                created.Add(ids[index]);
            }
            else
            {
                unexpected.Add($"batched POST {ids[index]}: {answer}");
            }
        }

        return [.. created];
    }

    private static async Task<HashSet<string>> ReadAllIdsAsync(ApiProcess api, string token)
    {
        using var client = api.ClientFor(token, TimeSpan.FromSeconds(60));
        var ids = new HashSet<string>();
        string? next = $"{GraphApi.Summaries}?$select=id";
        while (next is not null)
        {
            using var response = await client.GetAsync(next);
            var page = await response.ReadJsonAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, page.ToString());
            foreach (var row in page.GetProperty("value").EnumerateArray())
            {
                ids.Add(row.Id());
            }

            next = page.TryGetProperty("@odata.nextLink", out var link) ? link.GetString() : null;
        }

        return ids;
    }
}
