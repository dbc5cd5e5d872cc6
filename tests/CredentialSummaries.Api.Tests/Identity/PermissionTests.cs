using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.IdentityModel.Tokens;

namespace CredentialSummaries.Api.Tests.Identity;

/// <summary>DESIGN §4's permission table and §3's 401/403 contract, through the real app and Entra-shaped tokens.</summary>
public sealed class PermissionTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private const string WriteDenied = "ManagedTenants.ReadWrite.All";

    private readonly TestTenant tenant = new(factory);

    /// <summary>A token of <paramref name="kind"/> "scp" (delegated) or "roles" (application) for this test's tenant.</summary>
    private string Token(string kind, string permission) => kind switch
    {
        "scp" => TokenMinter.Delegated(tenant.Id, permission),
        "roles" => TokenMinter.Application(tenant.Id, permission),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Use 'scp' or 'roles'."),
    };

    [Theory]
    [InlineData("scp", GraphApi.ReportsRead)]
    [InlineData("scp", GraphApi.Read)]
    [InlineData("scp", GraphApi.ReadWrite)]
    [InlineData("roles", GraphApi.Read)]
    [InlineData("roles", GraphApi.ReadWrite)]
    public async Task A_read_permission_can_list_and_get_the_tenants_summaries(string kind, string permission)
    {
        var created = await tenant.Writer.CreateAsync();
        var caller = tenant.With(Token(kind, permission));

        using var list = await caller.GetAsync(GraphApi.Summaries);
        using var item = await caller.GetAsync($"{GraphApi.Summaries}/{created.Id()}");

        var listJson = await list.ReadJsonAsync();
        list.StatusCode.Should().Be(HttpStatusCode.OK, listJson.ToString());
        list.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        list.Headers.GetValues("OData-Version").Should().Equal("4.0");
        listJson.GetProperty("value").EnumerateArray().Select(s => s.Id()).Should().Equal(created.Id());

        var itemJson = await item.ReadJsonAsync();
        item.StatusCode.Should().Be(HttpStatusCode.OK, itemJson.ToString());
        item.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        itemJson.Id().Should().Be(created.Id());
        itemJson.GetProperty("tenantId").GetString().Should().Be(created.GetProperty("tenantId").GetString());
        itemJson.GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Ltd");
    }

    [Theory]
    [InlineData("scp")]
    [InlineData("roles")]
    public async Task ManagedTenants_ReadWrite_All_can_create_update_and_delete(string kind)
    {
        var caller = tenant.With(Token(kind, GraphApi.ReadWrite));

        using var post = await caller.PostAsync(GraphApi.Summaries, GraphApi.SeedBody());
        var created = await post.ReadJsonAsync();
        post.StatusCode.Should().Be(HttpStatusCode.Created, created.ToString());
        created.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
        post.Headers.Location.Should().Be(new Uri($"http://localhost{GraphApi.Summaries}/{created.Id()}"));
        var url = $"{GraphApi.Summaries}/{created.Id()}";

        using var patch = await caller.PatchAsync(url, new { tenantDisplayName = "Contoso Renamed" });
        var patched = await patch.ReadJsonAsync();
        patch.StatusCode.Should().Be(HttpStatusCode.OK, patched.ToString());
        patched.GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Renamed");
        (await ReadAsync(url)).GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Renamed");

        using var delete = await caller.DeleteAsync(url);
        delete.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await delete.Content.ReadAsStringAsync()).Should().BeEmpty();

        using var gone = await tenant.Reader.GetAsync(url);
        await gone.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", created.Id());
    }

    [Theory]
    [InlineData("scp", GraphApi.ReportsRead)]
    [InlineData("scp", GraphApi.Read)]
    [InlineData("roles", GraphApi.Read)]
    [InlineData("roles", GraphApi.ReportsRead)]
    public async Task Post_without_ManagedTenants_ReadWrite_All_returns_403_and_stores_nothing(string kind, string permission)
    {
        var caller = tenant.With(Token(kind, permission));

        using var response = await caller.PostAsync(GraphApi.Summaries, GraphApi.SeedBody());

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Forbidden, "Authorization_RequestDenied", WriteDenied);
        response.Headers.Location.Should().BeNull();
        await ShouldHaveCountAsync(0);
    }

    [Theory]
    [InlineData("scp", GraphApi.ReportsRead)]
    [InlineData("scp", GraphApi.Read)]
    [InlineData("roles", GraphApi.Read)]
    [InlineData("roles", GraphApi.ReportsRead)]
    public async Task Patch_without_ManagedTenants_ReadWrite_All_returns_403_and_leaves_the_row_unchanged(string kind, string permission)
    {
        var created = await tenant.Writer.CreateAsync();
        var url = $"{GraphApi.Summaries}/{created.Id()}";
        var caller = tenant.With(Token(kind, permission));

        using var response = await caller.PatchAsync(url, new { tenantDisplayName = "Hijacked", totalUserCount = 1 });

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Forbidden, "Authorization_RequestDenied", WriteDenied);
        var stored = await ReadAsync(url);
        stored.GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Ltd");
        stored.GetProperty("totalUserCount").GetInt32().Should().Be(200);
        stored.GetProperty("lastRefreshedDateTime").GetString().Should().Be(created.GetProperty("lastRefreshedDateTime").GetString());
    }

    [Theory]
    [InlineData("scp", GraphApi.ReportsRead)]
    [InlineData("scp", GraphApi.Read)]
    [InlineData("roles", GraphApi.Read)]
    [InlineData("roles", GraphApi.ReportsRead)]
    public async Task Delete_without_ManagedTenants_ReadWrite_All_returns_403_and_keeps_the_row(string kind, string permission)
    {
        var created = await tenant.Writer.CreateAsync();
        var url = $"{GraphApi.Summaries}/{created.Id()}";
        var caller = tenant.With(Token(kind, permission));

        using var response = await caller.DeleteAsync(url);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Forbidden, "Authorization_RequestDenied", WriteDenied);
        (await ReadAsync(url)).Id().Should().Be(created.Id());
        await ShouldHaveCountAsync(1);
    }

    [Fact]
    public async Task The_write_403_names_every_permission_that_would_do()
    {
        var caller = tenant.With(Token("scp", GraphApi.Read));

        using var response = await caller.PostAsync(GraphApi.Summaries, GraphApi.SeedBody());

        var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.Forbidden, "Authorization_RequestDenied",
            "delegated scopes 'ManagedTenants.ReadWrite.All'", "application roles 'ManagedTenants.ReadWrite.All'");
        error.GetProperty("message").GetString().Should().NotContain(GraphApi.ReportsRead);
    }

    [Theory]
    [InlineData("roles", GraphApi.ReportsRead)]
    [InlineData("scp", "User.Read")]
    [InlineData("roles", "Directory.Read.All")]
    public async Task A_permission_outside_the_read_table_cannot_list_or_get(string kind, string permission)
    {
        var created = await tenant.Writer.CreateAsync();
        var caller = tenant.With(Token(kind, permission));

        using var list = await caller.GetAsync(GraphApi.Summaries);
        using var item = await caller.GetAsync($"{GraphApi.Summaries}/{created.Id()}");
        using var count = await caller.GetAsync($"{GraphApi.Summaries}/$count");

        foreach (var response in new[] { list, item, count })
        {
            var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.Forbidden, "Authorization_RequestDenied",
                "'Reports.Read.All'", "'ManagedTenants.Read.All'", "'ManagedTenants.ReadWrite.All'");
            error.GetProperty("message").GetString().Should().NotContain(created.Id()).And.NotContain("Contoso");
        }
    }

    [Fact]
    public async Task A_token_with_neither_scp_nor_roles_is_refused_403_for_reads_and_writes()
    {
        var created = await tenant.Writer.CreateAsync();
        var caller = tenant.With(TokenMinter.Mint(tenant.Id, new Dictionary<string, object>()));

        using var list = await caller.GetAsync(GraphApi.Summaries);
        using var post = await caller.PostAsync(GraphApi.Summaries, GraphApi.SeedBody());
        using var patch = await caller.PatchAsync($"{GraphApi.Summaries}/{created.Id()}", new { tenantDisplayName = "Hijacked" });
        using var delete = await caller.DeleteAsync($"{GraphApi.Summaries}/{created.Id()}");

        await list.ShouldBeGraphErrorAsync(HttpStatusCode.Forbidden, "Authorization_RequestDenied", "Missing permission", GraphApi.Read);
        await post.ShouldBeGraphErrorAsync(HttpStatusCode.Forbidden, "Authorization_RequestDenied", "Missing permission", WriteDenied);
        await patch.ShouldBeGraphErrorAsync(HttpStatusCode.Forbidden, "Authorization_RequestDenied", "Missing permission", WriteDenied);
        await delete.ShouldBeGraphErrorAsync(HttpStatusCode.Forbidden, "Authorization_RequestDenied", "Missing permission", WriteDenied);
        (await ReadAsync($"{GraphApi.Summaries}/{created.Id()}")).GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Ltd");
        await ShouldHaveCountAsync(1);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    public async Task A_valid_token_without_tid_returns_403_naming_tid(string method)
    {
        // Entra's issuer names the tenant, so the token validates; the owner, though, can only come from 'tid'.
        var token = TokenMinter.Mint(null, new Dictionary<string, object> { ["scp"] = GraphApi.ReadWrite }, issuer: TokenMinter.IssuerFor(tenant.Id));
        var caller = tenant.With(token);

        using var response = method == "GET"
            ? await caller.GetAsync(GraphApi.Summaries)
            : await caller.PostAsync(GraphApi.Summaries, GraphApi.SeedBody());

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Forbidden, "Authorization_RequestDenied", "'tid'");
        await ShouldHaveCountAsync(0);
    }

    [Theory]
    [InlineData("GET", "contoso")]
    [InlineData("POST", "contoso")]
    [InlineData("POST", "4f6a8b2c-0000-4000-8000")]
    public async Task A_token_whose_tid_is_not_a_tenant_guid_returns_403_naming_tid_instead_of_failing(string method, string tid)
    {
        // The issuer names the same tenant, so the token validates; it just has no owner the store can use.
        var caller = tenant.With(TokenMinter.Mint(tid, new Dictionary<string, object> { ["scp"] = GraphApi.ReadWrite }));

        using var response = method == "GET"
            ? await caller.GetAsync(GraphApi.Summaries)
            : await caller.PostAsync(GraphApi.Summaries, GraphApi.SeedBody());

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Forbidden, "Authorization_RequestDenied", "'tid'", "GUID");
        await ShouldHaveCountAsync(0);
    }

    [Theory]
    [InlineData("GET", GraphApi.Summaries)]
    [InlineData("GET", GraphApi.Summaries + "/$count")]
    [InlineData("GET", GraphApi.Summaries + "/any-id")]
    [InlineData("POST", GraphApi.Summaries)]
    [InlineData("PATCH", GraphApi.Summaries + "/any-id")]
    [InlineData("DELETE", GraphApi.Summaries + "/any-id")]
    public async Task No_token_returns_401_with_a_bearer_challenge_and_access_token_is_empty(string method, string url)
    {
        var anonymous = factory.ClientFor(null);
        var body = method is "POST" or "PATCH" ? GraphApi.SeedBody() : null;

        using var response = await anonymous.SendAsync(GraphApi.Request(new HttpMethod(method), url, body));

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "Access token is empty.");
        response.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().Contain("Bearer");
        await ShouldHaveCountAsync(0);
    }

    [Fact]
    public async Task An_expired_token_returns_401_saying_it_expired()
    {
        var token = TokenMinter.Mint(tenant.Id, new Dictionary<string, object> { ["scp"] = GraphApi.ReadWrite },
            expires: DateTime.UtcNow.AddMinutes(-10));

        using var response = await tenant.With(token).GetAsync(GraphApi.Summaries);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "expired");
        response.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().Contain("Bearer");
    }

    [Theory]
    [InlineData("https://graph.microsoft.com")]
    [InlineData("api://some-other-api")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    public async Task A_token_for_another_audience_returns_401_invalid_audience(string audience)
    {
        var token = TokenMinter.Mint(tenant.Id, new Dictionary<string, object> { ["scp"] = GraphApi.ReadWrite }, audience: audience);

        using var response = await tenant.With(token).PostAsync(GraphApi.Summaries, GraphApi.SeedBody());

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "Invalid audience");
        response.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().Contain("Bearer");
        await ShouldHaveCountAsync(0);
    }

    [Theory]
    [InlineData("test-signing-key")]
    [InlineData("unknown-key")]
    public async Task A_token_signed_by_another_rsa_key_returns_401_invalid_signature(string keyId)
    {
        using var rsa = RSA.Create(2048);
        var foreignKey = new RsaSecurityKey(rsa) { KeyId = keyId };
        var token = TokenMinter.Mint(tenant.Id, new Dictionary<string, object> { ["scp"] = GraphApi.ReadWrite }, key: foreignKey);

        using var response = await tenant.With(token).PostAsync(GraphApi.Summaries, GraphApi.SeedBody());

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "Invalid signature");
        response.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().Contain("Bearer");
        await ShouldHaveCountAsync(0);
    }

    [Fact]
    public async Task A_token_whose_issuer_names_another_tenant_than_its_tid_returns_401_invalid_issuer()
    {
        var token = TokenMinter.Mint(tenant.Id, new Dictionary<string, object> { ["scp"] = GraphApi.ReadWrite },
            issuer: TokenMinter.IssuerFor(Guid.NewGuid().ToString()));

        using var response = await tenant.With(token).GetAsync(GraphApi.Summaries);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "Invalid issuer");
        response.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().Contain("Bearer");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("not.a.jwt")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ4In0.")]
    public async Task A_garbage_bearer_string_returns_401(string bearer)
    {
        using var response = await tenant.With(bearer).GetAsync(GraphApi.Summaries);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "Access token validation failure");
        response.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().Contain("Bearer");
    }

    [Theory]
    [InlineData(GraphApi.V1Root + "/$metadata")]
    [InlineData(GraphApi.BetaRoot + "/$metadata")]
    public async Task Metadata_is_served_without_a_token(string url)
    {
        using var response = await factory.ClientFor(null).GetAsync(url);

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/xml");
        response.Headers.GetValues("OData-Version").Should().Equal("4.0");
        text.Should().Contain("<edmx:Edmx").And.Contain("credentialUserRegistrationsSummary");
        response.Headers.WwwAuthenticate.Should().BeEmpty();
    }

    [Theory]
    [InlineData(GraphApi.V1Root + "/")]
    [InlineData(GraphApi.BetaRoot + "/")]
    public async Task The_service_document_is_served_without_a_token(string url)
    {
        using var response = await factory.ClientFor(null).GetAsync(url);

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        response.Headers.GetValues("OData-Version").Should().Equal("4.0");
        json.GetProperty("@odata.context").GetString().Should().EndWith("/$metadata");
        json.GetProperty("value").EnumerateArray().Select(e => e.GetProperty("name").GetString())
            .Should().Contain("credentialUserRegistrationsSummaries");
    }

    private async Task<JsonElement> ReadAsync(string url)
    {
        using var response = await tenant.Reader.GetAsync(url);
        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        return json;
    }

    private async Task ShouldHaveCountAsync(int expected)
    {
        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/$count");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        text.Should().Be(expected.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
