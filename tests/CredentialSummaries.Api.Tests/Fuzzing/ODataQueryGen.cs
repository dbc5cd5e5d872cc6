using FsCheck;
using FsCheck.Fluent;

namespace CredentialSummaries.Api.Tests.Fuzzing;

/// <summary>
/// Query strings drawn from the OData grammar: every system option (with and without '$', any case), expressions
/// with the canonical functions and operators, $apply transformations, parameter aliases, literals of wrong types,
/// deep nesting and huge values, aliases that collide with properties or with each other, durations.
/// </summary>
public static class ODataQueryGen
{
    public static readonly string[] Properties =
    [
        "id", "tenantId", "tenantDisplayName", "tenantLicenseType", "mfaAndSsprCapableUserCount", "ssprEnabledUserCount",
        "mfaRegisteredUserCount", "ssprRegisteredUserCount", "mfaExcludedUserCount", "totalUserCount",
        "securityDefaultsEnabled", "mfaConditionalAccessPolicyState", "lastRefreshedDateTime",
    ];

    private static readonly string[] Options =
        ["filter", "select", "orderby", "top", "skip", "count", "search", "compute", "apply", "skiptoken", "format", "expand", "levels", "schemaversion", "deltatoken", "id", "index"];

    private static readonly string[] Functions =
    [
        "contains", "startswith", "endswith", "indexof", "substring", "tolower", "toupper", "trim", "concat", "length",
        "year", "month", "day", "hour", "minute", "second", "fractionalseconds", "date", "time", "now", "maxdatetime",
        "mindatetime", "totaloffsetminutes", "totalseconds", "round", "floor", "ceiling", "cast", "isof", "matchesPattern",
        "geo.distance", "hassubset", "hassubsequence", "case", "nosuchfunction",
    ];

    private static readonly string[] BinaryOperators = ["eq", "ne", "gt", "ge", "lt", "le", "and", "or", "add", "sub", "mul", "div", "divby", "mod", "has"];

    private static readonly string[] Literals =
    [
        "0", "1", "-1", "200", "2147483647", "2147483648", "-2147483649", "9223372036854775807", "99999999999999999999999999",
        "1.5", "-0.0", "1e308", "1e309", "-1e-400", "INF", "-INF", "NaN", "1.5M", "12L", "true", "false", "null",
        "'Contoso Ltd'", "''", "'O''Brien'", "'%'", "'_'", "'\u00e9\u4e2d\ud83d\ude00'", "'enabled'", "'AADPremium1'",
        "2026-11-24T07:00:00Z", "2026-11-24T07:00:00+14:00", "9999-12-31T23:59:59.9999999Z", "0001-01-01T00:00:00Z",
        "2026-11-24", "07:00:00", "duration'P1D'", "duration'-PT1H'", "duration'P99999999D'", "duration'PT0.0000001S'",
        "9b1f4a3e-5c2d-4e8f-a7b6-1c0d2e3f4a5b", "binary'AAEC'", "Edm.String", "Edm.Int32", "Edm.DateTimeOffset",
        "'microsoft.graph.managedTenants.credentialUserRegistrationsSummary'", "[1,2]", "{}", "@p", "@q", "$it", "$this", "$root",
    ];

    private static readonly string[] Aliases = ["x", "y", "gap", "n", "id", "tenantId", "totalUserCount", "X"];

    /// <summary>A name as a client might spell it: as declared, in another case, or unknown.</summary>
    public static Gen<string> Property { get; } = Gen.Frequency(
        (8, Gen.Elements(Properties)),
        (1, Gen.Elements(Properties).Select(p => p.ToUpperInvariant())),
        (1, Gen.Elements("nosuch", "@odata.type", "*", "ConcurrencyStamp", "OwnerTenantId", "tenantDisplayName/length", "")));

    public static Gen<string> Literal { get; } = Gen.Frequency(
        (9, Gen.Elements(Literals)),
        (1, Gen.Choose(1, 5000).Select(n => "'" + new string('a', n) + "'")));

