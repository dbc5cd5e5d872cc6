using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Identity;

/// <summary>
/// DESIGN §4, local development: in the Development environment the API accepts tokens from the SDK's
/// <c>dotnet user-jwts</c> (issuer dotnet-user-jwts, 'scope' and 'role' claims), and nowhere else.
/// </summary>
public sealed class DevelopmentUserJwtsTests(
    DevelopmentApiFactory development,
    DevelopmentUserSecretsApiFactory developmentFromUserSecrets,
    SummariesApiFactory testing)
    : IClassFixture<DevelopmentApiFactory>, IClassFixture<DevelopmentUserSecretsApiFactory>, IClassFixture<SummariesApiFactory>
{
    private readonly string tenantId = Guid.NewGuid().ToString();

    [Fact]
    public async Task A_user_jwts_token_with_scope_ManagedTenants_ReadWrite_All_can_create_and_update()
    {
        var developer = development.UserJwtClient(tenantId, scope: GraphApi.ReadWrite);

        using var post = await developer.PostAsync(GraphApi.Summaries, GraphApi.SeedBody());
        var created = await post.ReadJsonAsync();
        post.StatusCode.Should().Be(HttpStatusCode.Created, created.ToString());
        created.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
        created.GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Ltd");
        post.Headers.Location.Should().Be(new Uri($"http://localhost{GraphApi.Summaries}/{created.Id()}"));

        using var patch = await developer.PatchAsync(post.Headers.Location!.ToString(), new { tenantDisplayName = "Contoso Dev" });
        var patched = await patch.ReadJsonAsync();
        patch.StatusCode.Should().Be(HttpStatusCode.OK, patched.ToString());
        patched.GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Dev");
        patched.Id().Should().Be(created.Id());

        var stored = await ReadAsync(developer, post.Headers.Location!.ToString());
        stored.GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Dev");
    }

    [Fact]
    public async Task A_user_jwts_token_with_role_ManagedTenants_ReadWrite_All_works_as_an_application_permission()
    {
        var daemon = development.UserJwtClient(tenantId, scope: null, GraphApi.ReadWrite);

        using var post = await daemon.PostAsync(GraphApi.Summaries, GraphApi.SeedBody());
        var created = await post.ReadJsonAsync();
        post.StatusCode.Should().Be(HttpStatusCode.Created, created.ToString());
        created.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
        var url = $"{GraphApi.Summaries}/{created.Id()}";

        using var patch = await daemon.PatchAsync(url, new { totalUserCount = 250 });
        var patched = await patch.ReadJsonAsync();
        patch.StatusCode.Should().Be(HttpStatusCode.OK, patched.ToString());
        patched.GetProperty("totalUserCount").GetInt32().Should().Be(250);

        using var delete = await daemon.DeleteAsync(url);
        delete.StatusCode.Should().Be(HttpStatusCode.NoContent);
        using var gone = await daemon.GetAsync(url);
        await gone.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", created.Id());
    }

    [Fact]
    public async Task A_user_jwts_token_with_scope_ManagedTenants_Read_All_can_read_but_not_create()
    {
        var created = await development.UserJwtClient(tenantId, scope: GraphApi.ReadWrite).CreateAsync();
        var reader = development.UserJwtClient(tenantId, scope: GraphApi.Read);

        using var list = await reader.GetAsync(GraphApi.Summaries);
        using var post = await reader.PostAsync(GraphApi.Summaries, GraphApi.SeedBody());

        var listJson = await list.ReadJsonAsync();
        list.StatusCode.Should().Be(HttpStatusCode.OK, listJson.ToString());
        listJson.GetProperty("value").EnumerateArray().Select(s => s.Id()).Should().Equal(created.Id());
        (await ReadAsync(reader, $"{GraphApi.Summaries}/{created.Id()}")).GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Ltd");
        await post.ShouldBeGraphErrorAsync(HttpStatusCode.Forbidden, "Authorization_RequestDenied", "ManagedTenants.ReadWrite.All");
        await ShouldHaveCountAsync(reader, 1);
    }

    [Fact]
    public async Task A_user_jwts_role_of_ManagedTenants_Read_All_cannot_delete()
    {
        var created = await development.UserJwtClient(tenantId, scope: GraphApi.ReadWrite).CreateAsync();
        var reader = development.UserJwtClient(tenantId, scope: null, GraphApi.Read);

        using var delete = await reader.DeleteAsync($"{GraphApi.Summaries}/{created.Id()}");

        await delete.ShouldBeGraphErrorAsync(HttpStatusCode.Forbidden, "Authorization_RequestDenied", "ManagedTenants.ReadWrite.All");
        await ShouldHaveCountAsync(reader, 1);
    }

    [Fact]
    public async Task A_user_jwts_token_without_tid_returns_403_naming_tid()
    {
        var developer = development.UserJwtClient(tenantId: null, scope: GraphApi.ReadWrite);

        using var post = await developer.PostAsync(GraphApi.Summaries, GraphApi.SeedBody());
        using var list = await developer.GetAsync(GraphApi.Summaries);

        await post.ShouldBeGraphErrorAsync(HttpStatusCode.Forbidden, "Authorization_RequestDenied", "'tid'");
        await list.ShouldBeGraphErrorAsync(HttpStatusCode.Forbidden, "Authorization_RequestDenied", "'tid'");
    }

    [Theory]
    [InlineData("contoso")]
    [InlineData("4f6a8b2c-0000-4000-8000")]
    public async Task A_user_jwts_token_whose_tid_is_not_a_guid_returns_403_naming_tid(string tid)
    {
        var developer = development.UserJwtClient(tid, scope: GraphApi.ReadWrite);

        using var post = await developer.PostAsync(GraphApi.Summaries, GraphApi.SeedBody());
        using var list = await developer.GetAsync(GraphApi.Summaries);

        await post.ShouldBeGraphErrorAsync(HttpStatusCode.Forbidden, "Authorization_RequestDenied", "'tid'", "GUID");
        await list.ShouldBeGraphErrorAsync(HttpStatusCode.Forbidden, "Authorization_RequestDenied", "'tid'", "GUID");
    }

    [Fact]
    public async Task A_user_jwts_token_is_refused_with_401_outside_development()
    {
        var token = TokenMinter.UserJwt(development.UserJwtsKey, DevelopmentApiFactory.UserJwtsAudience, tenantId, GraphApi.ReadWrite);
        var acceptedInDevelopment = development.ClientFor(token);
        var elsewhere = testing.ClientFor(token);

        using var inDevelopment = await acceptedInDevelopment.GetAsync(GraphApi.Summaries);
        using var post = await elsewhere.PostAsync(GraphApi.Summaries, GraphApi.SeedBody());
        using var list = await elsewhere.GetAsync(GraphApi.Summaries);

        inDevelopment.StatusCode.Should().Be(HttpStatusCode.OK, await inDevelopment.Content.ReadAsStringAsync());
        await post.ShouldBeGraphErrorAsync(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "Access token validation failure");
        post.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().Contain("Bearer");
        await list.ShouldBeGraphErrorAsync(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "Access token validation failure");
        list.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().Contain("Bearer");
    }

    [Fact]
    public async Task A_user_jwts_token_signed_with_another_key_returns_401_in_development()
    {
        var token = TokenMinter.UserJwt(RandomNumberGenerator.GetBytes(32), DevelopmentApiFactory.UserJwtsAudience, tenantId, GraphApi.ReadWrite);

        using var response = await development.ClientFor(token).PostAsync(GraphApi.Summaries, GraphApi.SeedBody());

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "Invalid signature");
        response.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().Contain("Bearer");
    }

    [Fact]
    public async Task A_user_jwts_token_for_another_audience_returns_401_in_development()
    {
        var token = TokenMinter.UserJwt(development.UserJwtsKey, "http://localhost:9999", tenantId, GraphApi.ReadWrite);

        using var response = await development.ClientFor(token).GetAsync(GraphApi.Summaries);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "Invalid audience");
    }

    [Fact]
    public async Task Development_without_a_token_still_returns_401()
    {
        using var response = await development.ClientFor(null).GetAsync(GraphApi.Summaries);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "Access token is empty.");
        response.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().Contain("Bearer");
    }

    [Theory]
    [InlineData("--scope")]
    [InlineData("--role")]
    public async Task A_token_from_the_real_dotnet_user_jwts_tool_as_the_readme_documents_can_create(string permissionOption)
    {
        var settingsFile = Path.Combine(UserJwtsTool.ApiProjectDirectory, "appsettings.Development.json");
        var settingsBefore = await File.ReadAllTextAsync(settingsFile);

        var token = await UserJwtsTool.CreateAsync(permissionOption, GraphApi.ReadWrite, "--claim", $"tid={tenantId}");
        var developer = developmentFromUserSecrets.ClientFor(token);
        using var post = await developer.PostAsync(GraphApi.Summaries, GraphApi.SeedBody());

        var created = await post.ReadJsonAsync();
        post.StatusCode.Should().Be(HttpStatusCode.Created, created.ToString());
        created.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
        post.Headers.Location.Should().Be(new Uri($"http://localhost{GraphApi.Summaries}/{created.Id()}"));
        using var list = await developer.GetAsync(GraphApi.Summaries);
        var listJson = await list.ReadJsonAsync();
        list.StatusCode.Should().Be(HttpStatusCode.OK, listJson.ToString());
        listJson.GetProperty("value").EnumerateArray().Select(s => s.Id()).Should().Equal(created.Id());
        (await File.ReadAllTextAsync(settingsFile)).Should().Be(settingsBefore,
            "the committed appsettings.Development.json already holds what 'dotnet user-jwts create' writes");
    }

    private static async Task<JsonElement> ReadAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        return json;
    }

    private static async Task ShouldHaveCountAsync(HttpClient client, int expected)
    {
        using var response = await client.GetAsync($"{GraphApi.Summaries}/$count");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        text.Should().Be(expected.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
