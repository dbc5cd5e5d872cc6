using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CredentialSummaries.Api.Tests.Dashboard;

/// <summary>
/// Outside Development the dashboard signs in with Entra ID through the vendored MSAL.js: the authorization code flow
/// with PKCE. Entra ID is not reachable offline, so the browser's requests to the authority are answered by the test
/// (Playwright routes, nothing leaves the machine): the authorize request is checked and answered with a code, and the
/// token request is answered only when its code verifier hashes to the challenge the page sent. The access token it
/// gets is one the service (Testing environment, a real Kestrel port) trusts, and the page then shows that owner's
/// tenants through the API, with that token.
/// </summary>
public sealed class DashboardEntraIdSignInTests : IAsyncLifetime, IDisposable
{
    private const string Authority = "https://login.microsoftonline.com";

    private ConfiguredDashboardFactory? factory;
    private readonly string owner = Guid.NewGuid().ToString();
    private IPlaywright? playwright;
    private IBrowser? browser;
    private Uri baseAddress = null!;

    public async Task InitializeAsync()
    {
        factory = new ConfiguredDashboardFactory();
        factory.UseKestrel(0);
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        baseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        using var writer = new HttpClient { BaseAddress = baseAddress };
        writer.DefaultRequestHeaders.Authorization = new("Bearer", TokenMinter.Delegated(owner, GraphApi.ReadWrite));
        for (var i = 0; i < 3; i++)
        {
            var body = GraphApi.SeedBody();
            body["tenantDisplayName"] = $"Signed-in owner's tenant {i}";
            using var response = await writer.PostAsync(GraphApi.Summaries, body);
            response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }

        playwright = await Playwright.CreateAsync();
        browser = await DebianChromium.LaunchAsync(playwright);
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }

