using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace CredentialSummaries.Bench.Runner;

/// <summary>One benchmarked request kind: its key (--ops), a title for the table, and the status it must answer.</summary>
internal sealed record Operation(string Key, string Title, HttpStatusCode Expected);

/// <summary>
/// The contract's operations as wrk Lua scripts, and the same requests once through HttpClient (the smoke check
/// before a target's first run of an operation: the status, and for some the body, must be right, since wrk only
/// counts statuses). Requests spread over owners and rows: each picks a random owner (its token) and one of its rows.
/// The data file <c>owners.tsv</c> has one line per owner: token, its row ids (comma-separated), and for each row the
/// URL-encoded <c>$filter</c> on its display name.
/// </summary>
internal sealed class Workload
{
    public const string Summaries = "/v1.0/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries";
    public const string BatchPath = "/v1.0/$batch";
    public const string ODataType = "#microsoft.graph.managedTenants.credentialUserRegistrationsSummary";

    public static readonly IReadOnlyDictionary<string, Operation> Operations = new Operation[]
    {
        new("get", "GET by id", HttpStatusCode.OK),
        new("post", "POST (create)", HttpStatusCode.Created),
        new("patch", "PATCH, return=minimal", HttpStatusCode.NoContent),
        new("list-top50", "list $top=50", HttpStatusCode.OK),
        new("filter-count", "$filter=tenantDisplayName eq … &$count=true", HttpStatusCode.OK),
        new("deep-first", "deep owner: first page", HttpStatusCode.OK),
        new("deep-page", "deep owner: page {0:N0} via nextLinks", HttpStatusCode.OK),
        new("count", "deep owner: $count", HttpStatusCode.OK),
        new("batch20", "JSON $batch of 20 GETs", HttpStatusCode.OK),
    }.ToDictionary(o => o.Key);

    /// <summary>The PATCH sets totalUserCount above every seeded count and counts at most that far, so it is always valid.</summary>
    private const int PatchCountMax = DataSet.MaxSeededTotal;

    private const string Prelude = """
        local base = "/v1.0/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries"
        local owners = {}
        local threads = 0

        function setup(thread)
          threads = threads + 1
          thread:set("thread_number", threads)
        end

        local function split(text, separator)
          local items = {}
          for item in string.gmatch(text, "[^" .. separator .. "]+") do
            items[#items + 1] = item
          end
          return items
        end

        function init(args)
          math.randomseed(SEED * 1000 + (thread_number or 0))
          for line in io.lines(OWNERS) do
            local fields = split(line, "\t")
            owners[#owners + 1] = { auth = "Bearer " .. fields[1], ids = split(fields[2], ","), filters = split(fields[3], ",") }
          end
        end

        local function owner()
          return owners[math.random(#owners)]
        end

        local function hex4()
          return string.format("%04x", math.random(0, 65535))
        end

        local function guid()
          return hex4() .. hex4() .. "-" .. hex4() .. "-4" .. string.sub(hex4(), 2) .. "-"
            .. string.format("%04x", math.random(32768, 49151)) .. "-" .. hex4() .. hex4() .. hex4()
        end

        """;

    private static readonly Dictionary<string, string> Requests = new()
    {
        ["get"] = """
            function request()
              local o = owner()
              return wrk.format("GET", base .. "/" .. o.ids[math.random(#o.ids)], { ["Authorization"] = o.auth })
            end
            """,
        ["post"] = $$"""
            function request()
              local o = owner()
              local body = '{"@odata.type":"{{ODataType}}","tenantId":"' .. guid() .. '",'
                .. '"tenantDisplayName":"{{DataSet.CreatedMarker}}","mfaAndSsprCapableUserCount":120,"ssprEnabledUserCount":150,'
                .. '"mfaRegisteredUserCount":140,"ssprRegisteredUserCount":130,"totalUserCount":200,"securityDefaultsEnabled":true,'
                .. '"mfaConditionalAccessPolicyState":"enabled","lastRefreshedDateTime":"2026-11-24T07:00:00Z"}'
              return wrk.format("POST", base, { ["Authorization"] = o.auth, ["Content-Type"] = "application/json" }, body)
            end
            """,
        ["patch"] = $$"""
            function request()
              local o = owner()
              local body = string.format('{"mfaRegisteredUserCount":%d,"ssprRegisteredUserCount":%d,"totalUserCount":%d}',
                math.random(0, {{PatchCountMax}}), math.random(0, {{PatchCountMax}}), {{PatchCountMax}} + math.random(0, 5000))
              return wrk.format("PATCH", base .. "/" .. o.ids[math.random(#o.ids)],
                { ["Authorization"] = o.auth, ["Content-Type"] = "application/json", ["Prefer"] = "return=minimal" }, body)
            end
            """,
        ["list-top50"] = """
            function request()
              return wrk.format("GET", base .. "?$top=50", { ["Authorization"] = owner().auth })
            end
            """,
        ["filter-count"] = """
            function request()
              local o = owner()
              return wrk.format("GET", base .. "?$filter=" .. o.filters[math.random(#o.filters)] .. "&$count=true", { ["Authorization"] = o.auth })
            end
            """,
        ["batch20"] = """
            function request()
              local o = owner()
              local first = math.random(#o.ids)
              local parts = {}
              for i = 1, 20 do
                local id = o.ids[(first + i - 2) % #o.ids + 1]
                parts[i] = '{"id":"' .. i .. '","method":"GET","url":"/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries/' .. id .. '"}'
              end
              return wrk.format("POST", "/v1.0/$batch", { ["Authorization"] = o.auth, ["Content-Type"] = "application/json" },
                '{"requests":[' .. table.concat(parts, ",") .. ']}')
            end
            """,
    };

