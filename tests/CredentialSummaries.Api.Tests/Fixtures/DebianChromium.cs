using Microsoft.Playwright;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>
/// The browser of the browser tests: Debian's chromium at <c>/usr/bin/chromium</c> (<c>apt-get install chromium</c>, which
/// <c>.ci/run</c> does), driven by Microsoft.Playwright, which never downloads a browser of its own.
/// </summary>
public static class DebianChromium
{
    public const string Path = "/usr/bin/chromium";

    // Without the background-networking flags chromium's own connections (updates, sync, …) are refused on a closed
    // network; none of them is the page's, and none of them goes through the page's routes either.
    private static readonly string[] Args =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    /// <summary>A headless chromium; fails saying how to install it when it is missing.</summary>
    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        ArgumentNullException.ThrowIfNull(playwright);
        File.Exists(Path).Should().BeTrue($"the browser tests drive Debian's chromium at {Path} (apt-get install chromium; .ci/run does)");
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Path, Headless = true, Args = Args });
    }
}
