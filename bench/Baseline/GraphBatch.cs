using System.Diagnostics;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CredentialSummaries.Bench.Baseline;

/// <summary>One request of a Graph JSON batch, as the client sent it.</summary>
internal sealed record BatchRequest(string Id, string Method, string Url, IHeaderDictionary? Headers, JsonElement? Body, IReadOnlyList<string> DependsOn);

/// <summary>
/// Graph JSON batching at <c>/v1.0/$batch</c> and <c>/beta/$batch</c>: the batch is checked as the service checks it,
/// then each request runs in order (after its <c>dependsOn</c>; a failed dependency answers 424) by calling the same
/// <see cref="SummaryApi"/> methods as the HTTP endpoints, in-process: no HttpContext, no second pass through the
/// pipeline. Each request is authorized on its own (the batch's token, or its own <c>Authorization</c> header) with
/// the same policies, gets request ids of its own and a request-log line, and is answered as the service answers it.
/// </summary>
internal sealed class GraphBatch(
    SummaryApi api, IAuthorizationService authorization, IOptionsMonitor<JwtBearerOptions> bearer, RequestLog log, long maxBodyBytes)
{
    public const int MaxRequests = 20;

    private const string Collection = "/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries";

    private static readonly HashSet<string> Methods = new(StringComparer.OrdinalIgnoreCase) { "GET", "POST", "PUT", "PATCH", "DELETE" };
    private static readonly IHeaderDictionary NoHeaders = new HeaderDictionary();

    public async Task HandleAsync(HttpContext context, string root)
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            await Answers.WriteErrorAsync(context, GraphError.UnsupportedMediaType("A JSON batch", request.ContentType));
            return;
        }

        if (request.ContentLength > maxBodyBytes)
        {
            await Answers.WriteErrorAsync(context, GraphError.TooLarge(request.ContentLength.Value, maxBodyBytes));
            return;
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, default, context.RequestAborted);
        }
        catch (JsonException exception)
        {
            await Answers.WriteErrorAsync(context, GraphError.BadRequest($"The batch body is not valid JSON: {exception.Message}"));
            return;
        }

        using (document)
        {
            var batch = Parse(document.RootElement, out var error);
            if (error is not null)
            {
                await Answers.WriteErrorAsync(context, GraphError.BadRequest(error));
                return;
            }

            var answers = new Dictionary<string, (Outcome Outcome, RequestIds Ids, bool ODataClient)>(batch.Count, StringComparer.Ordinal);
            foreach (var batched in batch)
            {
                answers[batched.Id] = await RunAsync(context, root, batched, answers);
            }

            using var buffer = new PooledBuffer(32 * 1024);
            using (var writer = new Utf8JsonWriter(buffer, SummaryJson.Strict))
            {
                writer.WriteStartObject();
                writer.WriteStartArray("responses");
                foreach (var batched in batch)
                {
                    var (outcome, ids, odataClient) = answers[batched.Id];
                    Answers.WriteBatched(writer, batched.Id, outcome, ids, odataClient);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = Answers.ErrorContentType;
            await Answers.SendAsync(context, buffer);
        }
    }

    private async Task<(Outcome, RequestIds, bool)> RunAsync(
        HttpContext batch, string root, BatchRequest request, Dictionary<string, (Outcome Outcome, RequestIds Ids, bool ODataClient)> answers)
    {
        var headers = request.Headers ?? NoHeaders;
        var ids = RequestIds.Create(headers[RequestIds.ClientRequestIdHeader]);
        var odataClient = Answers.IsODataClient(headers);
        var started = Stopwatch.GetTimestamp();
        ClaimsPrincipal? user = null;
        Outcome outcome;
        var failed = request.DependsOn.FirstOrDefault(id => answers[id].Outcome.Status >= StatusCodes.Status400BadRequest);
        if (failed is not null)
        {
            outcome = Outcome.Fail(new GraphError(StatusCodes.Status424FailedDependency, "FailedDependency",
                $"The request was not run: it depends on request '{failed}', which failed with status {answers[failed].Outcome.Status}."));
        }
        else
        {
            (outcome, user) = await DispatchAsync(batch, root, request, headers);
        }

        var relative = request.Url.StartsWith('/') ? request.Url : "/" + request.Url;
        log.Completed(ids, Access.OwnerOf(user), request.Method, batch.Request.PathBase + "/" + root + relative.Split('?', 2)[0], outcome.Status,
            Stopwatch.GetElapsedTime(started));
        return (outcome, ids, odataClient);
    }

    private async Task<(Outcome, ClaimsPrincipal?)> DispatchAsync(HttpContext batch, string root, BatchRequest request, IHeaderDictionary headers)
    {
        var relative = request.Url.StartsWith('/') ? request.Url : "/" + request.Url;
        var split = relative.Split('?', 2);
        var path = split[0];
        var query = split.Length == 2 ? split[1] : string.Empty;
        var versionPath = "/" + root + path;
        if (!path.StartsWith(Collection, StringComparison.OrdinalIgnoreCase))
        {
            return (Outcome.Fail(GraphError.ResourceNotFound(versionPath)), null);
        }

        var rest = path[Collection.Length..].TrimEnd('/');
        string? id = null;
        Operation operation;
        if (rest.Length == 0)
        {
            operation = request.Method switch { "GET" => Operation.List, "POST" => Operation.Create, _ => Operation.None };
        }
        else if (rest.Equals("/$count", StringComparison.OrdinalIgnoreCase))
        {
            operation = request.Method == "GET" ? Operation.Count : Operation.None;
        }
        else if (rest.LastIndexOf('/') == 0)
        {
            id = Uri.UnescapeDataString(rest[1..]);
            operation = request.Method switch { "GET" => Operation.Get, "PATCH" => Operation.Update, _ => Operation.None };
        }
        else
        {
            return (Outcome.Fail(GraphError.ResourceNotFound(versionPath)), null);
        }

        if (operation == Operation.None)
        {
            return (Outcome.Fail(GraphError.MethodNotAllowed(request.Method, versionPath)), null);
        }

        // The batch's token unless the request brings its own; the batch's was validated once, by the authentication middleware.
        var ownToken = headers.Authorization.ToString();
        var (user, failure, authorizationHeader) = ownToken.Length > 0 && ownToken != batch.Request.Headers.Authorization.ToString()
            ? await ValidateAsync(ownToken)
            : (batch.User, (await batch.AuthenticateAsync()).Failure, batch.Request.Headers.Authorization.ToString());
        var write = operation is Operation.Create or Operation.Update;
        var allowed = await authorization.AuthorizeAsync(user, write ? Access.WritePolicy : Access.ReadPolicy);
        if (!allowed.Succeeded)
        {
            return (Outcome.Fail(user.Identity?.IsAuthenticated == true
                ? GraphError.Forbidden(Access.ForbiddenMessage(allowed.Failure))
                : GraphError.Unauthorized(Access.ChallengeMessage(authorizationHeader, failure))), user);
        }

        var apiRequest = new ApiRequest
        {
            Owner = Access.OwnerOf(user)!,
            ServiceRoot = Endpoints.ServiceRootOf(batch.Request, root),
            Query = query,
            Headers = headers,
        };
        var cancellationToken = batch.RequestAborted;
        if (!write)
        {
            return (operation switch
            {
                Operation.Get => await api.GetAsync(apiRequest, id!, cancellationToken),
                Operation.Count => await api.CountAsync(apiRequest, cancellationToken),
                _ => await api.ListAsync(apiRequest, cancellationToken),
            }, user);
        }

        var body = request.Body is { } element ? Encoding.UTF8.GetBytes(element.GetRawText()) : [];
        if (body.Length > 0 && headers.ContainsKey("Content-Type") && !SummaryApi.IsApplicationJson(headers.ContentType))
        {
            return (Outcome.Fail(GraphError.UnsupportedMediaType("The request body", headers.ContentType)), user);
        }

        if (SummaryApi.ReadBody(body, operation == Operation.Create, out var patch) is { } invalid)
        {
            return (Outcome.Fail(invalid), user);
        }

        return (operation == Operation.Create
            ? await api.CreateAsync(apiRequest, patch, cancellationToken)
            : await api.UpdateAsync(apiRequest, id!, patch, cancellationToken), user);
    }

    private async Task<(ClaimsPrincipal, Exception?, string)> ValidateAsync(string authorizationHeader)
    {
        const string prefix = "Bearer ";
        var token = authorizationHeader.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? authorizationHeader[prefix.Length..].Trim() : string.Empty;
        var handler = new JsonWebTokenHandler { MapInboundClaims = false };
        var result = await handler.ValidateTokenAsync(token, bearer.Get(JwtBearerDefaults.AuthenticationScheme).TokenValidationParameters);
        return result.IsValid
            ? (new ClaimsPrincipal(result.ClaimsIdentity), null, authorizationHeader)
            : (new ClaimsPrincipal(new ClaimsIdentity()), result.Exception, authorizationHeader);
    }

    private enum Operation
    {
        None,
        Get,
        List,
        Count,
        Create,
        Update,
    }

    /// <summary>
    /// The service's checks of a batch as a whole (GraphJsonBatch): 1 to 20 requests, unique ids, a method and a relative
    /// url on each, no nested batch, headers of strings, dependsOn naming other requests and no cycle; in running order.
    /// </summary>
    public static List<BatchRequest> Parse(JsonElement root, out string? error)
    {
        error = null;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("requests", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            error = "The batch body must be a JSON object with a 'requests' array.";
            return [];
        }

        var count = list.GetArrayLength();
        if (count == 0)
        {
            error = "The batch holds no requests; 'requests' must hold between 1 and 20.";
            return [];
        }

        if (count > MaxRequests)
        {
            error = $"The batch holds {count} requests; a JSON batch may hold at most {MaxRequests}.";
            return [];
        }

        var requests = new List<BatchRequest>(count);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var position = 0;
        foreach (var item in list.EnumerateArray())
        {
            position++;
            var request = ParseRequest(item, position, out error);
            if (request is null)
            {
                return [];
            }

            if (!ids.Add(request.Id))
            {
                error = $"The request id '{request.Id}' is used more than once; ids must be unique within a batch.";
                return [];
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
                    return [];
                }

                if (!ids.Contains(dependency))
                {
                    error = $"Request '{request.Id}' depends on '{dependency}', which is not a request of this batch.";
                    return [];
                }
            }
        }

        // Kahn's ordering, taking the earliest-sent ready request each time.
        var ordered = new List<BatchRequest>(requests.Count);
        var done = new HashSet<string>(StringComparer.Ordinal);
        var pending = new List<BatchRequest>(requests);
        while (pending.Count > 0)
        {
            var ready = pending.FirstOrDefault(r => r.DependsOn.All(done.Contains));
            if (ready is null)
            {
                error = $"Requests {string.Join(", ", pending.Select(r => $"'{r.Id}'"))} can never run: their dependsOn form a cycle.";
                return [];
            }

            ordered.Add(ready);
            done.Add(ready.Id);
            pending.Remove(ready);
        }

        return ordered;
    }

    private static BatchRequest? ParseRequest(JsonElement item, int position, out string? error)
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

        if ((Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https") || url.StartsWith("//", StringComparison.Ordinal))
        {
            error = $"Request '{id}' has an absolute url; batched urls are relative to the version root, e.g. '/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries'.";
            return null;
        }

        if (url.Split('?', 2)[0].TrimEnd('/').EndsWith("$batch", StringComparison.OrdinalIgnoreCase))
        {
            error = $"Request '{id}' is a batch itself; batches cannot be nested.";
            return null;
        }

        HeaderDictionary? headers = null;
        if (item.TryGetProperty("headers", out var headerObject) && headerObject.ValueKind != JsonValueKind.Null)
        {
            if (headerObject.ValueKind != JsonValueKind.Object)
            {
                error = $"The 'headers' of request '{id}' must be a JSON object of header names and string values.";
                return null;
            }

            headers = new HeaderDictionary();
            foreach (var header in headerObject.EnumerateObject())
            {
                if (header.Value.ValueKind != JsonValueKind.String)
                {
                    error = $"Header '{header.Name}' of request '{id}' must be a string.";
                    return null;
                }

                headers[header.Name] = header.Value.GetString();
            }
        }

        JsonElement? body = item.TryGetProperty("body", out var bodyElement) && bodyElement.ValueKind != JsonValueKind.Null ? bodyElement : null;

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

        return new BatchRequest(id, method.ToUpperInvariant(), url, headers, body, dependsOn);
    }

    private static string? String(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
