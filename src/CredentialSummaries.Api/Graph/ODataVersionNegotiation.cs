using System.Globalization;

namespace CredentialSummaries.Api.Graph;

/// <summary>
/// The service reads OData 4.0 and 4.01 requests and answers OData 4.0 JSON to every client, as Graph does.
/// AspNetCoreOData would answer in the version a request names in <c>OData-MaxVersion</c> (else <c>OData-Version</c>)
/// — and for 4.01 ODataLib drops the <c>odata.</c> prefix (<c>@type</c>, <c>@context</c>), which Graph clients and
/// their generated code do not read — while its reader refuses a body that declares 4.01, the version that defines
/// the JSON <c>$batch</c> format; and it throws on a header it cannot parse. So the version headers are judged once,
/// first: a client that can read 4.0 or later is answered in 4.0, a 4.0 or 4.01 body is read as 4.0 (AspNetCoreOData's
/// reader takes annotations with or without the prefix), and anything else is a 400 that says why.
/// </summary>
public static class ODataVersionNegotiation
{
    public const string MaxVersionHeader = "OData-MaxVersion";
    public const string VersionHeader = "OData-Version";
    private const string Served = "4.0";
    private const int MaxEchoedLength = 32;

    /// <summary>Rewrites the request's version headers to 4.0 where the service can serve them.</summary>
    /// <returns>The 400 for a header that is unreadable, below 4.0, or (<c>OData-Version</c>) not 4.0 or 4.01; else null.</returns>
    public static GraphError? Negotiate(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var header in (ReadOnlySpan<string>)[MaxVersionHeader, VersionHeader])
        {
            if (!request.Headers.TryGetValue(header, out var values))
            {
                continue;
            }

            var text = values.ToString().Trim();
            if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var version))
            {
                return GraphError.BadRequest($"'{header}' must be an OData version such as 4.0 or 4.01; got '{Echo(text)}'.");
            }

            if (header == MaxVersionHeader && version < 4.0m)
            {
                return GraphError.BadRequest(
                    $"OData-MaxVersion '{Echo(text)}' excludes OData 4.0, the version this service speaks (4.01 requests are read too).");
            }

            if (header == VersionHeader && version is not (4.0m or 4.01m))
            {
                return GraphError.BadRequest($"OData-Version '{Echo(text)}' is not one this service reads; send 4.0 or 4.01.");
            }

            request.Headers[header] = Served;
        }

        return null;
    }

    private static string Echo(string text) => text.Length <= MaxEchoedLength ? text : string.Concat(text.AsSpan(0, MaxEchoedLength), "…");
}

/// <summary>Applies <see cref="ODataVersionNegotiation"/> to every request; batched requests get it in <c>BatchedRequest</c>.</summary>
public sealed class ODataVersionNegotiationMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (ODataVersionNegotiation.Negotiate(context.Request) is { } refusal)
        {
            GraphRequestIdMiddleware.Stamp(context);
            return refusal.WriteAsync(context);
        }

        return next(context);
    }
}
