using System.Collections.Concurrent;
using System.Globalization;
using CredentialSummaries.Api.Tests.Fixtures;
using CredentialSummaries.GraphStandIn;
using Microsoft.Playwright;

namespace CredentialSummaries.Api.Tests.Dashboard;

/// <summary>
/// One built app in Development on a real Kestrel port (on this assembly's store), Debian's chromium, and two owners:
/// <see cref="OwnerA"/> with more tenants than a page holds — a few with a year and a month of history, some stale,
/// one without users, names a spreadsheet would run or a CSV must quote — whose last collection round came from a real
/// <c>collect</c> run against the Graph stand-in (one tenant collected, one refused); and <see cref="OwnerB"/>, whose
/// tenants must never show on A's page.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    /// <summary>
    /// Owner A's pushed tenants: more than two of the service's pages of 100, so that the page reads its lists in parallel
    /// pages of $skip, and a table of five pages of 50.
    /// </summary>
    public const int PushedTenants = 230;

    /// <summary>Where the tests leave their screenshots: the repository's TestResults/.</summary>
    public static readonly string Results = Path.Combine(ExternalTool.RepositoryRoot, "TestResults");

    private IPlaywright? playwright;

    public DevelopmentApiProcess App { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public string OwnerA { get; } = Guid.NewGuid().ToString();

    public string OwnerB { get; } = Guid.NewGuid().ToString();

    /// <summary>Owner A's tenants with a snapshot in each of the last 13 months.</summary>
    public List<string> HistoryTenants { get; } = [];

    /// <summary>Owner B's tenants: their ids and names must appear nowhere on owner A's page or export.</summary>
    public List<(string TenantId, string Name)> OtherOwnersTenants { get; } = [];

    /// <summary>The tenant the stand-in refuses (403): a pushed summary whose last collection was skipped.</summary>
    public string RefusedTenant { get; private set; } = string.Empty;

    public string CollectedTenant { get; private set; } = string.Empty;

    public string ReadToken(string owner) => App.Token(owner, GraphApi.Read);

    public async Task InitializeAsync()
    {
        App = await DevelopmentApiProcess.StartAsync("dashboard-");
        using (var writer = App.Api.ClientFor(App.Token(OwnerA, GraphApi.ReadWrite), TimeSpan.FromSeconds(60)))
        {
            await SeedOwnerAAsync(writer);
        }

        using (var writer = App.Api.ClientFor(App.Token(OwnerB, GraphApi.ReadWrite), TimeSpan.FromSeconds(60)))
        {
            foreach (var i in Enumerable.Range(1, 3))
            {
                var tenant = Guid.NewGuid().ToString();
                var name = $"Other owner's tenant {i} {Guid.NewGuid():N}"[..32];
                OtherOwnersTenants.Add((tenant, name));
                await UpsertAsync(writer, tenant, Body(name, 100 * i, 10 * i, 20 * i, 5 * i, false, null, DateTime.UtcNow.AddMinutes(-5)));
            }
        }

        await CollectAsync();

        playwright = await Playwright.CreateAsync();
        Browser = await DebianChromium.LaunchAsync(playwright);
        Directory.CreateDirectory(Results);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }

    /// <summary>
    /// A browser context whose every request is recorded, and aborted (and listed in <see cref="Session.OffOrigin"/>)
    /// unless it goes to the app's own origin.
    /// </summary>
    public async Task<Session> OpenAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            AcceptDownloads = true,
        });
        var session = new Session(context, App.Api.BaseAddress);
        await context.RouteAsync("**/*", async route =>
        {
            var url = new Uri(route.Request.Url);
            if (url.Scheme is "data" or "blob")
            {
                await route.ContinueAsync();
                return;
            }

            if (url.GetLeftPart(UriPartial.Authority) == session.Origin)
            {
                session.Requests.Enqueue(url);
                await route.ContinueAsync();
                return;
            }

            session.OffOrigin.Enqueue(url.ToString());
            await route.AbortAsync();
        });
        session.Page = await context.NewPageAsync();
        session.Page.SetDefaultTimeout(30_000);
        return session;
    }

    private async Task SeedOwnerAAsync(HttpClient writer)
    {
        var random = new Random(2112);
        var now = DateTime.UtcNow;
        int[] sizes = [5, 40, 250, 1_200, 18_000, 3];
        string?[] policies = ["enabled", "reportOnly", "disabled", null];
        for (var i = 0; i < PushedTenants; i++)
        {
            var tenant = Guid.NewGuid().ToString();
            var name = i switch
            {
                0 => "=SUM(A1) Formula Ltd",
                1 => "Quote \"and\", comma Ltd",
                _ => (i % 3 == 0 ? "contoso " : "Contoso ") + i.ToString("D3", CultureInfo.InvariantCulture) + (i % 2 == 0 ? " Ltd" : " GmbH"),
            };
            var total = i == 2 ? 0 : sizes[random.Next(sizes.Length)];
            var refreshed = i % 7 == 0 ? now.AddHours(-80) : now.AddMinutes(-10 - i);
            if (i is >= 3 and <= 14)
            {
                // A year and a month of history: one refresh on the 10th of each of the 12 earlier months.
                HistoryTenants.Add(tenant);
                total = 400 + (100 * i);
                var first = new DateTime(now.Year, now.Month, 10, 12, 0, 0, DateTimeKind.Utc);
                for (var back = 12; back >= 1; back--)
                {
                    var mfa = (total * (40 + (4 * (12 - back)) + i)) / 100;
                    var month = first.AddMonths(-back);
                    await UpsertAsync(writer, tenant, Body(name, total, Math.Min(mfa, total), total / 2 + back, Math.Min(mfa, total) / 2, i % 2 == 0, "reportOnly", month));
                }

                // Tenant 5 also refreshed earlier this month, so this month's point sums two snapshots.
                if (i == 5)
                {
                    var earlierThisMonth = new DateTime(now.Year, now.Month, 1, 0, 30, 0, DateTimeKind.Utc);
                    await UpsertAsync(writer, tenant, Body(name, total, total / 3, total / 3, total / 4, false, "enabled", earlierThisMonth < now ? earlierThisMonth : now));
                }

                // The odd ones (3, 5, …) fall this month (dropped since last month); the even ones rise. Twelve of them on the table's
                // first page ask for more than a page of 100 monthly points for their sparklines.
                var current = i % 2 == 1 ? total * 30 / 100 : total * 95 / 100;
                await UpsertAsync(writer, tenant, Body(name, total, current, total * 60 / 100, current / 2, i % 2 == 0, i == 3 ? null : "enabled", now.AddMinutes(-3)));
                continue;
            }

            var registered = random.Next(total + 1);
            var sspr = random.Next(total + 1);
            await UpsertAsync(writer, tenant, Body(name, total, registered, sspr, Math.Min(registered, sspr) / 2, random.Next(3) == 0, policies[random.Next(policies.Length)], refreshed));
            if (i == 20)
            {
                RefusedTenant = tenant;
            }
        }
    }

    /// <summary>One real <c>collect</c> round for owner A against the Graph stand-in: a new tenant collected, <see cref="RefusedTenant"/> refused.</summary>
    private async Task CollectAsync()
    {
        var collected = new StandInTenant(Guid.NewGuid(), "Collected By The Service", userCount: 240, seed: 31)
        {
            ConditionalAccessPolicies = [StandInConditionalAccessPolicy.RequireMfa("Require MFA for admins")],
        };
        var refused = new StandInTenant(Guid.Parse(RefusedTenant), "Refused", userCount: 30, seed: 32) { Behaviour = StandInBehaviour.Forbidden };
        await using var standIn = await GraphStandInServer.StartAsync(new GraphStandInOptions { Tenants = [collected, refused] });
        var run = await CollectorProcess.RunAsync(CollectorProcess.Settings(standIn, App.Database, Guid.Parse(OwnerA), [collected.TenantId, refused.TenantId]));
        run.ExitCode.Should().Be(2, $"one tenant is refused\n{run.Transcript}");
        CollectedTenant = collected.TenantId.ToString();
    }

    private static Dictionary<string, object?> Body(string name, int total, int mfa, int sspr, int capable, bool securityDefaults, string? policy, DateTime refreshed) => new()
    {
        ["tenantDisplayName"] = name,
        ["totalUserCount"] = total,
        ["mfaRegisteredUserCount"] = Math.Min(mfa, total),
        ["ssprRegisteredUserCount"] = Math.Min(sspr, total),
        ["ssprEnabledUserCount"] = Math.Min(sspr, total),
        ["mfaAndSsprCapableUserCount"] = Math.Min(capable, total),
        ["securityDefaultsEnabled"] = securityDefaults,
        ["mfaConditionalAccessPolicyState"] = policy,
        ["lastRefreshedDateTime"] = refreshed.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
    };

    private static async Task UpsertAsync(HttpClient writer, string tenantId, Dictionary<string, object?> body)
    {
        using var response = await writer.PatchAsync($"{GraphApi.Summaries}(tenantId='{tenantId}')", body, ("Prefer", "create-if-missing"));
        response.IsSuccessStatusCode.Should().BeTrue($"the upsert of {tenantId} answers: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A browser context of one test, with the requests its page made.</summary>
    public sealed class Session(IBrowserContext context, Uri baseAddress) : IAsyncDisposable
    {
        public string Origin { get; } = baseAddress.GetLeftPart(UriPartial.Authority);

        public Uri BaseAddress { get; } = baseAddress;

        public IPage Page { get; set; } = null!;

        public IBrowserContext Context { get; } = context;

        public ConcurrentQueue<Uri> Requests { get; } = new();

        public ConcurrentQueue<string> OffOrigin { get; } = new();

        public ValueTask DisposeAsync() => Context.DisposeAsync();
    }
}