    private const string Done = """

        function done(summary, latency, requests)
          io.write(string.format("BENCH-RESULT %d %d %d %d %d %d %d %d %.0f %.0f %.0f %.0f\n",
            summary.duration, summary.requests, summary.bytes,
            summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
            latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
        end
        """;

    private readonly DataSet data;
    private readonly string folder;
    private readonly string ownersFile;
    private readonly Dictionary<string, string> ownerTokens = [];
    private int scripts;

    public Workload(DataSet data, Tokens tokens, string folder)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(tokens);
        this.data = data;
        this.folder = folder;
        Directory.CreateDirectory(folder);
        ownersFile = Path.Combine(folder, "owners.tsv");
        using var writer = new StreamWriter(ownersFile, append: false, new UTF8Encoding(false));
        foreach (var owner in data.Owners)
        {
            var token = tokens.Mint(owner.TenantId);
            ownerTokens[owner.TenantId] = token;
            writer.Write(token);
            writer.Write('\t');
            writer.Write(string.Join(',', owner.Ids));
            writer.Write('\t');
            writer.Write(string.Join(',', owner.DisplayNames.Select(FilterOn)));
            writer.Write('\n');
        }

        DeepToken = tokens.Mint(data.DeepOwner);
    }

    public string DeepToken { get; }

    /// <summary>The first page of the deep owner's rows (the service's page of 100, ordered by id).</summary>
    public static string DeepFirstPath => Summaries;

    public static string CountPath => Summaries + "/$count";

    /// <summary>
    /// A wrk script for <paramref name="operation"/>; <paramref name="deepPagePath"/> is the target's own Nth-page URL
    /// (path and query) for deep-page. <paramref name="seed"/> differs per run, so no two runs create the same tenantIds.
    /// </summary>
    public string WriteScript(string operation, string? deepPagePath, int seed)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"-- {operation}: written by the benchmark runner\n");
        switch (operation)
        {
            case "deep-first" or "deep-page" or "count":
                var path = operation switch
                {
                    "deep-first" => DeepFirstPath,
                    "count" => CountPath,
                    _ => deepPagePath ?? throw new ArgumentException("deep-page needs the target's page URL.", nameof(deepPagePath)),
                };
                // One request, the same every time: wrk builds it once.
                text.Append(CultureInfo.InvariantCulture, $"wrk.method = \"GET\"\nwrk.path = {LuaString(path)}\n");
                text.Append(CultureInfo.InvariantCulture, $"wrk.headers[\"Authorization\"] = {LuaString("Bearer " + DeepToken)}\n");
                break;
            default:
                text.Append(CultureInfo.InvariantCulture, $"local SEED = {seed}\nlocal OWNERS = {LuaString(ownersFile)}\n");
                text.Append(Prelude);
                text.Append(Requests[operation]);
                break;
        }

        text.Append(Done);
        var file = Path.Combine(folder, $"{operation}-{Interlocked.Increment(ref scripts).ToString(CultureInfo.InvariantCulture)}.lua");
        File.WriteAllText(file, text.ToString());
        return file;
    }

    /// <summary>The same request as the script's, for the first owner and row, and what a right answer must show.</summary>
    public HttpRequestMessage SmokeRequest(string operation, string? deepPagePath)
    {
        var owner = data.Owners[0];
        var ownerToken = ownerTokens[owner.TenantId];
        var (method, path, token, body) = operation switch
        {
            "get" => (HttpMethod.Get, $"{Summaries}/{owner.Ids[0]}", ownerToken, null),
            "post" => (HttpMethod.Post, Summaries, ownerToken, JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["@odata.type"] = ODataType,
                ["tenantId"] = Guid.NewGuid().ToString(),
                ["tenantDisplayName"] = DataSet.CreatedMarker,
                ["mfaAndSsprCapableUserCount"] = 120,
                ["ssprEnabledUserCount"] = 150,
                ["mfaRegisteredUserCount"] = 140,
                ["ssprRegisteredUserCount"] = 130,
                ["totalUserCount"] = 200,
                ["securityDefaultsEnabled"] = true,
                ["mfaConditionalAccessPolicyState"] = "enabled",
                ["lastRefreshedDateTime"] = "2026-11-24T07:00:00Z",
            })),
            "patch" => (HttpMethod.Patch, $"{Summaries}/{owner.Ids[0]}", ownerToken,
                $$"""{"mfaRegisteredUserCount":10,"ssprRegisteredUserCount":20,"totalUserCount":{{PatchCountMax + 1}}}"""),
            "list-top50" => (HttpMethod.Get, $"{Summaries}?$top=50", ownerToken, null),
            "filter-count" => (HttpMethod.Get, $"{Summaries}?$filter={FilterOn(owner.DisplayNames[0])}&$count=true", ownerToken, null),
            "deep-first" => (HttpMethod.Get, DeepFirstPath, DeepToken, null),
            "deep-page" => (HttpMethod.Get, deepPagePath ?? throw new ArgumentException("deep-page needs the page URL.", nameof(deepPagePath)), DeepToken, null),
            "count" => (HttpMethod.Get, CountPath, DeepToken, null),
            "batch20" => (HttpMethod.Post, BatchPath, ownerToken, JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["requests"] = Enumerable.Range(0, 20).Select(i => new Dictionary<string, string>
                {
                    ["id"] = (i + 1).ToString(CultureInfo.InvariantCulture),
                    ["method"] = "GET",
                    ["url"] = $"/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries/{owner.Ids[i]}",
                }).ToArray(),
            })),
            _ => throw new ArgumentException($"Unknown operation '{operation}'.", nameof(operation)),
        };
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (operation == "patch")
        {
            request.Headers.TryAddWithoutValidation("Prefer", "return=minimal");
        }

        return request;
    }

    /// <summary>What is wrong with a smoke answer beyond its status (null when it is right).</summary>
    public string? CheckSmokeBody(string operation, string body)
    {
        try
        {
            switch (operation)
            {
                case "get" or "post":
                    using (var json = JsonDocument.Parse(body))
                    {
                        return json.RootElement.TryGetProperty("id", out _) && json.RootElement.TryGetProperty("@odata.etag", out _)
                            ? null
                            : "the entity has no id or @odata.etag";
                    }

                case "list-top50":
                    using (var json = JsonDocument.Parse(body))
                    {
                        var count = json.RootElement.GetProperty("value").GetArrayLength();
                        var expected = Math.Min(50, data.Owners[0].Ids.Length);
                        return count == expected ? null : $"value has {count} entities, not {expected}";
                    }

                case "filter-count":
                    using (var json = JsonDocument.Parse(body))
                    {
                        var count = json.RootElement.GetProperty("@odata.count").GetInt64();
                        return count == 1 && json.RootElement.GetProperty("value").GetArrayLength() == 1
                            ? null
                            : $"@odata.count is {count} with {json.RootElement.GetProperty("value").GetArrayLength()} entities, not 1 and 1";
                    }

                case "deep-first" or "deep-page":
                    using (var json = JsonDocument.Parse(body))
                    {
                        var count = json.RootElement.GetProperty("value").GetArrayLength();
                        return count == Options.PageSize ? null : $"the page has {count} entities, not {Options.PageSize}";
                    }

                case "count":
                    return long.TryParse(body.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var rows) && rows == data.DeepRows
                        ? null
                        : $"the count is '{Shorten(body)}', not {data.DeepRows}";

                case "batch20":
                    using (var json = JsonDocument.Parse(body))
                    {
                        var responses = json.RootElement.GetProperty("responses");
                        var statuses = responses.EnumerateArray().Select(r => r.GetProperty("status").GetInt32()).ToArray();
                        return statuses.Length == 20 && statuses.All(s => s == 200)
                            ? null
                            : $"the batch answered {statuses.Length} responses with statuses {string.Join(",", statuses.Distinct())}, not 20 × 200";
                    }

                default:
                    return null;
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return $"the body is not what it should be ({e.Message}): {Shorten(body)}";
        }
    }

    public static string Shorten(string text) => text.Length <= 300 ? text : string.Concat(text.AsSpan(0, 300), "…");

    /// <summary>The <c>$filter</c> value finding a display name, URL-encoded (an apostrophe doubled, as OData quotes it).</summary>
    private static string FilterOn(string displayName) =>
        Uri.EscapeDataString($"tenantDisplayName eq '{displayName.Replace("'", "''", StringComparison.Ordinal)}'");

    private static string LuaString(string value) =>
        value.Contains("]==]", StringComparison.Ordinal) ? throw new ArgumentException("Unquotable.", nameof(value)) : $"[==[{value}]==]";
}
