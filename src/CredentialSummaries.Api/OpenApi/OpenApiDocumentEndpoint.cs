using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Net.Http.Headers;

namespace CredentialSummaries.Api.OpenApi;

/// <summary>
/// The OpenAPI 3 document (docs/openapi.md, "OpenAPI document"): <c>OpenApi/openapi.json</c>, embedded in the assembly, served
/// anonymously at <c>/v1.0/openapi.json</c> and <c>/beta/openapi.json</c>. One document for both roots: only
/// <c>servers[0].url</c> differs, and it is the request's own scheme, host, port and path base plus the version root,
/// so that a client generated from it (Kiota, NSwag, …) calls the instance it was read from.
/// </summary>
public static class OpenApiDocumentEndpoint
{
    public const string FileName = "openapi.json";

    /// <summary>The version roots the document is served under: Graph's, where <c>/$batch</c> also lives.</summary>
    public static readonly IReadOnlyList<string> VersionRoots = ["/v1.0", "/beta"];

    private const string ResourceName = "CredentialSummaries.Api.OpenApi.openapi.json";

    /// <summary>Clients re-read it at most every 5 minutes; then the ETag makes a re-read a 304.</summary>
    private const string CacheControl = "public, max-age=300";

    private static readonly Lazy<JsonObject> Template = new(Load);

    // Relaxed escaping: the document is read by people too (no \u0027 for an apostrophe).
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The committed document as embedded, with its placeholder server.</summary>
    public static JsonObject Document => (JsonObject)Template.Value.DeepClone();

    /// <summary>
    /// Answers <c>GET|HEAD {root}/openapi.json</c> for each version root, after the request ids (so it carries them)
    /// and before authentication and throttling: the document is public, as <c>$metadata</c> is.
    /// </summary>
    public static WebApplication UseOpenApiDocument(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var request = context.Request;
            if (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)))
            {
                return next(context);
            }

            foreach (var root in VersionRoots)
            {
                if (request.Path.Equals($"{root}/{FileName}", StringComparison.OrdinalIgnoreCase))
                {
                    return WriteAsync(context, root);
                }
            }

            return next(context);
        });
        return app;
    }

    /// <summary>The document for one service root: the template with <c>servers</c> set to <paramref name="serverUrl"/>.</summary>
    public static byte[] Render(string serverUrl)
    {
        var document = Document;
        document["servers"] = new JsonArray(new JsonObject
        {
            ["url"] = serverUrl,
            ["description"] = "This instance, as the document was requested from it.",
        });
        return JsonSerializer.SerializeToUtf8Bytes(document, Indented);
    }

    private static Task WriteAsync(HttpContext context, string root)
    {
        var request = context.Request;
        var body = Render($"{request.Scheme}://{request.Host}{request.PathBase}{root}");
        var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(body))[..32]}\"";
        var response = context.Response;
        response.Headers.ETag = etag;
        response.Headers.CacheControl = CacheControl;
        // The servers entry comes from Host (and the scheme): a shared cache must not hand one host's copy to another.
        response.Headers.Vary = HeaderNames.Host;
        if (request.Headers.IfNoneMatch.ToString().Split(',').Any(tag => tag.Trim() is var t && (t == etag || t == "*")))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        return HttpMethods.IsHead(request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    private static JsonObject Load()
    {
        using var stream = typeof(OpenApiDocumentEndpoint).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from {Assembly.GetExecutingAssembly().GetName().Name}.");
        return JsonNode.Parse(stream)!.AsObject();
    }
}
