using System.Security.Cryptography;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>
/// The API as a newcomer runs it: the Development environment, no Entra ID application (<c>AzureAd:ClientId</c>
/// empty), and the <c>Authentication:Schemes:Bearer</c> section that <c>dotnet user-jwts</c> keeps, here with a
/// signing key of this host's own so that <see cref="TokenMinter.UserJwt"/> can mint tokens it trusts.
/// </summary>
public class DevelopmentApiFactory : SummariesApiFactory
{
    public const string UserJwtsIssuer = "dotnet-user-jwts";

    /// <summary>The audience <c>dotnet user-jwts</c> writes: the launch profile's URL.</summary>
    public const string UserJwtsAudience = "http://localhost:5139";

    /// <summary>The HS256 key this host trusts for user-jwts tokens; random per host.</summary>
    public byte[] UserJwtsKey { get; } = RandomNumberGenerator.GetBytes(32);

    protected override string EnvironmentName => "Development";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        new("AzureAd:ClientId", ""),
        new("Authentication:Schemes:Bearer:ValidIssuer", UserJwtsIssuer),
        new("Authentication:Schemes:Bearer:ValidAudiences:0", UserJwtsAudience),
        new("Authentication:Schemes:Bearer:SigningKeys:0:Issuer", UserJwtsIssuer),
        new("Authentication:Schemes:Bearer:SigningKeys:0:Value", Convert.ToBase64String(UserJwtsKey)),
        new("Authentication:Schemes:Bearer:SigningKeys:0:Id", "test-user-jwts-key"),
        new("Authentication:Schemes:Bearer:SigningKeys:0:Length", "32"),
    ];

    /// <summary>A client carrying a user-jwts token signed with this host's key.</summary>
    public HttpClient UserJwtClient(string? tenantId, string? scope = null, params string[] roles) =>
        ClientFor(TokenMinter.UserJwt(UserJwtsKey, UserJwtsAudience, tenantId, scope, roles));
}

/// <summary>
/// The Development host exactly as <c>dotnet run</c> starts it: no Entra ID application and no injected
/// <c>Authentication:*</c> settings, so issuer, audience and signing keys come from appsettings.Development.json and
/// the user secrets that <c>dotnet user-jwts</c> writes.
/// </summary>
public sealed class DevelopmentUserSecretsApiFactory : SummariesApiFactory
{
    protected override string EnvironmentName => "Development";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        new("AzureAd:ClientId", ""),
    ];
}
