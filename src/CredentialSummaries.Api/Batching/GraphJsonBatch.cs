using System.Text.Json;

namespace CredentialSummaries.Api.Batching;

/// <summary>One request of a Graph JSON batch, as the client sent it.</summary>
public sealed record GraphJsonBatchRequest(
    string Id,
    string Method,
    string Url,
    IReadOnlyDictionary<string, string> Headers,
    JsonElement? Body,
    IReadOnlyList<string> DependsOn);

/// <summary>
/// A Microsoft Graph JSON batch, <c>{"requests":[{id, method, url, headers, body, dependsOn}]}</c>, checked as a whole
/// before anything runs: at most <see cref="MaxRequests"/> requests, unique ids, a method and a relative url on each,
/// <c>dependsOn</c> naming only other requests of the batch and no cycle. <see cref="Requests"/> is in the order they
/// run: each after everything it depends on, otherwise in the order sent.
/// </summary>
public sealed class GraphJsonBatch
{
    /// <summary>Graph's own limit.</summary>
    public const int MaxRequests = 20;

    private static readonly HashSet<string> Methods = new(StringComparer.OrdinalIgnoreCase) { "GET", "POST", "PUT", "PATCH", "DELETE" };

    private GraphJsonBatch(IReadOnlyList<GraphJsonBatchRequest> requests) => Requests = requests;

    public IReadOnlyList<GraphJsonBatchRequest> Requests { get; }

    /// <summary>The batch, or the reason it is refused (a 400 for the whole batch, nothing run).</summary>
    public static GraphJsonBatch Parse(JsonElement root, out string? error)
    {
        error = null;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("requests", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            error = "The batch body must be a JSON object with a 'requests' array.";
            return Empty;
        }

        var count = list.GetArrayLength();
        if (count == 0)
        {
            error = "The batch holds no requests; 'requests' must hold between 1 and 20.";
            return Empty;
        }

        if (count > MaxRequests)
        {
            error = $"The batch holds {count} requests; a JSON batch may hold at most {MaxRequests}.";
            return Empty;
        }

        var requests = new List<GraphJsonBatchRequest>(count);
        var position = 0;
        foreach (var item in list.EnumerateArray())
        {
            position++;
            var request = ParseRequest(item, position, out error);
            if (request is null)
            {
                return Empty;
            }

            if (requests.Any(r => r.Id == request.Id))
            {
                error = $"The request id '{request.Id}' is used more than once; ids must be unique within a batch.";
                return Empty;
            }

            requests.Add(request);
        }

        foreach (var request in requests)
        {
            foreach (var dependency in request.DependsOn)
            {
                if (dependency == request.Id)
                {
                    error = $"Request '{request.Id}' depends on itself.";
                    return Empty;
                }

                if (requests.All(r => r.Id != dependency))
                {
                    error = $"Request '{request.Id}' depends on '{dependency}', which is not a request of this batch.";
                    return Empty;
                }
            }
        }

        var ordered = InDependencyOrder(requests, out var cycle);
        if (ordered is null)
        {
            error = $"Requests {string.Join(", ", cycle.Select(id => $"'{id}'"))} can never run: their dependsOn form a cycle.";
            return Empty;
        }

        return new GraphJsonBatch(ordered);
    }

    private static GraphJsonBatch Empty { get; } = new([]);

    private static GraphJsonBatchRequest? ParseRequest(JsonElement item, int position, out string? error)
    {
        error = null;
        if (item.ValueKind != JsonValueKind.Object)
        {
            error = $"Request {position} of the batch is not a JSON object.";
            return null;
        }

        var id = String(item, "id");
        if (string.IsNullOrWhiteSpace(id))
        {
            error = $"Request {position} of the batch has no 'id'; each request needs a unique string id.";
            return null;
        }

        var method = String(item, "method");
        if (string.IsNullOrWhiteSpace(method))
        {
            error = $"Request '{id}' has no 'method'.";
            return null;
        }

        if (!Methods.Contains(method))
        {
            error = $"Request '{id}' has method '{method}'; a batched request may be GET, POST, PUT, PATCH or DELETE.";
            return null;
        }

        var url = String(item, "url");
        if (string.IsNullOrWhiteSpace(url))
        {
            error = $"Request '{id}' has no 'url'.";
            return null;
        }

        if (Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https" || url.StartsWith("//", StringComparison.Ordinal))
        {
            error = $"Request '{id}' has an absolute url; batched urls are relative to the version root, e.g. '/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries'.";
            return null;
        }

        if (url.Split('?', 2)[0].TrimEnd('/').EndsWith("$batch", StringComparison.OrdinalIgnoreCase))
        {
            error = $"Request '{id}' is a batch itself; batches cannot be nested.";
            return null;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (item.TryGetProperty("headers", out var headerObject) && headerObject.ValueKind != JsonValueKind.Null)
        {
            if (headerObject.ValueKind != JsonValueKind.Object)
            {
                error = $"The 'headers' of request '{id}' must be a JSON object of header names and string values.";
                return null;
            }

            foreach (var header in headerObject.EnumerateObject())
            {
                if (header.Value.ValueKind != JsonValueKind.String)
                {
                    error = $"Header '{header.Name}' of request '{id}' must be a string.";
                    return null;
                }

                headers[header.Name] = header.Value.GetString()!;
            }
        }

        JsonElement? body = item.TryGetProperty("body", out var bodyElement) && bodyElement.ValueKind != JsonValueKind.Null
            ? bodyElement.Clone()
            : null;

        var dependsOn = new List<string>();
        if (item.TryGetProperty("dependsOn", out var dependencies) && dependencies.ValueKind != JsonValueKind.Null)
        {
            if (dependencies.ValueKind != JsonValueKind.Array || dependencies.EnumerateArray().Any(d => d.ValueKind != JsonValueKind.String))
            {
                error = $"The 'dependsOn' of request '{id}' must be an array of request ids.";
                return null;
            }

            dependsOn.AddRange(dependencies.EnumerateArray().Select(d => d.GetString()!).Distinct(StringComparer.Ordinal));
        }

        return new GraphJsonBatchRequest(id, method.ToUpperInvariant(), url, headers, body, dependsOn);
    }

    private static string? String(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Kahn's ordering, taking the earliest-sent ready request each time; null and the ids left over on a cycle.</summary>
    private static List<GraphJsonBatchRequest>? InDependencyOrder(List<GraphJsonBatchRequest> requests, out IReadOnlyList<string> cycle)
    {
        var ordered = new List<GraphJsonBatchRequest>(requests.Count);
        var done = new HashSet<string>(StringComparer.Ordinal);
        var pending = new List<GraphJsonBatchRequest>(requests);
        while (pending.Count > 0)
        {
            var ready = pending.FirstOrDefault(r => r.DependsOn.All(done.Contains));
            if (ready is null)
            {
                cycle = pending.Select(r => r.Id).ToArray();
                return null;
            }

            ordered.Add(ready);
            done.Add(ready.Id);
            pending.Remove(ready);
        }

        cycle = [];
        return ordered;
    }
}