    /// <summary>An expression of at most <paramref name="depth"/> levels.</summary>
    public static Gen<string> Expression(int depth)
    {
        var atom = Gen.Frequency((5, Property), (4, Literal), (1, Gen.Elements("now()", "maxdatetime()", "mindatetime()", "@p")));
        if (depth <= 0)
        {
            return atom;
        }

        var sub = Expression(depth - 1);
        return Gen.Frequency(
            (3, atom),
            (4, from l in sub from op in Gen.Elements(BinaryOperators) from r in sub select $"{l} {op} {r}"),
            (1, sub.Select(e => $"not {e}")),
            (1, sub.Select(e => $"-{e}")),
            (1, sub.Select(e => $"({e})")),
            (3, from f in Gen.Elements(Functions) from args in UpTo(sub, 0, 3) select $"{f}({string.Join(',', args)})"),
            (2, from f in Gen.Elements(Functions) from a in sub from b in sub select $"{f}({a},{b})"),
            (1, from p in Property from values in Literal.ListOf(3) select $"{p} in ({string.Join(',', values)})"),
            (1, from p in Property from t in Gen.Elements("Edm.String", "Edm.Int32", "Edm.Int64", "Edm.Double", "Edm.DateTimeOffset", "Edm.Boolean", "Edm.Guid", "microsoft.graph.managedTenants.credentialUserRegistrationsSummary", "nosuch.Type")
                from f in Gen.Elements("cast", "isof") select $"{f}({p},{t})"),
            (1, from p in Property from d in Gen.Elements("duration'P1D'", "duration'-PT1H'", "duration'P10675199D'") from op in Gen.Elements("add", "sub")
                from r in Literal select $"{p} {op} {d} gt {r}"));
    }

    /// <summary>Nesting and length that stress parsers and the SQL they produce.</summary>
    public static Gen<string> Extreme { get; } = Gen.OneOf(
        Gen.Choose(10, 2000).Select(n => new string('(', n) + "totalUserCount gt 1" + new string(')', n)),
        Gen.Choose(10, 2000).Select(n => string.Concat(Enumerable.Repeat("not ", n)) + "securityDefaultsEnabled"),
        Gen.Choose(10, 400).Select(n => string.Join(" or ", Enumerable.Range(0, n).Select(i => $"totalUserCount eq {i}"))),
        Gen.Choose(10, 300).Select(n => string.Join(" add ", Enumerable.Repeat("totalUserCount", n)) + " gt 0"),
        Gen.Choose(10, 2000).Select(n => $"totalUserCount in ({string.Join(',', Enumerable.Range(0, n))})"),
        Gen.Choose(10, 60).Select(n => string.Concat(Enumerable.Repeat("concat(", n)) + "tenantId" + string.Concat(Enumerable.Repeat(",'x')", n)) + " eq 'x'"),
        Gen.Choose(1000, 9000).Select(n => $"tenantDisplayName eq '{new string('z', n)}'"));

    private static readonly Gen<string>[] ExpressionsByDepth = [.. Enumerable.Range(0, 4).Select(Expression)];

    private static Gen<string> Filter { get; } = Gen.Frequency((8, Gen.Sized(s => ExpressionsByDepth[Math.Min(3, s / 20)])), (1, Extreme));

    private static Gen<string> OrderBy { get; } =
        UpTo(from e in Gen.Frequency((3, Property), (1, Expression(1)))
         from dir in Gen.Elements("", " asc", " desc", " DESC", " sideways")
         select e + dir, 1, 4).Select(l => string.Join(',', l));

    private static Gen<string> Select { get; } = Gen.Frequency(
        (4, UpTo(Property, 1, 5).Select(l => string.Join(',', l))),
        (1, Gen.Elements("*", "", ",", "id,", "tenantDisplayName($top=1)", "x,y", "gap", "@odata.etag", "tenantId,tenantId")));

    private static Gen<string> Number { get; } = Gen.Elements(
        "0", "1", "5", "100", "999", "1000", "-1", "2147483647", "2147483648", "99999999999999999999", "1.5", "abc", "", " 1", "0x10", "1e3");

    private static Gen<string> Search { get; } = Gen.Frequency(
        (4, Gen.Elements("\"contoso\"", "\"tenantDisplayName:fab\"", "contoso", "\"a\" AND \"b\"", "\"a\" OR NOT \"b\"", "NOT", "\"", "\"unterminated",
            "\"x\" AND", "(\"a\"", "tenantId:\"x\"", "\"%_\"", "\"\\\"\"", "AND OR NOT", "\"\u0000\"")),
        (1, Gen.Choose(1, 3000).Select(n => "\"" + new string('s', n) + "\"")));

    private static Gen<string> Alias { get; } = Gen.Elements(Aliases);

    private static Gen<string> Compute { get; } =
        UpTo(from e in Expression(1) from a in Alias select $"{e} as {a}", 1, 3).Select(l => string.Join(',', l));

    private static Gen<string> Aggregate { get; } =
        (from p in Property
         from m in Gen.Elements("sum", "average", "min", "max", "countdistinct", "count", "median", "nosuch")
         from a in Alias
         select $"{p} with {m} as {a}")
        .Or(Alias.Select(a => $"$count as {a}"))
        .Or(Gen.Elements("$count", "totalUserCount with sum", "totalUserCount as x"))
        .Select(a => a).ListOfUpTo(3).Select(l => $"aggregate({string.Join(',', l)})");

