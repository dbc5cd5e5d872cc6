using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Dashboard;

/// <summary>
/// The dashboard over HTTP (DashboardBrowserTests runs it in chromium): public, never throttled, self-contained, locked
/// to its origin by its Content-Security-Policy, and rendered with the settings of the environment it runs in: outside
/// Development the Entra ID sign-in (MSAL.js) with the configured registration, in Development the development token.
/// </summary>
public sealed partial class DashboardPageHttpTests(ConfiguredDashboardFactory factory)
    : IClassFixture<ConfiguredDashboardFactory>
{
    [Fact]
    public async Task Outside_development_the_page_signs_in_with_entra_id_using_the_configured_registration_and_thresholds()
    {
        using var client = factory.ClientFor(token: null);

        using var response = await client.GetAsync("/dashboard");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.ToString().Should().Be("text/html; charset=utf-8");
        var html = await response.Content.ReadAsStringAsync();
        var settings = Settings(html);
        settings.GetProperty("signIn").GetString().Should().Be("entraId");
        settings.GetProperty("apiRoot").GetString().Should().Be("/v1.0/tenantRelationships/managedTenants");
        settings.GetProperty("staleAfterHours").GetDouble().Should().Be(24);
        settings.GetProperty("weakBelowPercent").GetDouble().Should().Be(70);
        var entraId = settings.GetProperty("entraId");
        entraId.GetProperty("clientId").GetString().Should().Be(ConfiguredDashboardFactory.SpaClientId);
        entraId.GetProperty("authority").GetString().Should().Be("https://login.microsoftonline.com/organizations", "the default: any managing tenant's work account");
        entraId.GetProperty("knownAuthority").GetString().Should().Be("login.microsoftonline.com");
        entraId.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).Should()
            .Equal($"api://{TokenMinter.ClientId}/ManagedTenants.Read.All");
        html.Should().Contain("<script src=\"/dashboard/msal-browser.min.js\"></script>");
        html.Should().Contain("<a href=\"/docs/\">API reference</a>", "the dashboard links to the API page");
        ExternalAsset().Matches(html).Select(m => m.Value).Should().BeEmpty("every script and style is the service's own (no CDN)");

        var headers = response.Headers;
        headers.GetValues("Content-Security-Policy").Single().Should().Be(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self' https://login.microsoftonline.com; frame-src https://login.microsoftonline.com; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            "the page talks to its own origin and, to sign in, to the authority; nothing may frame it");
        headers.GetValues("X-Content-Type-Options").Single().Should().Be("nosniff");
        headers.GetValues("Referrer-Policy").Single().Should().Be("no-referrer");
        headers.CacheControl!.NoCache.Should().BeTrue();
        headers.ETag.Should().NotBeNull();
    }

    [Theory]
    [InlineData("/dashboard/dashboard.js", "text/javascript; charset=utf-8", "dashboard.js")]
    [InlineData("/dashboard/dashboard.css", "text/css; charset=utf-8", "dashboard.css")]
    [InlineData("/dashboard/msal-browser.min.js", "text/javascript; charset=utf-8", "msal-browser.min.js")]
    public async Task Each_asset_is_the_file_of_the_repository_revalidated_by_its_etag(string path, string contentType, string file)
    {
        using var client = factory.ClientFor(token: null);

        using var response = await client.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.ToString().Should().Be(contentType);
        var body = await response.Content.ReadAsByteArrayAsync();
        body.Should().Equal(await File.ReadAllBytesAsync(Path.Combine(ExternalTool.RepositoryRoot, "src", "CredentialSummaries.Api", "Dashboard", "assets", file)));
        var etag = response.Headers.ETag!;

        using var revalidate = new HttpRequestMessage(HttpMethod.Get, path);
        revalidate.Headers.IfNoneMatch.Add(etag);
        using var unchanged = await client.SendAsync(revalidate);
        unchanged.StatusCode.Should().Be(HttpStatusCode.NotModified);
        unchanged.Headers.ETag.Should().Be(etag);
        (await unchanged.Content.ReadAsByteArrayAsync()).Should().BeEmpty();

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        head.StatusCode.Should().Be(HttpStatusCode.OK);
        head.Headers.ETag.Should().Be(etag);
    }

    [Theory]
    [InlineData("/dashboard/index.html")]
    [InlineData("/dashboard/..%2Fappsettings.json")]
    [InlineData("/dashboard/THIRD-PARTY-NOTICES.md")]
    [InlineData("/dashboard/DashboardPage.cs")]
    public async Task Anything_but_the_page_and_its_three_assets_is_not_found(string path)
    {
        using var client = factory.ClientFor(token: null);

        using var response = await client.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).Should().NotContain("<html").And.NotContain("namespace").And.NotContain("\"type\":");
    }

    [Fact]
    public async Task The_page_answers_anonymously_and_is_never_throttled_while_its_data_needs_a_token()
    {
        using var client = factory.ClientFor(token: null);

        for (var i = 0; i < ConfiguredDashboardFactory.Burst + 5; i++)
        {
            using var response = await client.GetAsync("/dashboard");
            response.StatusCode.Should().Be(HttpStatusCode.OK, $"request {i + 1}");
        }

        using var data = await client.GetAsync("/v1.0/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries");
        data.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the page is public; what it shows is not");
    }

    [Fact]
    public async Task In_development_the_page_takes_a_development_token_and_talks_to_its_origin_only()
    {
        await using var development = new DevelopmentApiFactory();
        using var client = development.ClientFor(token: null);

        using var response = await client.GetAsync("/dashboard");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var html = await response.Content.ReadAsStringAsync();
        var settings = Settings(html);
        settings.GetProperty("signIn").GetString().Should().Be("developmentToken");
        settings.GetProperty("entraId").ValueKind.Should().Be(JsonValueKind.Null);
        settings.GetProperty("staleAfterHours").GetDouble().Should().Be(48, "the default");
        settings.GetProperty("weakBelowPercent").GetDouble().Should().Be(50, "the default");
        html.Should().NotContain("msal-browser", "no sign-in library is loaded when there is no sign-in");
        html.Should().Contain("id=\"token-form\"").And.Contain("dotnet user-jwts create");
        response.Headers.GetValues("Content-Security-Policy").Single().Should()
            .Contain("connect-src 'self';").And.Contain("frame-src 'none';").And.NotContain("https://");
    }

    private static JsonElement Settings(string html)
    {
        var match = SettingsBlock().Match(html);
        match.Success.Should().BeTrue("the page carries its settings in a JSON block");
        return JsonDocument.Parse(match.Groups[1].Value).RootElement.Clone();
    }

    [GeneratedRegex("""<script type="application/json" id="dashboard-settings">(.*?)</script>""", RegexOptions.Singleline)]
    private static partial Regex SettingsBlock();

    [GeneratedRegex("""(src|href)\s*=\s*["']?(https?:)?//""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalAsset();
}
