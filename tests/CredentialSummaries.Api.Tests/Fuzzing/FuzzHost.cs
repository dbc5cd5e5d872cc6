using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Fuzzing;

/// <summary>
/// The real app on its own SQLite file for one fuzz class, with a tenant that owns a dozen varied summaries, and the
/// invariants every generated request must keep: never a 5xx, never a cut-off body, a 200 JSON body that parses,
/// every 4xx in Graph's error shape with a clean message, and no 4xx that changed a row.
/// </summary>
public sealed partial class FuzzHost : SummariesApiFactory, IAsyncLifetime
{
    /// <summary>Set it to a seed printed by a run to replay that run's cases (and any failure) exactly.</summary>
    public const string SeedVariable = "FUZZ_SEED";

    private static readonly string[] Leaks = ["   at ", "SELECT", "FROM \"", "SQLite Error", "Npgsql", "PostgresException", "/src/", ".cs:line", "System.", "Microsoft.", "Exception"];

    private HttpClient? writer;
    private HttpClient? reader;
    private HttpClient? anonymous;

    /// <summary>This run's seed: <see cref="SeedVariable"/> when set, a fresh random one otherwise.</summary>
    public static ulong RunSeed { get; } = ulong.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var seed)
        ? seed
        : (ulong)Random.Shared.NextInt64(1, long.MaxValue);

    public string TenantId { get; } = Guid.NewGuid().ToString();

    /// <summary>Ids of the tenant's summaries, for item and property routes.</summary>
    public IReadOnlyList<string> Ids { get; private set; } = [];

    public async Task InitializeAsync()
    {
        writer = ClientFor(TokenMinter.Delegated(TenantId, GraphApi.ReadWrite));
        reader = ClientFor(TokenMinter.Delegated(TenantId, GraphApi.Read));
        anonymous = ClientFor(null);
        var ids = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var body = GraphApi.SeedBody();
            body["tenantDisplayName"] = i % 3 == 0 ? $"Contoso {i}" : $"Fabrikam O'Brien {i}";
            body["totalUserCount"] = 200 + 100 * i;
            body["mfaRegisteredUserCount"] = 10 * i;
            body["securityDefaultsEnabled"] = i % 2 == 0;
            body["tenantLicenseType"] = i % 4 == 0 ? null : $"AADPremium{i % 2 + 1}";
            if (i == 0)
            {
                body["id"] = "custom.id_0";
            }

            ids.Add((await writer.CreateAsync(body)).Id());
        }

        Ids = ids;
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;

    private HttpClient Client(FuzzCaller caller) => caller switch
    {
        FuzzCaller.Reader => reader!,
        FuzzCaller.Anonymous => anonymous!,
        _ => writer!,
    };

    /// <summary>A digest of every row of the summaries table, read straight from the database.</summary>
    public async Task<string> DigestAsync()
    {
        var table = TestDatabase.Quote("CredentialUserRegistrationsSummaries");
        var rows = await Database.QueryAsync($"SELECT * FROM {table} ORDER BY {TestDatabase.Quote("OwnerTenantId")}, {TestDatabase.Quote("Id")}");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var row in rows)
        {
            foreach (var value in row)
            {
                hash.AppendData(Encoding.UTF8.GetBytes(Convert.ToString(value, CultureInfo.InvariantCulture) + "\u001f"));
            }

            hash.AppendData("\u001e"u8);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>Sends the case and checks every invariant; returns what broke, or null.</summary>
    public async Task<string?> CheckAsync(FuzzCase fuzzCase, FuzzTally tally)
    {
        ArgumentNullException.ThrowIfNull(fuzzCase);
        ArgumentNullException.ThrowIfNull(tally);
        var before = await DigestAsync();
        HttpStatusCode status;
        string? contentType;
        byte[] body;
        try
        {
            using var request = fuzzCase.ToRequest();
            using var response = await Client(fuzzCase.Caller).SendAsync(request);
            status = response.StatusCode;
            contentType = response.Content.Headers.ContentType?.MediaType;
            body = await response.Content.ReadAsByteArrayAsync();
        }
        catch (HttpRequestException ex)
        {
            // The in-memory server surfaces a response aborted after it started this way: the body was cut off.
            tally.Count(500, cutOff: true);
            return $"the response was cut off mid-body ({ex.InnerException?.InnerException?.Message ?? ex.Message})";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // An exception that escaped the whole pipeline: a real server answers it with an empty 500.
            tally.Count(500, cutOff: false);
            return $"an exception escaped the app (a bare 500): {ex.GetType().Name}: {ex.Message}";
        }

        var code = (int)status;
        tally.Count(code, cutOff: false);
        var problems = new List<string>();
        var text = Encoding.UTF8.GetString(body);
        var subStatuses = new List<int>();
        // A message may quote what the client sent (a request line, a value); only what the service adds can leak.
        var sent = Uri.UnescapeDataString(fuzzCase.Url) + fuzzCase.Url
            + (fuzzCase.Body is null ? "" : System.Text.Encoding.UTF8.GetString(fuzzCase.Body));
        CheckAnswer(code, contentType, text, fuzzCase.Method == "HEAD", "", sent, problems);
        if (code == 200 && IsBatch(fuzzCase.Path))
        {
            CheckBatchAnswers(contentType, text, sent, subStatuses, problems);
        }

        var refused = code is >= 400 and < 500 || (code == 200 && subStatuses.Count > 0 && subStatuses.All(s => s is >= 400 and < 500));
        if (refused && await DigestAsync() != before)
        {
            problems.Add("a request answered 4xx changed the database");
        }

        return problems.Count == 0 ? null : $"{code}: {string.Join("; ", problems)}\n  response: {Cut(text, 800)}";
    }

    private static bool IsBatch(string path) => path.EndsWith("$batch", StringComparison.OrdinalIgnoreCase) || path.EndsWith("$BATCH", StringComparison.Ordinal);

    private static void CheckAnswer(int status, string? contentType, string text, bool head, string where, string sent, List<string> problems)
    {
        if (status >= 500)
        {
            problems.Add($"{where}status {status}");
            return;
        }

        if (head || status is 204 or 304)
        {
            return;
        }

        if (status == 200 && contentType == "application/json" && !ParsesAsJson(text))
        {
            problems.Add($"{where}a 200 JSON body that does not parse");
        }

        if (status is >= 400 and < 500)
        {
            if (contentType != "application/json")
            {
                problems.Add($"{where}a {status} with Content-Type '{contentType}'");
            }

            CheckError(text, where, sent, problems);
        }
    }

    private static void CheckError(string text, string where, string sent, List<string> problems)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var error = document.RootElement.GetProperty("error");
            var message = error.GetProperty("message").GetString() ?? "";
            _ = error.GetProperty("code").GetString();
            if (!error.TryGetProperty("innerError", out var inner) && !error.TryGetProperty("innererror", out inner) || inner.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{where}an error without innerError");
            }

            if (Leaks.FirstOrDefault(leak => message.Contains(leak, StringComparison.Ordinal) && !sent.Contains(leak, StringComparison.Ordinal)) is { } leaked)
            {
                problems.Add($"{where}an error message that leaks '{leaked}': {Cut(message, 300)}");
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            problems.Add($"{where}a 4xx body not in Graph's error shape");
        }
    }

    /// <summary>Each answer of a JSON batch (Graph's or OData's) or of a multipart batch keeps the same invariants.</summary>
    private static void CheckBatchAnswers(string? contentType, string text, string sent, List<int> statuses, List<string> problems)
    {
        if (contentType == "application/json")
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                foreach (var answer in document.RootElement.GetProperty("responses").EnumerateArray())
                {
                    var status = answer.GetProperty("status").GetInt32();
                    statuses.Add(status);
                    var type = answer.TryGetProperty("headers", out var headers)
                        ? headers.EnumerateObject().Where(h => h.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)).Select(h => h.Value.GetString()).FirstOrDefault()
                        : null;
                    var body = answer.TryGetProperty("body", out var b) ? b.GetRawText() : "";
                    CheckAnswer(status, type?.Split(';')[0].Trim(), body, false, $"batched request '{(answer.TryGetProperty("id", out var id) ? id.ToString() : "?")}': ", sent, problems);
                }
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                problems.Add("a 200 batch answer without a readable 'responses' array");
            }
        }
        else if (contentType == "multipart/mixed")
        {
            foreach (Match part in MultipartStatus().Matches(text))
            {
                var status = int.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
                statuses.Add(status);
                var json = part.Groups[2].Value.Trim();
                if (status >= 500)
                {
                    problems.Add($"batched request: status {status}");
                }
                else if (status is >= 400 and < 500)
                {
                    CheckError(json, "batched request: ", sent, problems);
                }
            }
        }
    }

    private static bool ParsesAsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");

    // "HTTP/1.1 400 Bad Request", its headers, a blank line, then the part's body up to the next boundary.
    [GeneratedRegex(@"HTTP/1\.1 (\d{3})[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n(.*?)(?=\r\n--|$)", RegexOptions.Singleline)]
    private static partial Regex MultipartStatus();
}

/// <summary>What a fuzz class's cases were answered with.</summary>
public sealed class FuzzTally
{
    private int cases;
    private int successes;
    private int clientErrors;
    private int serverErrors;
    private int cutOff;

    public int Cases => cases;

    public int ServerErrors => serverErrors;

    public void Count(int status, bool cutOff)
    {
        Interlocked.Increment(ref cases);
        Interlocked.Increment(ref status >= 500 ? ref serverErrors : ref status >= 400 ? ref clientErrors : ref successes);
        if (cutOff)
        {
            Interlocked.Increment(ref this.cutOff);
        }
    }

    public override string ToString() =>
        $"cases={cases}, 5xx={serverErrors} (cut-off bodies {cutOff}), 4xx={clientErrors}, 2xx/3xx={successes}";
}
