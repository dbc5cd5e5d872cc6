using System.Text.RegularExpressions;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Identity.Client;
using Microsoft.Kiota.Abstractions;

namespace CredentialSummaries.Api.Collection;

/// <summary>
/// Why a tenant was skipped, as an operator acts on it: Entra ID's <c>AADSTS…</c> code when signing in failed (consent
/// or the app missing in the tenant), Graph's error code when a read was refused (a GDAP role missing:
/// <c>Authorization_RequestDenied</c>), or what broke on the way. The message is the service's or Graph's own, never
/// holding the credential.
/// </summary>
public static partial class CollectionErrors
{
    public static (string Code, string Message)? Describe(Exception exception, string? secret) => exception switch
    {
        MsalServiceException msal => (AadstsCode().Match(msal.Message) is { Success: true } m ? m.Value : msal.ErrorCode,
            Scrub(FirstLine(msal.Message), secret)),
        MsalClientException msal => (msal.ErrorCode, Scrub(FirstLine(msal.Message), secret)),
        ODataError graph => (graph.Error?.Code ?? $"Http{graph.ResponseStatusCode}",
            Scrub(graph.Error?.Message ?? $"Graph answered {graph.ResponseStatusCode}.", secret)),
        ApiException api => ($"Http{api.ResponseStatusCode}", $"Graph answered {api.ResponseStatusCode}."),
        HttpRequestException http => ("NetworkError", Scrub(http.Message, secret)),
        _ => null,
    };

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    private static string Scrub(string message, string? secret)
    {
        var text = string.IsNullOrEmpty(secret) ? message : message.Replace(secret, "***", StringComparison.Ordinal);
        return text.Length <= 1000 ? text : text[..1000] + "…";
    }

    [GeneratedRegex(@"AADSTS\d+", RegexOptions.CultureInvariant)]
    private static partial Regex AadstsCode();
}
