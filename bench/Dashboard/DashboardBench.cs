using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CredentialSummaries.Bench.Runner;
using Microsoft.Playwright;

namespace CredentialSummaries.Bench.Dashboard;

/// <summary>One owner's measured first views: what the clock and the page saw.</summary>
internal sealed record OwnerFigures(
    string Store, int Tenants, int Snapshots, double SeedUpsertsPerSecond, IReadOnlyList<double> FirstViewMilliseconds,
    IReadOnlyList<double> PageMilliseconds, int ApiCallsPerView, IReadOnlyList<double> ApiCallMilliseconds, long ApiBytesPerView,
    long ServerPeakRssBytes, string TableStatus, IReadOnlyList<(string Kind, ApiCall Call)> Calls);

/// <summary>One API call of a first view, as the page's Resource Timing saw it.</summary>
internal sealed record ApiCall(string Name, double Start, double Duration, long Transfer)
{
    /// <summary>What the call is for: the page's five kinds of request, told apart by their URL.</summary>
    public string Kind
    {
        get
        {
            var url = Uri.UnescapeDataString(Name);
            return url switch
            {
                _ when url.Contains("/tenantCollectionStatuses", StringComparison.Ordinal) => "collection statuses",
                _ when url.Contains("Snapshots", StringComparison.Ordinal) && url.Contains("tenantId in", StringComparison.Ordinal) => "sparklines (50 rows' 12 months)",
                _ when url.Contains("Snapshots", StringComparison.Ordinal) => "last month's shares (pages)",
                _ when url.Contains("$apply", StringComparison.Ordinal) => "headline ($apply aggregate)",
                _ => "summaries (pages)",
            };
        }
    }
}

/// <summary>
/// For each store: the service (Release, Development, as the runner starts it) on an empty database, filled through its
/// own API — every tenant's monthly snapshots oldest first, then this month's refresh, each an upsert
/// (<c>PATCH …(tenantId='…')</c> with <c>Prefer: create-if-missing</c>), so the history is the service's own — and,
/// per owner, first views of <c>/dashboard</c> in a fresh chromium context each (a cold cache; the token already in
/// the tab's session storage, as after a sign-in). A first view is usable when the headline, the first page of the
/// table with its 50 sparklines and the "dropped" list are drawn (<c>body[data-state=loaded]</c> and every row's
/// sparkline); it is timed from the navigation's start by the runner's clock and by the page's own.
/// </summary>
internal sealed class DashboardBench(DashboardBenchOptions options, string repositoryRoot)
{
    private const string SummariesPath = "/v1.0/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries";
    private const string TokenKey = "credentialSummaries.dashboard.token";
    private const int SeedLanes = 8;
    private const string Chromium = "/usr/bin/chromium";

    private const string Drawn = """
        () => document.body.dataset.state === 'loaded'
          && document.querySelectorAll('#tenant-table tbody tr').length > 0
          && [...document.querySelectorAll('#tenant-table tbody tr')].every(tr => tr.querySelector('svg.sparkline'))
        """;

    private const string Measure = """
        () => JSON.stringify({
          page: performance.now(),
          status: document.getElementById('table-status').textContent,
          calls: performance.getEntriesByType('resource').filter(e => new URL(e.name).pathname.startsWith('/v1.0/'))
            .map(e => ({ name: e.name, start: e.startTime, duration: e.duration, transfer: e.transferSize })),
        })
        """;

    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private string ServiceDll => Path.Combine(repositoryRoot, "src", "CredentialSummaries.Api", "bin", "Release", "net10.0", "CredentialSummaries.Api.dll");

    private string ProbeDll => Path.Combine(repositoryRoot, "bench", "Probe", "bin", "Release", "net10.0", "CredentialSummaries.Bench.Probe.dll");

