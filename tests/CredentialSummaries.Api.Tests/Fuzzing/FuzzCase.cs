using System.Text;

namespace CredentialSummaries.Api.Tests.Fuzzing;

/// <summary>Which client sends a case: the fuzz tenant's writer, its reader, or nobody (no token).</summary>
public enum FuzzCaller
{
    Writer,
    Reader,
    Anonymous,
}

/// <summary>
/// One generated request: method, path, query pairs (sent percent-encoded), headers and an optional raw body.
/// Printed in full (body cut at 400 characters) when FsCheck reports a counterexample.
/// </summary>
public sealed record FuzzCase(
    string Method,
    string Path,
    IReadOnlyList<KeyValuePair<string, string>> Query,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    byte[]? Body,
    string? ContentType,
    FuzzCaller Caller = FuzzCaller.Writer)
{
    public string Url => Query.Count == 0
        ? Path
        : Path + "?" + string.Join('&', Query.Select(q => q.Value.Length == 0 && q.Key.Length == 0 ? "" : $"{Escape(q.Key)}={Escape(q.Value)}"));

    public HttpRequestMessage ToRequest()
    {
        var request = new HttpRequestMessage(new HttpMethod(Method), Url);
        if (Body is not null)
        {
            request.Content = new ByteArrayContent(Body);
            if (ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }
        }

        foreach (var (name, value) in Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value) && request.Content is not null)
            {
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }

    public override string ToString()
    {
        var text = new StringBuilder().Append($"{Caller} {Method} {Url}");
        foreach (var (name, value) in Headers)
        {
            text.Append($"\n  {name}: {Cut(value, 200)}");
        }

        if (Body is not null)
        {
            text.Append($"\n  Content-Type: {ContentType ?? "(none)"}\n  body ({Body.Length} bytes): {Cut(Encoding.UTF8.GetString(Body), 400)}");
        }

        return text.ToString();
    }

    // Keeps the URL readable where it can; everything else percent-encoded, as HttpClient would send it.
    private static string Escape(string text) => Uri.EscapeDataString(text).Replace("%24", "$", StringComparison.Ordinal)
        .Replace("%40", "@", StringComparison.Ordinal).Replace("%2C", ",", StringComparison.Ordinal)
        .Replace("%28", "(", StringComparison.Ordinal).Replace("%29", ")", StringComparison.Ordinal)
        .Replace("%27", "'", StringComparison.Ordinal).Replace("%2F", "/", StringComparison.Ordinal);

    private static string Cut(string text, int max) =>
        (text.Length <= max ? text : string.Concat(text.AsSpan(0, max), $"…(+{text.Length - max})")).Replace("\0", "\\0", StringComparison.Ordinal);

    /// <summary>Smaller cases for FsCheck's shrinking: fewer query options, fewer headers, no body, the writer's token.</summary>
    public static IEnumerable<FuzzCase> Shrink(FuzzCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        for (var i = 0; i < c.Query.Count; i++)
        {
            yield return c with { Query = [.. c.Query.Where((_, j) => j != i)] };
        }

        for (var i = 0; i < c.Headers.Count; i++)
        {
            yield return c with { Headers = [.. c.Headers.Where((_, j) => j != i)] };
        }

        if (c.Body is { Length: > 1 })
        {
            yield return c with { Body = c.Body[..(c.Body.Length / 2)] };
        }

        if (c.Caller != FuzzCaller.Writer)
        {
            yield return c with { Caller = FuzzCaller.Writer };
        }
    }
}
