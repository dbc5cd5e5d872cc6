using System.Globalization;

namespace CredentialSummaries.Api.Graph;

/// <summary>
/// The service answers OData 4.0 JSON to every client, as Graph does. AspNetCoreOData writes its answer in the version
/// a request names in <c>OData-MaxVersion</c> (else <c>OData-Version</c>), and for 4.01 ODataLib drops the
/// <c>odata.</c> prefix (<c>@type</c>, <c>@context</c>), which Graph clients and their generated code do not read; its
/// reader also refuses a body that declares 4.01, the version that defines the JSON <c>$batch</c> format. A request
/// naming 4.01 (or any later 4.x) is therefore served as 4.0: every 4.01 client reads 4.0, and 4.01 bodies read as 4.0
/// (AspNetCoreOData's reader takes annotations with or without the prefix). Versions below 4.0 are left for
/// <see cref="ODataMaxVersionFilter"/> to refuse.
/// </summary>
public static class ODataVersionNegotiation
{
    public const string MaxVersionHeader = "OData-MaxVersion";
    public const string VersionHeader = "OData-Version";
    private const string Served = "4.0";

    /// <summary>Rewrites 4.x versions above 4.0 in the request's OData version headers to 4.0.</summary>
    public static void Normalize(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var header in (ReadOnlySpan<string>)[MaxVersionHeader, VersionHeader])
        {
            if (request.Headers.TryGetValue(header, out var value) && value.Count == 1
                && decimal.TryParse(value[0], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var version)
                && version is > 4.0m and < 5.0m)
            {
                request.Headers[header] = Served;
            }
        }
    }
}

/// <summary>Applies <see cref="ODataVersionNegotiation"/> to every request; batched requests get it in <c>BatchedRequest</c>.</summary>
public sealed class ODataVersionNegotiationMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        ODataVersionNegotiation.Normalize(context.Request);
        return next(context);
    }
}
