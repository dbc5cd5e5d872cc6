using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CredentialSummaries.Bench.Runner;

/// <summary>
/// HS256 bearer tokens as <c>dotnet user-jwts</c> makes them (tests/…/Fixtures/TokenMinter.UserJwt): issuer
/// <c>dotnet-user-jwts</c>, the audience below, <c>tid</c> = the owner, <c>scope</c> = the write permission (which
/// also reads), <c>sub</c> and <c>unique_name</c>, valid for a day. Both targets trust <see cref="Key"/> through the
/// <c>Authentication__Schemes__Bearer__*</c> settings of <see cref="Settings"/>.
/// </summary>
internal sealed class Tokens
{
    public const string Issuer = "dotnet-user-jwts";
    public const string Audience = "http://localhost:5139";
    public const string Scope = "ManagedTenants.ReadWrite.All";
    public const string KeyId = "bench";

    private static readonly byte[] Header = Encoding.UTF8.GetBytes("""{"alg":"HS256","typ":"JWT"}""");

    public byte[] Key { get; } = RandomNumberGenerator.GetBytes(32);

    /// <summary>The settings both targets read to trust the key (the contract's list, as environment variables).</summary>
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Authentication__Schemes__Bearer__ValidIssuer"] = Issuer,
        ["Authentication__Schemes__Bearer__ValidAudiences__0"] = Audience,
        ["Authentication__Schemes__Bearer__SigningKeys__0__Issuer"] = Issuer,
        ["Authentication__Schemes__Bearer__SigningKeys__0__Value"] = Convert.ToBase64String(Key),
        ["Authentication__Schemes__Bearer__SigningKeys__0__Id"] = KeyId,
        ["Authentication__Schemes__Bearer__SigningKeys__0__Length"] = "32",
    };

    public string Mint(string tenantId)
    {
        var now = DateTimeOffset.UtcNow;
        var payload = new MemoryStream();
        using (var json = new Utf8JsonWriter(payload))
        {
            json.WriteStartObject();
            json.WriteString("unique_name", "bench");
            json.WriteString("sub", "bench");
            json.WriteString("scope", Scope);
            json.WriteString("tid", tenantId);
            json.WriteString("iss", Issuer);
            json.WriteString("aud", Audience);
            json.WriteNumber("nbf", now.AddMinutes(-1).ToUnixTimeSeconds());
            json.WriteNumber("iat", now.AddMinutes(-1).ToUnixTimeSeconds());
            json.WriteNumber("exp", now.AddDays(1).ToUnixTimeSeconds());
            json.WriteEndObject();
        }

        var signed = $"{Base64Url.EncodeToString(Header)}.{Base64Url.EncodeToString(payload.ToArray())}";
        var signature = HMACSHA256.HashData(Key, Encoding.ASCII.GetBytes(signed));
        return $"{signed}.{Base64Url.EncodeToString(signature)}";
    }
}
