using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using CredentialSummaries.Bench.Runner;
using Microsoft.Playwright;

namespace CredentialSummaries.Bench.Workloads;

/// <summary>One owner's measured first views: what the clock and the page saw.</summary>
internal sealed record DashboardFigures(
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
/// The dashboard's first view. Per owner size: an owner filled through the service's own API — every tenant's monthly
/// snapshots oldest first, then this month's refresh, each an upsert, so the history is the service's own — and first
/// views of <c>/dashboard</c> in a fresh chromium context each (a cold cache; the token already in the tab's session
/// storage, as after a sign-in). A first view is usable when the headline, the first page of the table with its 50
/// sparklines and the "dropped" list are drawn (<c>body[data-state=loaded]</c> and every row's sparkline); it is timed
/// from the navigation's start by the runner's clock and by the page's own.
/// </summary>
internal sealed class DashboardWorkload : IAsyncDisposable
{
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

    // As tests/…/Fixtures/DebianChromium.cs: chromium's own background connections off, on a closed network.
    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private readonly WorkloadOptions options;
    private readonly IPlaywright playwright;
    private readonly IBrowser browser;

    private DashboardWorkload(WorkloadOptions options, IPlaywright playwright, IBrowser browser)
    {
        this.options = options;
        this.playwright = playwright;
        this.browser = browser;
    }

    public static async Task<DashboardWorkload> StartAsync(WorkloadOptions options)
    {
        if (!File.Exists(Chromium))
        {
            throw new BenchException($"Debian's chromium is not at {Chromium} (apt-get install chromium).");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ChromiumArgs });
        return new DashboardWorkload(options, playwright, browser);
    }

    public async ValueTask DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
    }

    public async Task<List<DashboardFigures>> RunAsync(TargetProcess service, string store, Tokens tokens)
    {
        var figures = new List<DashboardFigures>();
        foreach (var size in options.DashboardSizes)
        {
            var owner = Guid.NewGuid().ToString();
            var (snapshots, rate) = await SeedAsync(service.BaseAddress, tokens.Mint(owner), size);
            Console.WriteLine($"{store}: {size:N0} tenants with {snapshots:N0} snapshots, written through the API at {rate:N0} upserts/s.");
            figures.Add(await MeasureAsync(service, store, tokens.Mint(owner), size, snapshots, rate));
        }

        return figures;
    }

    private async Task<(int Snapshots, double Rate)> SeedAsync(Uri baseAddress, string token, int tenants)
    {
        using var client = ServiceApi.ClientFor(baseAddress, token, SeedLanes);
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
                var policy = (i % 5) switch { 0 => null, 1 => "disabled", 2 => "reportOnly", _ => "enabled" };
                await ServiceApi.UpsertAsync(client, ids[i], ServiceApi.Body($"Customer {i:D5} {Names[i % Names.Length]}", total, mfa, sspr, i % 4 == 0, policy, refreshed), cancellationToken);
                Interlocked.Increment(ref written);
            });
        }

        return (written, written / clock.Elapsed.TotalSeconds);
    }

    private async Task<DashboardFigures> MeasureAsync(TargetProcess service, string store, string token, int tenants, int snapshots, double rate)
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

        return new DashboardFigures(store, tenants, snapshots, rate, firstViews, pageTimes, callsPerView, [.. calls.Select(c => c.Item2.Duration)], bytesPerView,
            service.PeakRssBytes(), status, calls);
    }

    private static readonly string[] Names =
    [
        "Contoso Ltd", "Fabrikam GmbH", "Northwind BV", "Adventure Works", "Tailspin Toys", "Wingtip SA", "Litware Inc",
        "Proseware AB", "Woodgrove Bank", "Lamna Oy", "Relecloud KK", "Trey Research",
    ];
}
