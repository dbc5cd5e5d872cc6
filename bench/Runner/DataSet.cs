namespace CredentialSummaries.Bench.Runner;

/// <summary>One row of <c>"CredentialUserRegistrationsSummaries"</c>, with values the service would have stored.</summary>
internal readonly record struct SummaryRow(
    string OwnerTenantId,
    string Id,
    string TenantId,
    string TenantDisplayName,
    string? TenantLicenseType,
    int MfaAndSsprCapableUserCount,
    int SsprEnabledUserCount,
    int MfaRegisteredUserCount,
    int SsprRegisteredUserCount,
    int MfaExcludedUserCount,
    int TotalUserCount,
    bool SecurityDefaultsEnabled,
    string? MfaConditionalAccessPolicyState,
    DateTime LastRefreshedDateTime,
    string ConcurrencyStamp);

/// <summary>An owner (a managing tenant, the token's <c>tid</c>) with the ids and display names of its rows.</summary>
internal sealed record OwnerData(string TenantId, string[] Ids, string[] DisplayNames);

/// <summary>
/// The benchmark's data, the same for both stores: <see cref="Owners"/> with the same number of rows each, and one deep
/// owner with <see cref="DeepRows"/> rows. Values are drawn from a seeded generator (a run is reproducible) and obey the
/// service's rules (src/…/Validation/SummaryRules.cs): ids and tenantIds are lowercase GUIDs (tenantId unique per
/// owner), display names are unique per regular owner, every count is at most totalUserCount (at most
/// <see cref="MaxSeededTotal"/>), times are UTC in whole microseconds, and the concurrency stamp is 32 lowercase hex
/// digits as <c>Guid.ToString("N")</c> writes it. Rows come ordered by owner and id, the primary key's order, which
/// makes the inserts cheap.
/// </summary>
internal sealed class DataSet
{
    /// <summary>The display name of every row a POST of the benchmark creates; such rows are deleted after each POST run.</summary>
    public const string CreatedMarker = "Bench Created Tenant";

    /// <summary>The largest totalUserCount seeded; a PATCH of the benchmark sets a total above it, so its counts stay valid.</summary>
    public const int MaxSeededTotal = 5000;

    private static readonly string[] Companies =
    [
        "Contoso", "Fabrikam", "Northwind", "Adventure Works", "Tailspin", "Wingtip", "Litware", "Proseware", "Woodgrove",
        "Lamna", "Relecloud", "Trey Research", "Alpine Ski House", "Coho Winery", "Margie's Travel", "Fourth Coffee",
        "Lucerne Publishing", "Graphic Design Institute", "Wide World Importers", "Blue Yonder", "Consolidated Messenger",
        "City Power & Light", "Humongous Insurance", "Southridge Video", "School of Fine Art", "VanArsdel", "Datum",
        "Munson's Pickles", "Nod Publishers", "Bellows College", "Best For You Organics", "Liberty's Delightful",
        "First Up Consultants", "Tasmanian Traders", "Olympia", "Woodgrove Bank", "Fineartschool", "Lakeshore Retail",
        "Northwind Traders", "Contoso Pharmaceuticals",
    ];

    private static readonly string[] Suffixes =
    [
        "Ltd", "Inc", "GmbH", "SA", "BV", "AB", "Oy", "KK", "Pty", "LLC", "Group", "Holdings", "Europe", "Americas", "Asia",
        "UK", "France", "Deutschland", "Nederland", "Nordics", "Iberia", "Italia", "Japan", "Australia", "Canada",
    ];

    private static readonly string?[] Licenses =
        ["Microsoft 365 Business Premium", "Microsoft 365 E3", "Microsoft 365 E5", "Microsoft Entra ID P1", "Microsoft Entra ID P2", null];

    private static readonly string?[] PolicyStates = ["enabled", "disabled", "enabledForReportingButNotEnforced", null];

    private static readonly DateTime RefreshedFrom = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly int seed;

    private DataSet(int seed, IReadOnlyList<OwnerData> owners, string deepOwner, int deepRows)
    {
        this.seed = seed;
        Owners = owners;
        DeepOwner = deepOwner;
        DeepRows = deepRows;
    }

    public IReadOnlyList<OwnerData> Owners { get; }

    public string DeepOwner { get; }

    public int DeepRows { get; }

