using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace CredentialSummaries.Api.Query;

/// <summary>
/// Seals keyset cursors with ASP.NET Core Data Protection (authenticated encryption; keys in the store, shared by
/// every instance). The owner tenant is sealed in with the cursor, so a token is good only for the tenant it was
/// issued to. Tokens are base64url, safe in a URL without escaping.
/// </summary>
public sealed class SkipTokenProtector
{
    private const string Purpose = "CredentialSummaries.SkipToken.v1";
    private const char Separator = '\n';

    private readonly IDataProtector protector;

    public SkipTokenProtector(IDataProtectionProvider provider)
        : this(provider, Purpose)
    {
    }

    /// <summary>The same sealing under another purpose, so that one kind of token is never accepted as another.</summary>
    internal SkipTokenProtector(IDataProtectionProvider provider, string purpose)
    {
        ArgumentNullException.ThrowIfNull(provider);
        protector = provider.CreateProtector(purpose);
    }

    public string Seal(string? ownerTenantId, string cursor) =>
        Base64Url.EncodeToString(protector.Protect(Encoding.UTF8.GetBytes($"{ownerTenantId}{Separator}{cursor}")));

    /// <returns>The cursor, or null when <paramref name="token"/> was not sealed here for <paramref name="ownerTenantId"/>.</returns>
    public string? TryUnseal(string? ownerTenantId, string token)
    {
        string payload;
        try
        {
            payload = Encoding.UTF8.GetString(protector.Unprotect(Base64Url.DecodeFromChars(token)));
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return null;
        }

        var separator = payload.IndexOf(Separator, StringComparison.Ordinal);
        return separator >= 0 && payload.AsSpan(0, separator).SequenceEqual(ownerTenantId) ? payload[(separator + 1)..] : null;
    }
}