    public static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CredentialSummaries.sln")))
            {
                return directory.FullName;
            }
        }

        throw new BenchException("No CredentialSummaries.sln above the benchmark's folder.");
    }

    public async Task<List<OwnerFigures>> RunAsync()
    {
        if (!File.Exists(Chromium))
        {
            throw new BenchException($"Debian's chromium is not at {Chromium} (apt-get install chromium).");
        }

        using var work = await WorkFolder.CreateAsync(keep: false);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ChromiumArgs });
        var figures = new List<OwnerFigures>();
        foreach (var storeKey in options.Stores)
        {
            PostgreSqlCluster? cluster = null;
            try
            {
                Store store;
                if (storeKey == "sqlite")
                {
                    store = new SqliteStore(work.PathOf("sqlite", "summaries.db"));
                }
                else
                {
                    cluster = await PostgreSqlCluster.StartAsync(work);
                    store = new PostgreSqlStore(cluster, "credentialsummaries_dashboard");
                }

                await store.CreateEmptyAsync();
                var tokens = new Tokens();
                await using var service = await TargetProcess.StartAsync(
                    new TargetSpec("service", ServiceDll, RunsService: true), store, tokens, ProbeDll, work, keepLogs: false,
                    new Dictionary<string, string>(), $"dashboard-{storeKey}", CancellationToken.None);
                Console.WriteLine($"{store.Name}: the service answers at {service.BaseAddress} ({service.StartupTime.TotalSeconds:F1} s to start).");
                foreach (var size in options.Sizes)
                {
                    var owner = Guid.NewGuid().ToString();
                    var (snapshots, rate) = await SeedAsync(service.BaseAddress, tokens.Mint(owner), size);
                    Console.WriteLine($"{store.Name}: {size:N0} tenants with {snapshots:N0} snapshots, written through the API at {rate:N0} upserts/s.");
                    figures.Add(await MeasureAsync(browser, service, store.Name, tokens.Mint(owner), size, snapshots, rate));
                }

                await service.StopAsync();
            }
            finally
            {
                if (cluster is not null)
                {
                    await cluster.DisposeAsync();
                }
            }
        }

        return figures;
    }

    private async Task<(int Snapshots, double Rate)> SeedAsync(Uri baseAddress, string token, int tenants)
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = SeedLanes }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var random = new Random(2112 + tenants);
        var now = DateTime.UtcNow;
        var ids = Enumerable.Range(0, tenants).Select(_ => Guid.NewGuid().ToString()).ToArray();
        var totals = ids.Select(_ => random.Next(10) == 0 ? 0 : random.Next(5, 20_000)).ToArray();
        var startShares = ids.Select(_ => random.NextDouble() * 0.6).ToArray();
        var written = 0;
        var clock = Stopwatch.StartNew();

        // Month by month, oldest first, so that each snapshot's previous-month share is the service's own.
        var thisMonth = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var back = options.Months; back >= 0; back--)
        {
            await Parallel.ForAsync(0, tenants, new ParallelOptions { MaxDegreeOfParallelism = SeedLanes }, async (i, cancellationToken) =>
            {
                var total = totals[i];
                var share = Math.Clamp(startShares[i] + (0.03 * (options.Months - back)) + (back == 0 && i % 9 == 0 ? -0.15 : 0), 0, 1);
                var refreshed = back == 0
                    ? now.AddMinutes(-(i % 600)).AddHours(i % 11 == 0 ? -72 : 0)
                    : thisMonth.AddMonths(-back).AddDays(9).AddHours(12).AddMinutes(i % 600);
                if (refreshed < thisMonth && back == 0)
                {
                    refreshed = thisMonth;
                }

                var mfa = (int)(total * share);
                var sspr = (int)(total * Math.Min(1, share + 0.1));
                var body = new Dictionary<string, object?>
                {
                    ["tenantDisplayName"] = $"Customer {i:D5} {Names[i % Names.Length]}",
                    ["totalUserCount"] = total,
                    ["mfaRegisteredUserCount"] = mfa,
                    ["ssprRegisteredUserCount"] = sspr,
                    ["ssprEnabledUserCount"] = sspr,
                    ["mfaAndSsprCapableUserCount"] = Math.Min(mfa, sspr) / 2,
                    ["securityDefaultsEnabled"] = i % 4 == 0,
                    ["mfaConditionalAccessPolicyState"] = (i % 5) switch { 0 => null, 1 => "disabled", 2 => "reportOnly", _ => "enabled" },
                    ["lastRefreshedDateTime"] = refreshed.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                };
                using var request = new HttpRequestMessage(HttpMethod.Patch, $"{SummariesPath}(tenantId='{ids[i]}')")
                {
                    Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
                };
                request.Headers.Add("Prefer", "create-if-missing");
                using var response = await client.SendAsync(request, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new BenchException($"An upsert answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }

                Interlocked.Increment(ref written);
            });
        }

        return (written, written / clock.Elapsed.TotalSeconds);
    }

    private async Task<OwnerFigures> MeasureAsync(IBrowser browser, TargetProcess service, string store, string token, int tenants, int snapshots, double rate)
    {
        var url = new Uri(service.BaseAddress, "/dashboard").ToString();
        var origin = service.BaseAddress.GetLeftPart(UriPartial.Authority);
        var firstViews = new List<double>();
        var pageTimes = new List<double>();
        var calls = new List<(string, ApiCall)>();
        var callsPerView = 0;
        long bytesPerView = 0;
        var status = string.Empty;
        for (var view = 0; view < options.WarmupViews + options.Views; view++)
        {
            var measured = view >= options.WarmupViews;
            if (view == options.WarmupViews)
            {
                service.ResetPeakRss();
            }

            await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
            await context.AddInitScriptAsync(
                $"performance.setResourceTimingBufferSize(100000); if (location.origin === {JsonSerializer.Serialize(origin)}) sessionStorage.setItem({JsonSerializer.Serialize(TokenKey)}, {JsonSerializer.Serialize(token)});");
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(120_000);
            var clock = Stopwatch.StartNew();
            var response = await page.GotoAsync(url);
            if (response is null || response.Status != (int)HttpStatusCode.OK)
            {
                throw new BenchException($"GET /dashboard answered {response?.Status}.");
            }

            await page.WaitForFunctionAsync(Drawn, null, new PageWaitForFunctionOptions { PollingInterval = 5 });
            var elapsed = clock.Elapsed.TotalMilliseconds;
            using var seen = JsonDocument.Parse(await page.EvaluateAsync<string>(Measure));
            status = seen.RootElement.GetProperty("status").GetString() ?? string.Empty;
            var expected = tenants.ToString("N0", CultureInfo.InvariantCulture) + " tenants.";
            if (status != expected)
            {
                throw new BenchException($"The first view of {tenants:N0} tenants says '{status}', not '{expected}': it is not the whole portfolio.");
            }

            var viewCalls = seen.RootElement.GetProperty("calls").EnumerateArray()
                .Select(c => new ApiCall(c.GetProperty("name").GetString()!, c.GetProperty("start").GetDouble(), c.GetProperty("duration").GetDouble(), c.GetProperty("transfer").GetInt64()))
                .ToList();
            if (measured)
            {
                firstViews.Add(elapsed);
                pageTimes.Add(seen.RootElement.GetProperty("page").GetDouble());
                calls.AddRange(viewCalls.Select(c => (c.Kind, c)));
                callsPerView = viewCalls.Count;
                bytesPerView = viewCalls.Sum(c => c.Transfer);
            }

            Console.WriteLine($"  {store}, {tenants:N0} tenants, view {view + 1}{(measured ? string.Empty : " (warm-up)")}: {elapsed:F0} ms, {viewCalls.Count} API calls");
        }

        return new OwnerFigures(store, tenants, snapshots, rate, firstViews, pageTimes, callsPerView, [.. calls.Select(c => c.Item2.Duration)], bytesPerView,
            service.PeakRssBytes(), status, calls);
    }

    private static readonly string[] Names =
    [
        "Contoso Ltd", "Fabrikam GmbH", "Northwind BV", "Adventure Works", "Tailspin Toys", "Wingtip SA", "Litware Inc",
        "Proseware AB", "Woodgrove Bank", "Lamna Oy", "Relecloud KK", "Trey Research",
    ];
}
