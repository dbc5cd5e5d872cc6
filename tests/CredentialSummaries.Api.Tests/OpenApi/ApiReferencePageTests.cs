using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.Playwright;

namespace CredentialSummaries.Api.Tests.OpenApi;

/// <summary>
/// The API reference page (docs/openapi.md, "API reference page") in a real browser: Debian's chromium (<c>/usr/bin/chromium</c>,
/// installed by <c>.ci/run</c>; Playwright never downloads one) driven by Microsoft.Playwright against the built app
/// running as its own process. Every request the page makes is checked: one to any host but the app's loopback
/// address fails the test (and is aborted), so the page is proven to work offline, its assets served by the app.
/// </summary>
public sealed class ApiReferencePageTests : IAsyncLifetime
{
    /// <summary>Where the test leaves its screenshot of the page showing the answer: the repository's TestResults/.</summary>
    public static readonly string ScreenshotPath = Path.Combine(ExternalTool.RepositoryRoot, "TestResults", "api-reference-page.png");



    private DevelopmentApiProcess? app;

    public async Task InitializeAsync() => app = await DevelopmentApiProcess.StartAsync("api-reference-");

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_docs_page_lists_every_documented_operation_and_a_pasted_token_gets_the_seeded_summary_without_leaving_localhost()
    {
        var server = app!.Api;
        var tenant = Guid.NewGuid().ToString();
        var token = app.Token(tenant, GraphApi.ReadWrite);
        var displayName = $"Reference page {Guid.NewGuid():N}"[..28];

        // The token owner's summary, which the page's GET must show.
        using (var http = server.ClientFor(token, TimeSpan.FromSeconds(30)))
        {
            var body = GraphApi.SeedBody(tenant);
            body["tenantDisplayName"] = displayName;
            await http.CreateAsync(body);
        }

        // Every operation of the document the page reads, by its summary (what Scalar lists it by).
        string[] operations;
        string[] tags;
        using (var anonymous = new HttpClient { BaseAddress = server.BaseAddress })
        using (var response = await anonymous.GetAsync("/v1.0/openapi.json"))
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            operations = [.. document.RootElement.GetProperty("paths").EnumerateObject()
                .SelectMany(path => path.Value.EnumerateObject())
                .Where(operation => operation.Value.ValueKind == JsonValueKind.Object && operation.Value.TryGetProperty("operationId", out _))
                .Select(operation => operation.Value.GetProperty("summary").GetString()!)];
            tags = [.. document.RootElement.GetProperty("paths").EnumerateObject()
                .SelectMany(path => path.Value.EnumerateObject())
                .Where(operation => operation.Value.ValueKind == JsonValueKind.Object && operation.Value.TryGetProperty("tags", out _))
                .SelectMany(operation => operation.Value.GetProperty("tags").EnumerateArray().Select(tag => tag.GetString()!))
                .Distinct()];
        }

        operations.Should().HaveCountGreaterThanOrEqualTo(10);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await DebianChromium.LaunchAsync(playwright);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var offHost = new ConcurrentQueue<string>();
        var requests = new ConcurrentQueue<string>();
        await context.RouteAsync("**/*", async route =>
        {
            var url = new Uri(route.Request.Url);
            requests.Enqueue($"{route.Request.Method} {url}");
            if (url.Scheme is "data" or "blob" || url.Host == server.BaseAddress.Host)
            {
                await route.ContinueAsync();
                return;
            }

            offHost.Enqueue(url.ToString());
            await route.AbortAsync();
        });

        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        var docs = await page.GotoAsync(new Uri(server.BaseAddress, "/docs").ToString());
        docs!.Status.Should().Be(200);
        // The document loaded and rendered: its title is on the page.
        await page.GetByText("List summaries").First.WaitForAsync();
        Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);

        // The document's introduction links to the coverage dashboard, which links back (Dashboard/DashboardPageHttpTests).
        var dashboardLink = page.Locator("a[href='/dashboard']", new PageLocatorOptions { HasText = "Coverage dashboard" });
        (await dashboardLink.CountAsync()).Should().BeGreaterThan(0, "the API page links to the dashboard");

        // Scalar opens the first tag in its sidebar; the others (batch) open on a click.
        foreach (var tag in tags)
        {
            var closed = page.Locator($"li[data-sidebar-id$='/tag/{tag.ToLowerInvariant()}'] button[aria-expanded='false']");
            if (await closed.CountAsync() > 0)
            {
                await closed.First.ClickAsync();
            }
        }

        var sidebar = page.Locator("li[data-sidebar-id]");
        var text = string.Join("\n", await sidebar.AllInnerTextsAsync());
        foreach (var summary in operations)
        {
            text.Should().Contain(summary, $"every operation of the document is listed; requests: {string.Join("\n", requests)}");
        }

        // Paste the token into the page's bearer field (its Authentication box), open the list operation (the document's
        // first) in Scalar's request client and send it: the answer, with the seeded summary, shows in its Body panel.
        await page.GetByPlaceholder("Token").First.FillAsync(token);
        await page.Locator("li[data-sidebar-id]").GetByText(operations[0]).First.ClickAsync();
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Test Request" }).First.ClickAsync();
        var answer = page.WaitForResponseAsync(response => response.Url.Contains("/credentialUserRegistrationsSummaries", StringComparison.Ordinal) && response.Request.Method == "GET");
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Send" }).First.ClickAsync();
        var sent = await answer;
        sent.Status.Should().Be(200, "the page sent the pasted token: " + await sent.TextAsync());
        (await sent.Request.HeaderValueAsync("authorization")).Should().Be("Bearer " + token);
        await page.GetByText(displayName).First.WaitForAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath });

        offHost.Should().BeEmpty("the page works offline: its script, styles and document come from the app");
    }
}
