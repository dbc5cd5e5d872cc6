using System.Text;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;
using FsCheck;
using FsCheck.Fluent;

namespace CredentialSummaries.Api.Tests.Fuzzing;

/// <summary>Bodies, headers, methods, routes and batches for the fuzz cases; <see cref="ODataQueryGen"/> makes the queries.</summary>
public static class RequestGen
{
    private static readonly string[] Roots = [GraphApi.V1Root, GraphApi.BetaRoot];

    // ---------- bodies ----------

    private static Gen<object?> WrongValue { get; } = Gen.Elements<object?>(
        "10", "", "Integer", 10, -1, 2147483648L, 1.5, true, false, null, new object[] { 1, 2 }, new Dictionary<string, object> { ["a"] = 1 },
        "2026-11-24", "not-a-date", "2026-11-24T07:00:00", new string('x', 300), "\u0000", "a\u0000b", "\ud83d\ude00", "enabled");

    private static Gen<string> RawNumber { get; } = Gen.Elements(
        "1e400", "-1e400", "99999999999999999999999999999", "1.7976931348623157e309", "-0", "0.0000000000000000000001", "1E2", "00012", "+1", ".5", "NaN", "Infinity");

    /// <summary>The seed page's valid body, mutated: a property removed or retyped, an unknown one added, a huge or raw value.</summary>
    private static Gen<string> MutatedSeed { get; } =
        from property in Gen.Elements([.. GraphApi.SeedBody().Keys, "id", "tenantLicenseType", "mfaExcludedUserCount", "unknownProperty", "@odata.etag", "@odata.id"])
        from mutation in Gen.Choose(0, 5)
        from value in WrongValue
        from raw in RawNumber
        select Mutate(property, mutation, value, raw);

    private static string Mutate(string property, int mutation, object? value, string raw)
    {
        var body = GraphApi.SeedBody();
        switch (mutation)
        {
            case 0:
                body.Remove(property);
                break;
            case 1 or 2:
                body[property] = value;
                break;
            case 3:
                body[property] = "RAW";
                return JsonSerializer.Serialize(body).Replace("\"RAW\"", raw, StringComparison.Ordinal);
            case 4:
                // Duplicate keys: the property twice, the second with another value.
                var json = JsonSerializer.Serialize(body);
                return json[..^1] + $",\"{property}\":{JsonSerializer.Serialize(value)}}}";
            default:
                body[property] = new string('\u00e9', 70_000);
                break;
        }

        return JsonSerializer.Serialize(body);
    }

    private static Gen<string> Structural { get; } = Gen.OneOf(
        Gen.Elements("", "{", "}", "[]", "null", "0", "\"text\"", "{\"a\":}", "{,}", "{\"tenantId\":\"x\",}", "{\"tenantId\" \"x\"}",
            "{'tenantId':'x'}", "{\"tenantDisplayName\":\"\\ud800\"}", "{\"tenantDisplayName\":\"\\u0000\"}", "<xml/>", "{\"a\":1}{\"b\":2}"),
        Gen.Choose(50, 20_000).Select(n => new string('[', n) + new string(']', n)),
        Gen.Choose(50, 5_000).Select(n => string.Concat(Enumerable.Repeat("{\"a\":", n)) + "1" + new string('}', n)),
        Gen.Choose(2, 2000).Select(n => "{" + string.Join(',', Enumerable.Repeat("\"tenantDisplayName\":\"dup\"", n)) + "}"));

    /// <summary>Invalid UTF-8 and NUL bytes spliced into an otherwise valid body.</summary>
    private static Gen<byte[]> Bytes { get; } =
        from json in MutatedSeed
        from at in Gen.Choose(0, 100)
        from junk in Gen.Elements<byte[]>([0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0x00], [0xef, 0xbb, 0xbf], [0xf8, 0x88, 0x80, 0x80, 0x80])
        select Splice(Encoding.UTF8.GetBytes(json), at, junk);

    private static byte[] Splice(byte[] body, int percent, byte[] junk)
    {
        var at = body.Length * percent / 100;
        return [.. body[..at], .. junk, .. body[at..]];
    }