        playwright?.Dispose();
    }

    public void Dispose()
    {
        factory?.Dispose();

    }

    [Fact]
    public async Task The_page_signs_in_with_the_authorization_code_flow_and_pkce_and_shows_the_signed_in_owners_tenants()
    {
        var origin = baseAddress.GetLeftPart(UriPartial.Authority);
        var accessToken = TokenMinter.Delegated(owner, GraphApi.Read);
        var authorizeRequests = new ConcurrentQueue<Uri>();
        var tokenRequests = new ConcurrentQueue<Dictionary<string, string>>();
        var apiAuthorizations = new ConcurrentQueue<string?>();
        var offOrigin = new ConcurrentQueue<string>();
        string? challenge = null;
        string? nonce = null;

        await using var context = await browser!.NewContextAsync();
        await context.RouteAsync("**/*", async route =>
        {
            var url = new Uri(route.Request.Url);
            if (url.GetLeftPart(UriPartial.Authority) == origin)
            {
                if (url.AbsolutePath.StartsWith("/v1.0/", StringComparison.Ordinal))
                {
                    apiAuthorizations.Enqueue(route.Request.Headers.TryGetValue("authorization", out var value) ? value : null);
                }

                await route.ContinueAsync();
                return;
            }

            if (url.GetLeftPart(UriPartial.Authority) != Authority)
            {
                offOrigin.Enqueue(url.ToString());
                await route.AbortAsync();
                return;
            }

            // Entra ID's side, answered here.
            if (url.AbsolutePath.EndsWith("/oauth2/v2.0/authorize", StringComparison.Ordinal))
            {
                authorizeRequests.Enqueue(url);
                var query = Query(url.Query);
                challenge = query["code_challenge"];
                nonce = query.GetValueOrDefault("nonce");
                var separator = query.GetValueOrDefault("response_mode") == "query" ? "?" : "#";
                var clientInfo = Base64Url(JsonSerializer.Serialize(new { uid = "user-object-id", utid = owner }));
                await route.FulfillAsync(new RouteFulfillOptions
                {
                    Status = 302,
                    Headers = new Dictionary<string, string>
                    {
                        ["Location"] = $"{query["redirect_uri"]}{separator}code=the-code&state={Uri.EscapeDataString(query["state"])}&client_info={clientInfo}",
                    },
                });
                return;
            }

            if (url.AbsolutePath.EndsWith("/oauth2/v2.0/token", StringComparison.Ordinal))
            {
                var form = Query(route.Request.PostData ?? string.Empty);
                tokenRequests.Enqueue(form);
                var verified = challenge is not null && form.TryGetValue("code_verifier", out var verifier)
                    && Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) == challenge;
                await route.FulfillAsync(new RouteFulfillOptions
                {
                    Status = verified ? 200 : 400,
                    Headers = new Dictionary<string, string> { ["Access-Control-Allow-Origin"] = "*", ["Content-Type"] = "application/json" },
                    Body = verified
                        ? JsonSerializer.Serialize(new Dictionary<string, object>
                        {
                            ["token_type"] = "Bearer",
                            ["scope"] = form["scope"],
                            ["expires_in"] = 3600,
                            ["ext_expires_in"] = 3600,
                            ["access_token"] = accessToken,
                            ["id_token"] = IdToken(nonce),
                            ["client_info"] = Base64Url(JsonSerializer.Serialize(new { uid = "user-object-id", utid = owner })),
                        })
                        : """{"error":"invalid_grant","error_description":"AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request."}""",
                });
                return;
            }

            // The authority's metadata, if MSAL.js asks for it.
            await route.FulfillAsync(new RouteFulfillOptions
            {
                Status = 200,
                Headers = new Dictionary<string, string> { ["Access-Control-Allow-Origin"] = "*", ["Content-Type"] = "application/json" },
                Body = JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["token_endpoint"] = $"{Authority}/organizations/oauth2/v2.0/token",
                    ["authorization_endpoint"] = $"{Authority}/organizations/oauth2/v2.0/authorize",
                    ["end_session_endpoint"] = $"{Authority}/organizations/oauth2/v2.0/logout",
                    ["issuer"] = $"{Authority}/{{tenantid}}/v2.0",
                    ["jwks_uri"] = $"{Authority}/organizations/discovery/v2.0/keys",
                    ["tenant_discovery_endpoint"] = $"{Authority}/organizations/v2.0/.well-known/openid-configuration",
                    ["metadata"] = Array.Empty<object>(),
                }),
            });
        });

        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        var console = new ConcurrentQueue<string>();
        page.Console += (_, message) => console.Enqueue($"{message.Type}: {message.Text}");
        var apiStatuses = new ConcurrentQueue<int>();
        page.Response += (_, response) =>
        {
            if (new Uri(response.Url).AbsolutePath.StartsWith("/v1.0/", StringComparison.Ordinal))
            {
                apiStatuses.Enqueue(response.Status);
            }
        };
        await page.GotoAsync(new Uri(baseAddress, "/dashboard").ToString());
        await page.Locator("#entra-sign-in-button").WaitForAsync();
        (await page.Locator("#message").TextContentAsync()).Should().Be("You are not signed in: sign in with your work account to see your managed tenants.");
        (await page.Locator("#token-form").IsVisibleAsync()).Should().BeFalse("outside Development there is no token to paste");

        // The owner's throttling budget (a burst of 5, then 1 a second) spent first: the page's first calls meet 429s.
        await DrainBudgetAsync();
        await page.Locator("#entra-sign-in-button").ClickAsync();
        try
        {
            await page.Locator("body[data-state='loaded']").WaitForAsync();
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The page did not load after signing in. It says: '{await page.Locator("#message").TextContentAsync()}' at {page.Url}; "
                + $"authorize requests: {string.Join(' ', authorizeRequests)}; token requests: {tokenRequests.Count}; console: {string.Join(" | ", console)}");
        }

        var authorize = authorizeRequests.Should().ContainSingle().Subject;
        authorize.GetLeftPart(UriPartial.Path).Should().Be($"{Authority}/organizations/oauth2/v2.0/authorize");
        var parameters = Query(authorize.Query);
        parameters["client_id"].Should().Be(ConfiguredDashboardFactory.SpaClientId);
        parameters["response_type"].Should().Be("code");
        parameters["redirect_uri"].Should().Be($"{origin}/dashboard");
        parameters["code_challenge_method"].Should().Be("S256");
        parameters["code_challenge"].Should().MatchRegex("^[A-Za-z0-9_-]{43}$", "a base64url SHA-256 of the verifier");
        parameters["scope"].Split(' ').Should().Contain($"api://{TokenMinter.ClientId}/ManagedTenants.Read.All").And.Contain("openid");
        parameters.Should().ContainKey("state");

        var tokenRequest = tokenRequests.Should().ContainSingle().Subject;
        tokenRequest["grant_type"].Should().Be("authorization_code");
        tokenRequest["code"].Should().Be("the-code");
        tokenRequest["client_id"].Should().Be(ConfiguredDashboardFactory.SpaClientId);
        tokenRequest.Should().NotContainKey("client_secret", "a single-page application has no secret");

        (await page.Locator("#table-status").TextContentAsync()).Should().Be("3 tenants.");
        var names = await page.Locator("#tenant-table tbody td[data-column='name']").AllTextContentsAsync();
        names.Should().Equal("Signed-in owner's tenant 0", "Signed-in owner's tenant 1", "Signed-in owner's tenant 2");
        (await page.Locator("#account").TextContentAsync()).Should().Contain("someone@contoso.example");
        apiAuthorizations.Should().NotBeEmpty().And.OnlyContain(value => value == $"Bearer {accessToken}", "every API call carries the signed-in user's token");
        offOrigin.Should().BeEmpty();
        apiStatuses.Should().Contain(429, "the budget was spent").And.Contain(200);
        apiStatuses.Should().OnlyContain(status => status == 200 || status == 429, "a throttled call waits out its Retry-After and is sent again, as Graph's SDKs do");
    }

    private async Task DrainBudgetAsync()
    {
        using var reader = new HttpClient { BaseAddress = baseAddress };
        reader.DefaultRequestHeaders.Authorization = new("Bearer", TokenMinter.Delegated(owner, GraphApi.Read));
        for (var i = 0; i < 4 * ConfiguredDashboardFactory.Burst; i++)
        {
            using var response = await reader.GetAsync($"{GraphApi.Summaries}/$count");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                response.Headers.RetryAfter.Should().NotBeNull();
                return;
            }
        }

        throw new InvalidOperationException("The owner's budget was not spent after four bursts of requests.");
    }

    private string IdToken(string? nonce)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object>
        {
            ["ver"] = "2.0",
            ["iss"] = TokenMinter.IssuerFor(owner),
            ["aud"] = ConfiguredDashboardFactory.SpaClientId,
            ["tid"] = owner,
            ["oid"] = "user-object-id",
            ["sub"] = "user-subject",
            ["name"] = "Someone",
            ["preferred_username"] = "someone@contoso.example",
            ["iat"] = now - 60,
            ["nbf"] = now - 60,
            ["exp"] = now + 3600,
        };
        if (nonce is not null)
        {
            claims["nonce"] = nonce;
        }

        // MSAL.js reads the id token's claims; it does not check a signature (the token came straight from the authority over TLS).
        return $"{Base64Url("""{"alg":"RS256","typ":"JWT","kid":"test"}""")}.{Base64Url(JsonSerializer.Serialize(claims))}.{Base64Url("signature")}";
    }

    private static Dictionary<string, string> Query(string query) =>
        query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => Uri.UnescapeDataString(pair[0]), pair => pair.Length > 1 ? Uri.UnescapeDataString(pair[1].Replace('+', ' ')) : string.Empty);

    private static string Base64Url(string text) => Base64Url(Encoding.UTF8.GetBytes(text));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
