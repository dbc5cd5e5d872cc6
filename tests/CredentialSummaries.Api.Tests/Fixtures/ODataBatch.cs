using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.OData;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>One answer of an OData batch: status, headers, body, and the change set it belongs to (null outside one).</summary>
public sealed record ODataBatchPart(int Status, IReadOnlyDictionary<string, string> Headers, string Body, int? ChangeSet)
{
    /// <summary>The part as a response of its own, for readers that take one.</summary>
    public HttpResponseMessage AsResponse()
    {
        var response = new HttpResponseMessage((HttpStatusCode)Status) { Content = new StringContent(Body, Encoding.UTF8) };
        foreach (var (name, value) in Headers)
        {
            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content.Headers.Remove(name);
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return response;
    }

    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Body);
        return document.RootElement.Clone();
    }
}

/// <summary>OData <c>$batch</c> requests written by hand (as clients send them) and answers read with ODataLib's batch reader.</summary>
public static class ODataBatch
{
    public const string V1Batch = GraphApi.V1Root + "/$batch";

    /// <summary>A multipart/mixed batch: each item is either a <see cref="MultipartRequest"/> or a <see cref="ChangeSet"/>.</summary>
    public static HttpContent Multipart(params object[] items)
    {
        const string batch = "batch_7d1f";
        var text = new StringBuilder();
        var changeSets = 0;
        var contentId = 0;
        foreach (var item in items)
        {
            text.Append($"--{batch}\r\n");
            if (item is ChangeSet changeSet)
            {
                var boundary = $"changeset_{++changeSets}";
                text.Append($"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n");
                foreach (var request in changeSet.Requests)
                {
                    text.Append($"--{boundary}\r\n");
                    Append(text, request, ++contentId);
                }

                text.Append($"--{boundary}--\r\n");
            }
            else
            {
                Append(text, (MultipartRequest)item, contentId: null);
            }
        }

        text.Append($"--{batch}--\r\n");
        var content = new StringContent(text.ToString(), Encoding.UTF8);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse($"multipart/mixed; boundary={batch}");
        return content;
    }

    private static void Append(StringBuilder text, MultipartRequest request, int? contentId)
    {
        text.Append("Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n");
        if (contentId is not null)
        {
            text.Append($"Content-ID: {contentId}\r\n");
        }

        text.Append($"\r\n{request.Method} {request.Url} HTTP/1.1\r\n");
        foreach (var (name, value) in request.Headers ?? new Dictionary<string, string>())
        {
            text.Append($"{name}: {value}\r\n");
        }

        if (request.Body is not null)
        {
            text.Append("Content-Type: application/json\r\n\r\n");
            text.Append(JsonSerializer.Serialize(request.Body));
            text.Append("\r\n");
        }
        else
        {
            text.Append("\r\n");
        }
    }

    /// <summary>Reads a multipart/mixed batch response with ODataLib's own batch reader.</summary>
    public static async Task<IReadOnlyList<ODataBatchPart>> ReadMultipartAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        response.Content.Headers.ContentType!.MediaType.Should().Be("multipart/mixed");

        var message = new ResponseMessage(response, await response.Content.ReadAsByteArrayAsync());
        using var reader = new ODataMessageReader(message, new ODataMessageReaderSettings { BaseUri = new Uri("http://localhost" + GraphApi.V1Root + "/") });
        var batchReader = await reader.CreateODataBatchReaderAsync();
        var parts = new List<ODataBatchPart>();
        int? changeSet = null;
        var changeSets = 0;
        while (await batchReader.ReadAsync())
        {
            switch (batchReader.State)
            {
                case ODataBatchReaderState.ChangesetStart:
                    changeSet = ++changeSets;
                    break;
                case ODataBatchReaderState.ChangesetEnd:
                    changeSet = null;
                    break;
                case ODataBatchReaderState.Operation:
                    var operation = await batchReader.CreateOperationResponseMessageAsync();
                    using (var stream = await operation.GetStreamAsync())
                    using (var body = new StreamReader(stream))
                    {
                        parts.Add(new ODataBatchPart(
                            operation.StatusCode,
                            operation.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase),
                            await body.ReadToEndAsync(),
                            changeSet));
                    }

                    break;
            }
        }

        return parts;
    }

    /// <summary>Graph's error contract inside one part of an OData batch answer.</summary>
    public static void ShouldBeGraphError(this ODataBatchPart part, int status, string code, params string[] mentions)
    {
        part.Status.Should().Be(status, part.Body);
        part.Headers["Content-Type"].Should().StartWith("application/json");
        var error = part.Json().GetProperty("error");
        error.GetProperty("code").GetString().Should().Be(code);
        foreach (var mention in mentions)
        {
            error.GetProperty("message").GetString().Should().Contain(mention);
        }

        error.GetProperty("innerError").GetProperty("request-id").GetString().Should().Be(part.Headers["request-id"]);
    }

    private sealed class ResponseMessage(HttpResponseMessage response, byte[] body) : IODataResponseMessageAsync
    {
        private readonly Dictionary<string, string> headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);

        public IEnumerable<KeyValuePair<string, string>> Headers => headers;

        public int StatusCode
        {
            get => (int)response.StatusCode;
            set => throw new NotSupportedException();
        }

        public string? GetHeader(string headerName) => headers.GetValueOrDefault(headerName);

        public void SetHeader(string headerName, string headerValue) => throw new NotSupportedException();

        public Stream GetStream() => new MemoryStream(body, writable: false);

        public Task<Stream> GetStreamAsync() => Task.FromResult(GetStream());
    }
}

/// <summary>One request inside a multipart batch; its url is relative to the service root.</summary>
public sealed record MultipartRequest(string Method, string Url, object? Body = null, IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>Requests of a multipart batch that succeed or fail together.</summary>
public sealed record ChangeSet(params MultipartRequest[] Requests);
