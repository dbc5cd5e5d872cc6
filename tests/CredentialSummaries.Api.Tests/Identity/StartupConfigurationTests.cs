using System.Net;
using System.Security.Cryptography;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Identity;

/// <summary>DESIGN §4: there is never an anonymous mode; outside Development missing AzureAd settings stop start-up.</summary>
public sealed class StartupConfigurationTests
{
    [Fact]
    public void Production_without_AzureAd_ClientId_fails_start_up_naming_the_setting()
    {
        using var factory = new HostedAs("Production", ("AzureAd:ClientId", ""));

        var start = () => factory.CreateClient();

        start.Should().Throw<InvalidOperationException>()
            .Which.Message.Should().Contain("'AzureAd:ClientId'")
            .And.Contain("Development")
            .And.NotContain("'AzureAd:Instance'")
            .And.NotContain("'AzureAd:TenantId'");
    }

    [Fact]
    public void Production_without_any_AzureAd_setting_fails_start_up_naming_each_one()
    {
        using var factory = new HostedAs("Production", ("AzureAd:Instance", ""), ("AzureAd:TenantId", " "), ("AzureAd:ClientId", ""));

        var start = () => factory.CreateClient();

        start.Should().Throw<InvalidOperationException>()
            .Which.Message.Should().ContainAll("'AzureAd:Instance'", "'AzureAd:TenantId'", "'AzureAd:ClientId'");
    }

    [Theory]
    [InlineData("Staging")]
    [InlineData("Testing")]
    public void Any_environment_but_development_without_AzureAd_ClientId_fails_start_up(string environment)
    {
        using var factory = new HostedAs(environment, ("AzureAd:ClientId", ""));

        var start = () => factory.CreateClient();

        start.Should().Throw<InvalidOperationException>().Which.Message.Should().Contain("'AzureAd:ClientId'");
    }

    [Fact]
    public async Task Production_with_the_AzureAd_settings_starts_and_still_requires_a_token()
    {
        using var factory = new HostedAs("Production", ("AzureAd:ClientId", TokenMinter.ClientId));
        var anonymous = factory.ClientFor(null);

        using var metadata = await anonymous.GetAsync($"{GraphApi.V1Root}/$metadata");
        using var list = await anonymous.GetAsync(GraphApi.Summaries);

        metadata.StatusCode.Should().Be(HttpStatusCode.OK, await metadata.Content.ReadAsStringAsync());
        await list.ShouldBeGraphErrorAsync(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "Access token is empty.");
        list.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().Contain("Bearer");
    }

    [Fact]
    public async Task Production_ignores_user_jwts_tokens_even_when_user_jwts_settings_are_present()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using var factory = new HostedAs("Production",
            ("AzureAd:ClientId", TokenMinter.ClientId),
            ("Authentication:Schemes:Bearer:ValidIssuer", DevelopmentApiFactory.UserJwtsIssuer),
            ("Authentication:Schemes:Bearer:ValidAudiences:0", DevelopmentApiFactory.UserJwtsAudience),
            ("Authentication:Schemes:Bearer:SigningKeys:0:Issuer", DevelopmentApiFactory.UserJwtsIssuer),
            ("Authentication:Schemes:Bearer:SigningKeys:0:Value", Convert.ToBase64String(key)));
        var token = TokenMinter.UserJwt(key, DevelopmentApiFactory.UserJwtsAudience, Guid.NewGuid().ToString(), GraphApi.ReadWrite);

        using var response = await factory.ClientFor(token).PostAsync(GraphApi.Summaries, GraphApi.SeedBody());

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "Access token validation failure");
        response.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().Contain("Bearer");
    }

    /// <summary>The API in <paramref name="environment"/> with the fixture's AzureAd settings, then <paramref name="overrides"/>.</summary>
    private sealed class HostedAs(string environment, params (string Key, string? Value)[] overrides) : SummariesApiFactory
    {
        protected override string EnvironmentName => environment;

        protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
            base.Settings().Concat(overrides.Select(o => new KeyValuePair<string, string?>(o.Key, o.Value)));
    }
}
