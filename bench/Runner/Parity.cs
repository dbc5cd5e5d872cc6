using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CredentialSummaries.Bench.Runner;

/// <summary>
/// Equal work needs equal answers: before the first round, the same read requests go to the service and to the
/// baseline, and their statuses and bodies are compared. Values that are per response or per target by nature are
/// masked: the target's origin in absolute URLs, request ids and dates (innerError, batch headers) and the text of
/// nextLinks (each target seals its own skip token; only whether there is one must match). A difference is reported (printed, and listed under the store's table), with
/// the first JSON path that differs; it neither stops the run nor changes its exit code.
/// </summary>
internal static class Parity
{
    private static readonly HashSet<string> Masked = new(StringComparer.OrdinalIgnoreCase)
    {
        "request-id", "client-request-id", "date", "@odata.nextLink", "Date",
    };

    public static async Task<IReadOnlyList<string>> CompareAsync(
        TargetProcess service, TargetProcess baseline, Workload workload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(workload);
        var checks = new List<(string Name, Func<HttpRequestMessage> Request)>
        {
            ("GET by id", () => workload.SmokeRequest("get", null)),
            ("list $top=50", () => workload.SmokeRequest("list-top50", null)),
            ("$filter + $count", () => workload.SmokeRequest("filter-count", null)),
            ("deep owner first page", () => workload.SmokeRequest("deep-first", null)),
            ("$count", () => workload.SmokeRequest("count", null)),
            ("JSON $batch of 20 GETs", () => workload.SmokeRequest("batch20", null)),
            ("GET without a token (401)", () =>
            {
                var request = workload.SmokeRequest("get", null);
                request.Headers.Authorization = null;
                return request;
            }),
            ("GET of an unknown id (404)", () => new HttpRequestMessage(HttpMethod.Get, new Uri($"{Workload.Summaries}/no-such-id", UriKind.Relative))
            {
                Headers = { Authorization = workload.SmokeRequest("get", null).Headers.Authorization },
            }),
        };

        var differences = new List<string>();
        using var serviceClient = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var baselineClient = new HttpClient { BaseAddress = baseline.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        foreach (var (name, request) in checks)
        {
            var (serviceStatus, serviceBody) = await SendAsync(serviceClient, request(), cancellationToken);
            var (baselineStatus, baselineBody) = await SendAsync(baselineClient, request(), cancellationToken);
            if (serviceStatus != baselineStatus)
            {
                differences.Add($"{name}: the service answered {serviceStatus}, the baseline {baselineStatus} ({Workload.Shorten(baselineBody)}).");
                continue;
            }

            var difference = FirstDifference(Parse(serviceBody), Parse(baselineBody), "$");
            if (difference is not null)
            {
                differences.Add($"{name}: the bodies differ at {difference}.");
            }
        }

        return differences;
    }

    private static async Task<(int Status, string Body)> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            using var response = await client.SendAsync(request, cancellationToken);
            // Absolute URLs (@odata.context, nextLinks) name the target's own port.
            var origin = client.BaseAddress!.GetLeftPart(UriPartial.Authority);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return ((int)response.StatusCode, body.Replace(origin, "http://target", StringComparison.Ordinal));
        }
    }

    private static JsonNode? Parse(string body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return JsonValue.Create(body.Trim());
        }
    }

    /// <summary>The first path at which the two documents differ (objects compared by name, whatever the order), or null.</summary>
    private static string? FirstDifference(JsonNode? service, JsonNode? baseline, string path)
    {
        switch (service, baseline)
        {
            case (null, null):
                return null;
            case (JsonObject s, JsonObject b):
                foreach (var (name, value) in s)
                {
                    if (!b.TryGetPropertyValue(name, out var other))
                    {
                        return $"{path}.{name} (only the service has it)";
                    }

                    if (Masked.Contains(name))
                    {
                        continue;
                    }

                    if (FirstDifference(value, other, $"{path}.{name}") is { } inner)
                    {
                        return inner;
                    }
                }

                var extra = b.Select(p => p.Key).FirstOrDefault(name => !s.ContainsKey(name));
                return extra is null ? null : $"{path}.{extra} (only the baseline has it)";
            case (JsonArray s, JsonArray b):
                if (s.Count != b.Count)
                {
                    return string.Create(CultureInfo.InvariantCulture, $"{path} ({s.Count} items from the service, {b.Count} from the baseline)");
                }

                for (var i = 0; i < s.Count; i++)
                {
                    if (FirstDifference(s[i], b[i], string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]")) is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            default:
                return JsonNode.DeepEquals(service, baseline)
                    ? null
                    : $"{path} (service {Workload.Shorten(service?.ToJsonString() ?? "null")}, baseline {Workload.Shorten(baseline?.ToJsonString() ?? "null")})";
        }
    }
}