    public long TotalRows => (long)Owners.Sum(o => o.Ids.Length) + DeepRows;

    public static DataSet Create(int owners, int rowsPerOwner, int deepRows, int seed = 20261201)
    {
        var random = new Random(seed);
        var names = Companies.SelectMany(c => Suffixes.Select(s => $"{c} {s}")).ToArray();
        var list = new List<OwnerData>(owners);
        for (var o = 0; o < owners; o++)
        {
            var ids = Enumerable.Range(0, rowsPerOwner).Select(_ => NewGuid(random)).Order(StringComparer.Ordinal).ToArray();
            // Distinct names per owner: the first rowsPerOwner of a shuffle, numbered past the list's end.
            var shuffled = (string[])names.Clone();
            random.Shuffle(shuffled);
            var displayNames = Enumerable.Range(0, rowsPerOwner)
                .Select(i => i < shuffled.Length ? shuffled[i] : $"{shuffled[i % shuffled.Length]} {i / shuffled.Length + 1}")
                .ToArray();
            list.Add(new OwnerData(NewGuid(random), ids, displayNames));
        }

        return new DataSet(seed, list.OrderBy(o => o.TenantId, StringComparer.Ordinal).ToArray(), NewGuid(random), deepRows);
    }

    /// <summary>Every row, owners in key order (the deep owner among them), each owner's rows by id.</summary>
    public IEnumerable<SummaryRow> Rows()
    {
        var random = new Random(seed + 1);
        var deepDone = false;
        foreach (var owner in Owners)
        {
            if (!deepDone && string.CompareOrdinal(DeepOwner, owner.TenantId) < 0)
            {
                deepDone = true;
                foreach (var row in DeepOwnerRows(random))
                {
                    yield return row;
                }
            }

            for (var i = 0; i < owner.Ids.Length; i++)
            {
                yield return Row(random, owner.TenantId, owner.Ids[i], owner.DisplayNames[i]);
            }
        }

        if (!deepDone)
        {
            foreach (var row in DeepOwnerRows(random))
            {
                yield return row;
            }
        }
    }

    private IEnumerable<SummaryRow> DeepOwnerRows(Random random)
    {
        var ids = new string[DeepRows];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = NewGuid(random);
        }

        Array.Sort(ids, StringComparer.Ordinal);
        var names = Companies.SelectMany(c => Suffixes.Select(s => $"{c} {s}")).ToArray();
        for (var i = 0; i < ids.Length; i++)
        {
            yield return Row(random, DeepOwner, ids[i], $"{names[i % names.Length]} {i / names.Length + 1}");
        }
    }

    private static SummaryRow Row(Random random, string owner, string id, string displayName)
    {
        var total = random.Next(10, MaxSeededTotal + 1);
        var mfaRegistered = (int)(total * (0.55 + (0.45 * random.NextDouble())));
        var ssprEnabled = (int)(total * (0.5 + (0.5 * random.NextDouble())));
        var ssprRegistered = (int)(ssprEnabled * (0.6 + (0.4 * random.NextDouble())));
        var capable = Math.Min(mfaRegistered, ssprRegistered) - random.Next(0, Math.Max(1, total / 20));
        var excluded = random.Next(0, Math.Max(1, total / 25));
        // Whole microseconds, as the service keeps them (SummaryRules.Validate).
        var refreshed = RefreshedFrom.AddTicks(random.NextInt64(0, TimeSpan.FromDays(30).Ticks) / TimeSpan.TicksPerMicrosecond * TimeSpan.TicksPerMicrosecond);
        return new SummaryRow(
            owner, id, NewGuid(random), displayName, Licenses[random.Next(Licenses.Length)],
            Math.Max(0, capable), ssprEnabled, mfaRegistered, ssprRegistered, excluded, total,
            random.Next(10) < 3, PolicyStates[random.Next(PolicyStates.Length)], refreshed,
            NewStamp(random));
    }

    /// <summary>A version-4 GUID from the seeded generator, lowercase with hyphens (what the service stores).</summary>
    private static string NewGuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes).ToString("D");
    }

    /// <summary>32 lowercase hex digits, as <c>Guid.NewGuid().ToString("N")</c> (CredentialUserRegistrationsSummary.NewConcurrencyStamp).</summary>
    private static string NewStamp(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
