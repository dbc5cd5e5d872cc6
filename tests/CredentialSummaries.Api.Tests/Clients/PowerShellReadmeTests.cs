using System.Net;
using System.Text.RegularExpressions;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Clients;

/// <summary>
/// The PowerShell of docs/clients.md ("PowerShell") and of the README's quick start ("Try it" → "PowerShell"), run as
/// written: the marked <c>powershell</c> blocks (each followed by an <c>&lt;!-- powershell-example: name --&gt;</c>
/// comment), verbatim and in order in one real PowerShell 7 session (<c>dotnet pwsh</c>, the repository's local tool)
/// from the repository root, against the built app as a real process in Development on the examples' address,
/// http://localhost:5139. The server and pwsh share a fresh HOME, so the examples' own <c>dotnet user-jwts create</c>
/// makes the signing key and the token (<see cref="ReadmePowerShellSession"/>). The fixed port allows no second run
/// at the same time: the tests that run the examples share one collection.
/// </summary>
[Collection(nameof(ReadmeAddress))]
public sealed partial class PowerShellReadmeTests
{
    private const string ClientsPage = "docs/clients.md";
    private const string ClientsSection = "## PowerShell";
    private const string Readme = "README.md";
    private const string ReadmeSection = "### PowerShell";
    private const string ReadmeManagingTenant = "4f6a8b2c-0000-4000-8000-000000000001";
    private const string ReadmeManagedTenant = "9b1f4a3e-5c2d-4e8f-a7b6-1c0d2e3f4a5b";
    private const int PageSize = 100;
    private const int Seeded = PageSize + 50;

    [Fact]
    public async Task The_clients_page_PowerShell_blocks_run_verbatim_in_pwsh_7_and_create_update_read_filter_page_and_report_a_Graph_error()
    {
        var started = DateTimeOffset.UtcNow;
        var blocks = ReadmePowerShellSession.DocBlocks(ClientsPage, ClientsSection, "setup", "create-update-get-list", "paging", "error");
        await using var session = await ReadmePowerShellSession.StartAsync();

        // More than one page of the examples' managing tenant, none with security defaults, so that the paging loop
        // must follow @odata.nextLink and the $filter example finds only the summary the script creates.
        var token = await session.TokenAsync(ReadmeManagingTenant, GraphApi.ReadWrite);
        using var client = session.Api.ClientFor(token, TimeSpan.FromSeconds(30));
        for (var i = 0; i < Seeded; i++)
        {
            var body = GraphApi.SeedBody();
            body["tenantDisplayName"] = $"Seeded {i:D3}";
            body["securityDefaultsEnabled"] = false;
            await client.CreateAsync(body);
        }

        var (exitCode, lines, because) = await session.RunAsync(blocks, TimeSpan.FromMinutes(3));

        exitCode.Should().Be(0, because);
        lines.Should().HaveCount(8, because);
        var created = CreatedLine().Match(lines[0]);
        created.Success.Should().BeTrue(because);
        var id = created.Groups["id"].Value;
        lines[1].Should().Be("updated: Contoso Holdings, 180 registered for MFA", because);
        lines[2].Should().Be(GraphApi.ODataType, because);
        lines[3].Should().Be("Contoso Holdings: 180 of 200 users registered for MFA", because);
        lines[4].Should().Be("with security defaults: Contoso Holdings", because);
        lines[5].Should().Be($"walked {Seeded + 1} summaries on 2 pages", because);
        lines[6].Should().Be(
            "error 400 BadRequest: Property 'tenantId' must be a GUID (the managed tenant's Entra tenant id); got \"not-a-guid\".", because);
        RequestIdLine().IsMatch(lines[7]).Should().BeTrue(because);

        // What the store holds afterwards, read over HTTP: the update landed, the failed create stored nothing.
        var stored = await client.GetSummaryAsync(id);
        stored.GetProperty("tenantId").GetString().Should().Be(ReadmeManagedTenant);
        stored.GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Holdings");
        stored.GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(180);
        stored.GetProperty("ssprRegisteredUserCount").GetInt32().Should().Be(130, "a PATCH changes only what it sends");
        stored.GetProperty("totalUserCount").GetInt32().Should().Be(200);
        stored.GetProperty("securityDefaultsEnabled").GetBoolean().Should().BeTrue();
        stored.GetProperty("lastRefreshedDateTime").GetDateTimeOffset().Should().BeOnOrAfter(
            started.AddSeconds(-1), "an update that does not send lastRefreshedDateTime stamps the server's time");
        using var count = await client.GetAsync($"{GraphApi.Summaries}/$count");
        count.StatusCode.Should().Be(HttpStatusCode.OK);
        (await count.Content.ReadAsStringAsync()).Trim().Should().Be((Seeded + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var fabrikam = await client.GetAsync($"{GraphApi.Summaries}?$filter=tenantDisplayName eq 'Fabrikam'");
        (await fabrikam.ReadJsonAsync()).GetProperty("value").GetArrayLength().Should().Be(0, "the error example's create was refused");
    }

    [Fact]
    public async Task The_readme_quick_start_PowerShell_blocks_run_verbatim_in_pwsh_7_and_create_then_read_one_summary()
    {
        var started = DateTimeOffset.UtcNow;
        var blocks = ReadmePowerShellSession.DocBlocks(Readme, ReadmeSection, "quickstart-setup", "quickstart-create-get");
        await using var session = await ReadmePowerShellSession.StartAsync();

        var (exitCode, lines, because) = await session.RunAsync(blocks, TimeSpan.FromMinutes(3));

        exitCode.Should().Be(0, because);
        lines.Should().HaveCount(2, because);
        var created = CreatedLine().Match(lines[0]);
        created.Success.Should().BeTrue(because);
        lines[1].Should().Be("Contoso Ltd: 140 of 200 users registered for MFA", because);

        // What the API then holds, read over HTTP with a token of the same managing tenant: the one summary, as sent.
        var token = await session.TokenAsync(ReadmeManagingTenant, GraphApi.Read);
        using var client = session.Api.ClientFor(token, TimeSpan.FromSeconds(30));
        var stored = await client.GetSummaryAsync(created.Groups["id"].Value);
        stored.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
        stored.GetProperty("tenantId").GetString().Should().Be(ReadmeManagedTenant);
        stored.GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Ltd");
        stored.GetProperty("totalUserCount").GetInt32().Should().Be(200);
        stored.GetProperty("mfaRegisteredUserCount").GetInt32().Should().Be(140);
        stored.GetProperty("ssprRegisteredUserCount").GetInt32().Should().Be(0, "a count the body leaves out defaults to 0");
        stored.GetProperty("securityDefaultsEnabled").GetBoolean().Should().BeFalse();
        stored.GetProperty("lastRefreshedDateTime").GetDateTimeOffset().Should().BeOnOrAfter(
            started.AddSeconds(-1), "a create that does not send lastRefreshedDateTime stamps the server's time");
        using var count = await client.GetAsync($"{GraphApi.Summaries}/$count");
        count.StatusCode.Should().Be(HttpStatusCode.OK);
        (await count.Content.ReadAsStringAsync()).Trim().Should().Be("1", "the quick start creates exactly one summary");
    }

    [GeneratedRegex(@"^created (?<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")]
    private static partial Regex CreatedLine();

    [GeneratedRegex(@"^request-id [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    private static partial Regex RequestIdLine();
}