    public static Gen<byte[]> Body { get; } = Gen.Frequency(
        (5, MutatedSeed.Select(Encoding.UTF8.GetBytes)),
        (1, Gen.Constant(0).Select(_ => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(GraphApi.SeedBody("00000000-0000-4000-8000-" + "000000000001"))))),
        (2, Structural.Select(Encoding.UTF8.GetBytes)),
        (2, Bytes));

    public static Gen<string?> ContentType { get; } = Gen.Frequency(
        (8, Gen.Constant<string?>("application/json")),
        (3, Gen.Elements<string?>(null, "application/json; charset=utf-8", "application/json;odata.metadata=minimal", "text/plain", "application/xml",
            "application/json; charset=utf-16", "application/json; charset=nonsense", "multipart/mixed; boundary=x", "application/x-www-form-urlencoded", "*/*", ";;", "application/merge-patch+json")));

    // ---------- headers and methods ----------

    private static Gen<KeyValuePair<string, string>> Header { get; } = Gen.OneOf(
        Gen.Elements("application/json", "application/xml", "text/plain", "*/*", "application/*", "application/json;odata.metadata=full",
            "application/json;odata.metadata=none", "application/json;q=0", "text/html, application/json;q=0.1", "", "\u00e9", "image/png")
            .Select(v => KeyValuePair.Create("Accept", v)),
        Gen.Elements("return=minimal", "return=representation", "odata.maxpagesize=1", "odata.maxpagesize=0", "odata.maxpagesize=-5",
            "maxpagesize=2147483648", "odata.maxpagesize=abc", "respond-async", "odata.include-annotations=*", "return=minimal, return=representation", "wait=100",
            "create-if-missing", "create-if-missing, return=minimal")
            .Select(v => KeyValuePair.Create("Prefer", v)),
        Gen.Elements("*", "W/\"0\"", "\"abc\"", "W/\"", "garbage", "", "W/\"x\", *").Select(v => KeyValuePair.Create("If-Match", v)),
        Gen.Elements("*", "W/\"0\"", "\"abc\"", "W/\"", "garbage", "").Select(v => KeyValuePair.Create("If-None-Match", v)),
        Gen.Elements("4.0", "4.01", "3.0", "5.0", "abc", "", "4").Select(v => KeyValuePair.Create("OData-Version", v)),
        Gen.Elements("4.0", "4.01", "3.0", "abc", "", "-1", "99999999999999999999").Select(v => KeyValuePair.Create("OData-MaxVersion", v)),
        Gen.Elements("abc", new string('c', 300), "\u00e9", "").Select(v => KeyValuePair.Create("client-request-id", v)));

    public static Gen<IReadOnlyList<KeyValuePair<string, string>>> Headers { get; } =
        ODataQueryGen.UpTo(Header, 0, 3).Select(h => (IReadOnlyList<KeyValuePair<string, string>>)h);

    public static Gen<string> Method { get; } = Gen.Frequency(
        (6, Gen.Constant("GET")),
        (2, Gen.Elements("POST", "PATCH")),
        (2, Gen.Elements("PUT", "DELETE", "HEAD", "OPTIONS", "MERGE", "TRACE", "FOO", "get")));

    public static Gen<FuzzCaller> Caller { get; } = Gen.Frequency(
        (10, Gen.Constant(FuzzCaller.Writer)), (2, Gen.Constant(FuzzCaller.Reader)), (1, Gen.Constant(FuzzCaller.Anonymous)));

    // ---------- routes ----------

    /// <summary>A path on every route: list, item by segment and in parentheses, $count, property, $value, $metadata, roots, unknowns.</summary>
    /// <remarks>
    /// No <c>%00</c>: Kestrel refuses a NUL in the path with 400 before the app sees the request, while the in-memory
    /// test server throws in the test's own client instead, so such a case would test the test host, not the app.
    /// </remarks>
    public static Gen<string> Path(IReadOnlyList<string> ids) =>
        from root in Gen.Elements(Roots)
        from id in Gen.Frequency((6, Gen.Elements([.. ids])), (1, Gen.Elements("no-such-id", "", "'", "a'b", "%01", "%C3%28", new string('i', 200), "..", "a/b", "(1)", "$count")))
        from property in Gen.Frequency((6, Gen.Elements(ODataQueryGen.Properties)), (1, Gen.Elements("nosuch", "TENANTID", "$ref", "@odata.etag", "")))
        from tenantKey in Gen.Frequency(
            (4, Gen.Elements(Guid.Empty, Guid.Parse("2c4d6e8f-0000-4000-8000-0000000000a1")).Select(g => $"tenantId='{g}'")),
            (1, Gen.Elements("tenantId='2C4D6E8F-0000-4000-8000-0000000000A1'", "tenantId=2c4d6e8f-0000-4000-8000-0000000000a1", "tenantId=''",
                "tenantId='not-a-guid'", "tenantId='", "TENANTID='2c4d6e8f-0000-4000-8000-0000000000a1'", "tenantId='x',id='y'", "nosuch='a'",
                "tenantId=null", "tenantId='%27'")))
        from shape in Gen.Choose(0, 13)
        select shape switch
        {
            12 => $"{root}/credentialUserRegistrationsSummaries({tenantKey})",
            13 => $"{root}/credentialUserRegistrationsSummaries({tenantKey})/{property}",
            0 or 1 or 2 => $"{root}/credentialUserRegistrationsSummaries",
            3 => $"{root}/credentialUserRegistrationsSummaries/{id}",
            4 => $"{root}/credentialUserRegistrationsSummaries('{id}')",
            5 => $"{root}/credentialUserRegistrationsSummaries/$count",
            6 => $"{root}/credentialUserRegistrationsSummaries/{id}/{property}",
            7 => $"{root}/credentialUserRegistrationsSummaries/{id}/{property}/$value",
            8 => $"{root}/$metadata",
            9 => root,
            10 => $"{root}/CREDENTIALUSERREGISTRATIONSSUMMARIES/{id}",
            _ => $"{root}/credentialUserRegistrationsSummaries/{id}/{property}/extra/$count",
        };

    /// <summary>Any request on any route.</summary>
    public static Gen<FuzzCase> AnyRequest(IReadOnlyList<string> ids) =>
        from method in Method
        from path in Path(ids)
        from query in Gen.Frequency((1, Gen.Constant<IReadOnlyList<KeyValuePair<string, string>>>([])), (1, ODataQueryGen.Query))
        from headers in Headers
        from body in Gen.Frequency((1, Gen.Constant<byte[]?>(null)), (2, Body.Select(b => (byte[]?)b)))
        from contentType in ContentType
        from caller in Caller
        select new FuzzCase(method, path, query, headers, method is "GET" or "HEAD" or "DELETE" && body is not null && body.Length % 3 != 0 ? null : body,
            contentType, caller);

    // ---------- batches ----------

    /// <summary>One request of a Graph JSON batch, as a JSON object (url relative to the version root).</summary>
    private static Gen<Dictionary<string, object?>> GraphSubRequest(IReadOnlyList<string> ids) =>
        from c in AnyRequest(ids)
        from id in Gen.Elements("1", "2", "3", "1", "", "x")
        from dependsOn in Gen.Frequency((4, Gen.Constant<string[]?>(null)), (1, Gen.Elements<string[]?>(["1"], ["2"], ["9"], [])))
        from atomicity in Gen.Frequency((4, Gen.Constant<string?>(null)), (1, Gen.Elements<string?>("g1", "g2", "")))
        select SubRequest(c, id, dependsOn, atomicity);

    private static Dictionary<string, object?> SubRequest(FuzzCase c, string id, string[]? dependsOn, string? atomicity)
    {
        var url = c.Url;
        url = url.StartsWith("/v1.0", StringComparison.Ordinal) ? url["/v1.0".Length..] : url.StartsWith("/beta", StringComparison.Ordinal) ? url["/beta".Length..] : url;
        var request = new Dictionary<string, object?> { ["id"] = id, ["method"] = c.Method, ["url"] = WellFormed(url) };
        var headers = c.Headers.GroupBy(h => h.Key).ToDictionary(g => WellFormed(g.Key), g => WellFormed(g.First().Value));
        if (c.Body is not null)
        {
            headers["Content-Type"] = c.ContentType ?? "application/json";
            try
            {
                var element = JsonSerializer.Deserialize<JsonElement>(c.Body);
                // A JsonElement holding an escaped lone surrogate reads but cannot be written again.
                _ = JsonSerializer.SerializeToUtf8Bytes(element, DeepJson);
                request["body"] = element;
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                request["body"] = WellFormed(Encoding.UTF8.GetString(c.Body));
            }
        }

        if (headers.Count > 0)
        {
            request["headers"] = headers;
        }

        if (dependsOn is not null)
        {
            request["dependsOn"] = dependsOn;
        }

        if (atomicity is not null)
        {
            request["atomicityGroup"] = atomicity;
        }

        return request;
    }

    // JSON cannot carry a lone surrogate (the query generator makes some): in a batch, it stands in as U+FFFD.
    private static string WellFormed(string text) =>
        text.AsSpan().ContainsAnyInRange('\ud800', '\udfff') ? Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)) : text;

    // A deeply nested body (up to 64 levels) nested in turn inside a batch's requests array.
    private static readonly JsonSerializerOptions DeepJson = new() { MaxDepth = 256 };

    /// <summary>A JSON batch body: 0–5 random requests, or a malformed envelope.</summary>
    private static Gen<byte[]> JsonBatchBody(IReadOnlyList<string> ids) => Gen.Frequency(
        (6, ODataQueryGen.UpTo(GraphSubRequest(ids), 0, 5).Select(r => JsonSerializer.SerializeToUtf8Bytes(new { requests = r }, DeepJson))),
        (1, Gen.Elements("", "{}", "{\"requests\":null}", "{\"requests\":{}}", "{\"requests\":[1]}", "{\"requests\":[{}]}", "[]",
            "{\"requests\":[{\"id\":\"1\",\"method\":\"GET\"}]}", "{\"requests\":[{\"id\":\"1\",\"method\":\"GET\",\"url\":\"https://elsewhere/x\"}]}",
            "{\"requests\":[{\"id\":\"1\",\"method\":\"GET\",\"url\":\"/$batch\"}]}", "{\"requests\":[{\"id\":\"1\",\"method\":\"GET\",\"url\":\"../../etc\"}]}")
            .Select(Encoding.UTF8.GetBytes)),
        (1, Gen.Choose(21, 60).Select(n => JsonSerializer.SerializeToUtf8Bytes(new
        {
            requests = Enumerable.Range(1, n).Select(i => new { id = i.ToString(System.Globalization.CultureInfo.InvariantCulture), method = "GET", url = GraphBatch.Summaries }),
        }))),
        (1, Bytes));

    public static Gen<FuzzCase> GraphJsonBatch(IReadOnlyList<string> ids) =>
        from root in Gen.Elements("/v1.0/$batch", "/beta/$batch", "/V1.0/$BATCH")
        from body in JsonBatchBody(ids)
        from contentType in ContentType
        from headers in Headers
        from caller in Caller
        select new FuzzCase("POST", root, [], headers, body, contentType, caller);

    public static Gen<FuzzCase> ODataJsonBatch(IReadOnlyList<string> ids) =>
        from root in Gen.Elements(Roots)
        from body in JsonBatchBody(ids)
        from version in Gen.Elements("4.0", "4.01", null)
        from headers in Headers
        from caller in Caller
        select new FuzzCase("POST", $"{root}/$batch", [], version is null ? headers : [.. headers, KeyValuePair.Create("OData-Version", version)],
            body, "application/json", caller);

    /// <summary>A multipart/mixed OData batch of random requests (some in change sets), or a broken one.</summary>
    public static Gen<FuzzCase> MultipartBatch(IReadOnlyList<string> ids) =>
        from root in Gen.Elements(Roots)
        from requests in ODataQueryGen.UpTo(AnyRequest(ids), 0, 4)
        from changeSet in Gen.Elements(false, true)
        from breakage in Gen.Frequency((6, Gen.Constant(0)), (1, Gen.Choose(1, 5)))
        from headers in Headers
        from caller in Caller
        select new FuzzCase("POST", $"{root}/$batch", [], headers, Multipart(root, requests, changeSet, breakage),
            breakage == 5 ? "multipart/mixed" : "multipart/mixed; boundary=batch_f", caller);

    private static byte[] Multipart(string root, List<FuzzCase> requests, bool changeSet, int breakage)
    {
        var text = new StringBuilder();
        var contentId = 0;
        if (changeSet)
        {
            text.Append("--batch_f\r\nContent-Type: multipart/mixed; boundary=changeset_f\r\n\r\n");
        }

        foreach (var request in requests)
        {
            text.Append(changeSet ? "--changeset_f\r\n" : "--batch_f\r\n");

            text.Append("Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n");
            text.Append($"Content-ID: {++contentId}\r\n\r\n");
            var url = request.Url.StartsWith(root + "/", StringComparison.Ordinal) ? request.Url[(root.Length + 1)..] : "http://localhost" + request.Url;
            text.Append($"{request.Method} {(breakage == 1 ? "" : url)} {(breakage == 2 ? "HTTP/9" : "HTTP/1.1")}\r\n");
            foreach (var (name, value) in request.Headers)
            {
                text.Append($"{name}: {value}\r\n");
            }

            if (request.Body is not null && !changeSet || request.Body is not null && request.Method != "GET")
            {
                text.Append($"Content-Type: {request.ContentType ?? "application/json"}\r\n\r\n");
                text.Append(Encoding.UTF8.GetString(request.Body!)).Append("\r\n");
            }
            else
            {
                text.Append("\r\n");
            }
        }

        if (changeSet)
        {
            text.Append(breakage == 3 ? "" : "--changeset_f--\r\n");
        }

        text.Append(breakage == 4 ? "--batch_" : "--batch_f--\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
