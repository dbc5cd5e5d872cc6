using System.Net;
using System.Text.RegularExpressions;
using CredentialSummaries.Api.Tests.Graph;

namespace CredentialSummaries.Api.Tests.OpenApi;

/// <summary>
/// The API reference page over HTTP (the browser test, ApiReferencePageTests, runs it in chromium): public, never
/// throttled, and self-contained (no script or style from another host).
/// </summary>
public sealed partial class ApiReferencePageHttpTests(ThrottlingTests.TightLimitsFactory factory)
    : IClassFixture<ThrottlingTests.TightLimitsFactory>
{
    [Theory]
    [InlineData("/docs/")]
    [InlineData("/docs/scalar.js")]
    public async Task The_page_and_its_assets_answer_anonymously_and_are_never_throttled(string path)
    {
        using var client = factory.ClientFor(token: null);

        // Past the burst of one address: the API itself would answer 429 by now.
        for (var i = 0; i < ThrottlingTests.TightLimitsFactory.Burst + 5; i++)
        {
            using var response = await client.GetAsync(path);
            response.StatusCode.Should().Be(HttpStatusCode.OK, $"request {i + 1} of {path}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task The_page_reads_the_v1_document_offers_the_bearer_scheme_and_loads_nothing_from_another_host()
    {
        using var client = factory.ClientFor(token: null);

        // /docs sends the browser to /docs/, the page (its assets are relative to it).
        using (var redirect = await client.GetAsync("/docs"))
        {
            redirect.StatusCode.Should().Be(HttpStatusCode.Found);
            new Uri(new Uri("http://localhost/docs"), redirect.Headers.Location!).AbsolutePath.Should().Be("/docs/");
        }

        var html = await client.GetStringAsync("/docs/");

        // Scalar writes the document's route without its leading slash and resolves it against the app's root
        // (the browser test sees GET /v1.0/openapi.json).
        html.Should().Contain("\"url\":\"v1.0/openapi.json\"").And.Contain("\"allowedSecuritySchemes\":[\"bearer\"]");
        ExternalAsset().Matches(html).Select(m => m.Value).Should().BeEmpty("its script and styles are the app's (no CDN)");
        html.Should().NotContain("fonts.scalar.com", "the CDN fonts are off");
    }

    [GeneratedRegex("""(src|href)\s*=\s*["']?(https?:)?//""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalAsset();
}
