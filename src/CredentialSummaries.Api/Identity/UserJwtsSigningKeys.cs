using System.Reflection;
using Microsoft.Extensions.Configuration.UserSecrets;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;

namespace CredentialSummaries.Api.Identity;

/// <summary>
/// The signing keys of <c>dotnet user-jwts</c> tokens, resolved when a token is validated rather than once at
/// start-up, so that a server started before the first <c>dotnet user-jwts create</c> accepts its token without a
/// restart. They come from the live configuration (appsettings, environment, command line, user secrets as the host
/// loaded them) and from the user-secrets file itself, re-read whenever it changes: the host's user-secrets source
/// does not notice the file when its folder did not exist at start-up, which is the case on a fresh machine.
/// </summary>
public sealed class UserJwtsSigningKeys(IConfigurationSection bearerSection, string issuer, string? userSecretsFile)
{
    private const string SigningKeysSection = "SigningKeys";
    private const string BearerSectionPath = "Authentication:Schemes:Bearer";

    private readonly Lock gate = new();
    private (DateTime WrittenUtc, long Length) secretsStamp;
    private IReadOnlyList<KeySetting> secretsKeys = [];
    private IChangeToken? sectionToken;
    private IReadOnlyList<KeySetting> sectionKeys = [];
    private (IReadOnlyList<KeySetting> Section, IReadOnlyList<KeySetting> Secrets) keysFrom = ([], []);
    private SecurityKey[] keys = [];

    /// <summary>The user-secrets file of the assembly's <c>UserSecretsId</c> (under the current HOME), if it has one.</summary>
    public static string? UserSecretsFileOf(Assembly assembly) =>
        assembly.GetCustomAttribute<UserSecretsIdAttribute>() is { } id ? PathHelper.GetSecretsPathFromSecretsId(id.UserSecretsId) : null;

    /// <summary>
    /// For <see cref="TokenValidationParameters.IssuerSigningKeyResolver"/>: every key currently configured for the
    /// issuer. Per token this costs a look at the secrets file's time stamp; the configuration is read again only when
    /// it reloads, and the keys are made again only when either source changed.
    /// </summary>
    public IEnumerable<SecurityKey> Current()
    {
        var fromSection = FromConfiguration();
        var fromSecrets = FromSecretsFile();
        lock (gate)
        {
            if (!ReferenceEquals(fromSection, keysFrom.Section) || !ReferenceEquals(fromSecrets, keysFrom.Secrets))
            {
                keys = [.. fromSection.Concat(fromSecrets)
                    .Where(key => key.Issuer == issuer && !string.IsNullOrEmpty(key.Value))
                    .DistinctBy(key => key.Value)
                    .Select(ToKey).OfType<SecurityKey>()];
                keysFrom = (fromSection, fromSecrets);
            }

            return keys;
        }
    }

    private IReadOnlyList<KeySetting> FromConfiguration()
    {
        lock (gate)
        {
            if (sectionToken is { HasChanged: false })
            {
                return sectionKeys;
            }
        }

        // The token first: a reload after it was taken makes the next call read again.
        var token = bearerSection.GetReloadToken();
        IReadOnlyList<KeySetting> read = [.. FromSection(bearerSection.GetSection(SigningKeysSection))];
        lock (gate)
        {
            sectionToken = token;
            sectionKeys = read;
            return read;
        }
    }

    private static SecurityKey? ToKey(KeySetting setting)
    {
        var bytes = new byte[setting.Value!.Length];
        return Convert.TryFromBase64String(setting.Value, bytes, out var length)
            ? new SymmetricSecurityKey(bytes[..length]) { KeyId = setting.Id }
            : null;
    }

    private static IEnumerable<KeySetting> FromSection(IConfigurationSection signingKeys) =>
        signingKeys.GetChildren().Select(key => new KeySetting(key["Issuer"], key["Value"], key["Id"]));

    private IReadOnlyList<KeySetting> FromSecretsFile()
    {
        if (userSecretsFile is null)
        {
            return [];
        }

        var file = new FileInfo(userSecretsFile);
        var stamp = file.Exists ? (file.LastWriteTimeUtc, file.Length) : default;
        lock (gate)
        {
            if (stamp == secretsStamp)
            {
                return secretsKeys;
            }
        }

        IReadOnlyList<KeySetting> read = [];
        if (file.Exists)
        {
            try
            {
                var secrets = new ConfigurationBuilder().AddJsonFile(file.FullName, optional: true, reloadOnChange: false).Build();
                read = [.. FromSection(secrets.GetSection($"{BearerSectionPath}:{SigningKeysSection}"))];
            }
            catch (Exception e) when (e is IOException or InvalidDataException or FormatException or UnauthorizedAccessException)
            {
                // Being written right now, or not JSON: try again on the next token.
                return secretsKeys;
            }
        }

        lock (gate)
        {
            secretsStamp = stamp;
            secretsKeys = read;
            return read;
        }
    }

    private sealed record KeySetting(string? Issuer, string? Value, string? Id);
}
