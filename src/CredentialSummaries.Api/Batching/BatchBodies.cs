using System.Text;
using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace CredentialSummaries.Api.Batching;

/// <summary>How a batched answer's body goes into a JSON batch answer.</summary>
public static class BatchBodies
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Replaces a non-JSON body with a JSON string holding it: its text when it is UTF-8, else its base64url, as the
    /// OData 4.01 JSON batch format says. JSON and empty bodies are left alone.
    /// </summary>
    public static void EncodeNonJsonBodyAsJsonString(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (IsJson(response.ContentType) || response.Body is not MemoryStream { Length: > 0 } body)
        {
            return;
        }

        var bytes = body.ToArray();
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            text = System.Buffers.Text.Base64Url.EncodeToString(bytes);
        }

        body.SetLength(0);
        body.Write(JsonSerializer.SerializeToUtf8Bytes(text));
    }
}
