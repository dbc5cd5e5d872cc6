namespace CredentialSummaries.GraphStandIn;

/// <summary>
/// One row of Graph v1.0's <c>userRegistrationDetails</c> report
/// (<c>GET /reports/authenticationMethods/userRegistrationDetails</c>), generated from (seed, index) alone so that a
/// page is made from its offset and no tenant's users are ever held in memory.
/// </summary>
/// <remarks>
/// The flags keep Entra ID's implications: <c>isMfaCapable</c> ⇒ <c>isMfaRegistered</c>, <c>isSsprCapable</c> ⇒
/// <c>isSsprEnabled</c> ∧ <c>isSsprRegistered</c>, <c>isPasswordlessCapable</c> ⇒ <c>isMfaCapable</c>. Each has its own
/// ratio, so the five counts of a summary all differ.
/// </remarks>
public sealed record StandInUser(
    Guid Id,
    string UserPrincipalName,
    string UserDisplayName,
    bool IsAdmin,
    bool IsMfaRegistered,
    bool IsMfaCapable,
    bool IsSsprRegistered,
    bool IsSsprEnabled,
    bool IsSsprCapable,
    bool IsPasswordlessCapable,
    IReadOnlyList<string> MethodsRegistered,
    string UserPreferredMethodForSecondaryAuthentication,
    DateTimeOffset LastUpdatedDateTime)
{
    private static readonly string[] GivenNames =
        ["Adele", "Alex", "Diego", "Grady", "Henrietta", "Isaiah", "Johanna", "Joni", "Lee", "Lidia", "Lynne", "Megan", "Miriam", "Nestor", "Patti", "Pradeep"];

    private static readonly string[] Surnames =
        ["Vance", "Wilber", "Siciliani", "Archie", "Mueller", "Langer", "Lorenz", "Sherman", "Gu", "Holloway", "Robbins", "Bowen", "Graham", "Wilke", "Fernandez", "Gupta"];

    private static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The user at <paramref name="index"/> of a tenant whose users come from <paramref name="seed"/>.</summary>
    public static StandInUser Generate(int seed, int index, string domain)
    {
        var key = ((ulong)(uint)seed << 32) | (uint)index;
        double Draw(ulong salt) => (Mix(key ^ (salt * 0x9E3779B97F4A7C15UL)) >> 11) * (1.0 / (1UL << 53));

        var mfaRegistered = Draw(1) < 0.73;
        var mfaCapable = mfaRegistered && Draw(2) < 0.86;
        var ssprEnabled = Draw(3) < 0.81;
        var ssprRegistered = Draw(4) < 0.62;
        var ssprCapable = ssprEnabled && ssprRegistered && Draw(5) < 0.93;
        var passwordless = mfaCapable && Draw(6) < 0.21;
        var admin = Draw(7) < 0.03;

        List<string> methods = [];
        if (mfaRegistered)
        {
            methods.Add(Draw(8) < 0.7 ? "microsoftAuthenticatorPush" : "mobilePhone");
        }

        if (ssprRegistered)
        {
            methods.Add("email");
        }

        if (passwordless)
        {
            methods.Add("windowsHelloForBusiness");
        }

        var preferred = !mfaRegistered ? "none" : methods[0] == "mobilePhone" ? "sms" : "push";

        Span<byte> idBytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(idBytes, Mix(key ^ 0xA5A5A5A5A5A5A5A5UL));
        BitConverter.TryWriteBytes(idBytes[8..], Mix(key ^ 0x5A5A5A5A5A5A5A5AUL));
        idBytes[7] = (byte)((idBytes[7] & 0x0F) | 0x40); // version 4, as Entra ID's object ids are
        idBytes[8] = (byte)((idBytes[8] & 0x3F) | 0x80);

        var given = GivenNames[(int)(Mix(key ^ 11) % (ulong)GivenNames.Length)];
        var surname = Surnames[(int)(Mix(key ^ 13) % (ulong)Surnames.Length)];
        var upn = FormattableString.Invariant($"{given.ToLowerInvariant()}.{surname.ToLowerInvariant()}{index}@{domain}");

        return new StandInUser(
            new Guid(idBytes),
            upn,
            $"{given} {surname}",
            admin,
            mfaRegistered,
            mfaCapable,
            ssprRegistered,
            ssprEnabled,
            ssprCapable,
            passwordless,
            methods,
            preferred,
            Epoch.AddMinutes(Mix(key ^ 17) % (365UL * 24 * 60)));
    }

    // SplitMix64's finalizer: a cheap, well-mixed hash of (seed, index, salt).
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
