using Microsoft.Net.Http.Headers;

namespace CredentialSummaries.Api.Graph;

/// <summary>
/// ETags of the form <c>W/"{stamp}"</c> and the <c>If-Match</c> / <c>If-None-Match</c> preconditions that use them.
/// Tags are compared by their opaque value, weak or not, as OData services do for <c>If-Match</c>.
/// </summary>
public static class EntityTags
{
    public static string Format(string stamp) => $"W/\"{stamp}\"";

    /// <summary>True when the header is absent, is <c>*</c>, or lists the current tag.</summary>
    public static bool IfMatchAllows(HttpRequest request, string currentStamp) =>
        !request.Headers.ContainsKey(HeaderNames.IfMatch) || Lists(request.Headers.IfMatch, currentStamp);

    /// <summary>
    /// The preconditions of a write: <c>If-Match</c> allows it and <c>If-None-Match</c> (<c>*</c> or the current tag:
    /// "only if it is not this version") does not forbid it.
    /// </summary>
    public static bool PreconditionsAllow(HttpRequest request, string currentStamp) =>
        IfMatchAllows(request, currentStamp) && !IfNoneMatchHits(request, currentStamp);

    /// <summary>True when <c>If-None-Match</c> lists the current tag (or is <c>*</c>): the client's copy is current.</summary>
    public static bool IfNoneMatchHits(HttpRequest request, string currentStamp) =>
        request.Headers.ContainsKey(HeaderNames.IfNoneMatch) && Lists(request.Headers.IfNoneMatch, currentStamp);

    /// <summary>The opaque values an <c>If-Match</c> names (<c>*</c> included), or none when it is absent.</summary>
    public static IReadOnlyList<string> IfMatchValues(HttpRequest request) =>
        EntityTagHeaderValue.TryParseList(request.Headers.IfMatch, out var tags)
            ? tags.Select(t => t.Tag.Value == "*" ? "*" : Unquote(t.Tag.Value)).ToArray()
            : [];

    public static GraphError PreconditionFailed(string id) => new(StatusCodes.Status412PreconditionFailed, "PreconditionFailed",
        $"The credentialUserRegistrationsSummary '{id}' does not meet the request's 'If-Match' or 'If-None-Match' precondition; GET it for the current ETag.");

    private static bool Lists(Microsoft.Extensions.Primitives.StringValues header, string currentStamp) =>
        EntityTagHeaderValue.TryParseList(header, out var tags)
        && tags.Any(t => t.Tag.Value == "*" || Unquote(t.Tag.Value) == currentStamp);

    private static string Unquote(string? quoted) => quoted is { Length: >= 2 } ? quoted[1..^1] : quoted ?? string.Empty;
}
