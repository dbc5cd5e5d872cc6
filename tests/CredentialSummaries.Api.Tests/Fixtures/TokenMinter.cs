using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>
/// Mints access tokens shaped like Entra ID's v2 tokens, signed with a local RSA key that the test host trusts in
/// place of Entra's published keys.
/// </summary>
public sealed class TokenMinter
{
    public const string ClientId = "8b0f3c55-6d7a-4e2b-9c1d-2f3e4a5b6c7d";
    /// <summary>Entra ID v2 access tokens carry the API's client id as their audience.</summary>
    public const string Audience = ClientId;

    private static readonly RsaSecurityKey SharedKey = new(RSA.Create(2048)) { KeyId = "test-signing-key" };

    public static SecurityKey SigningKey => SharedKey;

    public static string IssuerFor(string tenantId) => $"https://login.microsoftonline.com/{tenantId}/v2.0";

    /// <summary>A delegated (user) token: <paramref name="scopes"/> become the space-separated <c>scp</c> claim.</summary>
    public static string Delegated(string tenantId, params string[] scopes) =>
        Mint(tenantId, new Dictionary<string, object> { ["scp"] = string.Join(' ', scopes) });

    /// <summary>An application (client credentials) token: <paramref name="roles"/> become the <c>roles</c> claim.</summary>
    public static string Application(string tenantId, params string[] roles) =>
        Mint(tenantId, new Dictionary<string, object> { ["roles"] = roles });

    public static string Mint(
        string? tenantId,
        IDictionary<string, object> claims,
        string? audience = null,
        DateTime? expires = null,
        SecurityKey? key = null,
        string? issuer = null)
    {
        var now = DateTime.UtcNow;
        // An expiry in the past gets an issue time before it, so the token is expired rather than malformed.
        var issued = expires is { } expiry && expiry <= now ? expiry.AddHours(-1) : now.AddMinutes(-5);
        var allClaims = new Dictionary<string, object>(claims)
        {
            ["oid"] = Guid.NewGuid().ToString(),
            ["azp"] = Guid.NewGuid().ToString(),
            ["ver"] = "2.0",
        };
        if (tenantId is not null)
        {
            allClaims["tid"] = tenantId;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer ?? IssuerFor(tenantId ?? Guid.Empty.ToString()),
            Audience = audience ?? Audience,
            IssuedAt = issued,
            NotBefore = issued,
            Expires = expires ?? now.AddHours(1),
            Claims = allClaims,
            Subject = new ClaimsIdentity([new Claim("sub", Guid.NewGuid().ToString())]),
            SigningCredentials = new SigningCredentials(key ?? SharedKey, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    /// <summary>A token as <c>dotnet user-jwts</c> writes it: HS256, issuer dotnet-user-jwts, 'scope' and 'role' claims.</summary>
    public static string UserJwt(byte[] key, string audience, string? tenantId, string? scope = null, params string[] roles) =>
        MintUserJwt(key, audience, tenantId, scope, DateTime.UtcNow.AddHours(1), roles);

    /// <summary>A <c>dotnet user-jwts</c> token like <see cref="UserJwt(byte[], string, string?, string?, string[])"/> that expired at <paramref name="expires"/>.</summary>
    public static string ExpiredUserJwt(byte[] key, string audience, string? tenantId, string? scope, DateTime expires) =>
        MintUserJwt(key, audience, tenantId, scope, expires, []);

    private static string MintUserJwt(byte[] key, string audience, string? tenantId, string? scope, DateTime expires, string[] roles)
    {
        var claims = new Dictionary<string, object> { ["unique_name"] = "developer", ["sub"] = "developer" };
        if (scope is not null)
        {
            claims["scope"] = scope;
        }

        if (roles.Length > 0)
        {
            claims["role"] = roles;
        }

        if (tenantId is not null)
        {
            claims["tid"] = tenantId;
        }

        var issued = (expires < DateTime.UtcNow ? expires.AddHours(-1) : DateTime.UtcNow).AddMinutes(-1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "dotnet-user-jwts",
            Audience = audience,
            NotBefore = issued,
            IssuedAt = issued,
            Expires = expires,
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        });
    }
}