    private static Gen<string> Transformation(int depth) => Gen.Frequency(
        (3, Expression(2).Select(e => $"filter({e})")),
        (4, from ps in UpTo(Property, 1, 3) from agg in Gen.Frequency((2, Aggregate), (1, Gen.Constant(""))) select
            agg.Length == 0 ? $"groupby(({string.Join(',', ps)}))" : $"groupby(({string.Join(',', ps)}),{agg})"),
        (4, Aggregate),
        (2, Compute.Select(c => $"compute({c})")),
        (1, from f in Gen.Elements("topcount", "bottomcount", "topsum", "bottomsum", "toppercent", "bottompercent")
            from n in Number from p in Property select $"{f}({n},{p})"),
        (1, Gen.Elements("identity", "expand(nosuch)", "search(contoso)", "nosuch()", "groupby()", "aggregate()", "filter()")),
        (1, depth <= 0 ? Gen.Constant("identity") : from a in Transformation(depth - 1) from b in Transformation(depth - 1) select $"concat({a},{b})"));

    private static Gen<string> Apply { get; } = UpTo(Transformation(1), 1, 3).Select(l => string.Join('/', l));

    private static Gen<string> Anything { get; } = Gen.Frequency(
        (3, Literal),
        (1, Gen.Elements("%", "%zz", "&", "=", "\u0000", "'", "(", ")", "$", "@", "\ud800", "\u202e", "../..", "<script>")),
        (1, Gen.Choose(1, 8000).Select(n => new string('q', n))));

    /// <summary>The value that fits an option's grammar most of the time, anything at other times.</summary>
    public static Gen<string> ValueFor(string option) => Gen.Frequency((9, option switch
    {
        "filter" => Filter,
        "orderby" => OrderBy,
        "select" => Select,
        "top" or "skip" or "levels" or "index" => Number,
        "count" => Gen.Elements("true", "false", "TRUE", "1", "", "maybe"),
        "search" => Search,
        "compute" => Compute,
        "apply" => Apply,
        "format" => Gen.Elements("json", "xml", "atom", "application/json", "application/json;odata.metadata=full",
            "application/json;odata.metadata=none", "application/json;odata.streaming=true;IEEE754Compatible=true", "text/csv", ""),
        _ => Anything,
    }), (1, Anything));

    /// <summary>An option name: with or without '$', in any case.</summary>
    private static Gen<string> NameOf(string option) =>
        from dollar in Gen.Frequency((4, Gen.Constant("$")), (1, Gen.Constant("")))
        from casing in Gen.Elements(0, 0, 0, 1, 2)
        select dollar + (casing switch { 1 => option.ToUpperInvariant(), 2 => char.ToUpperInvariant(option[0]) + option[1..], _ => option });

    private static Gen<KeyValuePair<string, string>> Option { get; } =
        from option in Gen.Elements(Options)
        from name in NameOf(option)
        from value in ValueFor(option)
        select KeyValuePair.Create(name, value);

    /// <summary>Parameter aliases: values for @p/@q, some colliding with each other or with a property name.</summary>
    private static Gen<KeyValuePair<string, string>> ParameterAlias { get; } =
        from name in Gen.Elements("@p", "@q", "@P", "@tenantId", "@", "@@p")
        from value in Gen.Frequency((3, Literal), (1, Property), (1, Gen.Elements("@p", "@q", "")))
        select KeyValuePair.Create(name, value);

    /// <summary>The query pairs of a request: a few options, now and then aliases, custom options or duplicates.</summary>
    public static Gen<IReadOnlyList<KeyValuePair<string, string>>> Query { get; } =
        from options in UpTo(Option, 0, 4)
        from aliases in Gen.Frequency((4, Gen.Constant(new List<KeyValuePair<string, string>>())), (1, ParameterAlias.ListOf(2)))
        from extra in Gen.Frequency((9, Gen.Constant(new List<KeyValuePair<string, string>>())),
            (1, Gen.Elements(KeyValuePair.Create("custom", "1"), KeyValuePair.Create("$custom", "1"), KeyValuePair.Create("", ""),
                KeyValuePair.Create("$filter", "totalUserCount gt 1")).ListOf(2)))
        select (IReadOnlyList<KeyValuePair<string, string>>)[.. options, .. aliases, .. extra];

    /// <summary>Between <paramref name="min"/> and <paramref name="max"/> values of <paramref name="gen"/>.</summary>
    public static Gen<List<T>> UpTo<T>(Gen<T> gen, int min, int max) => Gen.Choose(min, max).SelectMany(n => gen.ListOf(n));

    private static Gen<List<T>> ListOfUpTo<T>(this Gen<T> gen, int max) => UpTo(gen, 1, max);
}
