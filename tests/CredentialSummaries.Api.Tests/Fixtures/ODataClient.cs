using System.Net.Http.Headers;
using System.Xml;
using Microsoft.OData;
using Microsoft.OData.Edm;
using Microsoft.OData.Edm.Csdl;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>
/// Reads responses the way an OData-aware client does: against the model the service publishes at
/// <c>$metadata</c>, with ODataLib's full validation, so any payload the model does not describe throws.
/// </summary>
public sealed class ODataClient
{
    private ODataClient(IEdmModel model, Uri serviceRoot)
    {
        Model = model;
        ServiceRoot = serviceRoot;
    }

    public IEdmModel Model { get; }

    public Uri ServiceRoot { get; }

    public IEdmEntitySet Summaries => Model.EntityContainer.FindEntitySet("credentialUserRegistrationsSummaries");

    public IEdmEntityType SummaryType => (IEdmEntityType)Model.FindDeclaredType("microsoft.graph.managedTenants.credentialUserRegistrationsSummary");

    /// <summary>Fetches and parses <c>$metadata</c> (anonymously, as generators do).</summary>
    public static async Task<ODataClient> ConnectAsync(HttpClient anonymous, string root = GraphApi.V1Root)
    {
        using var response = await anonymous.GetAsync($"{root}/$metadata");
        response.EnsureSuccessStatusCode();
        using var reader = XmlReader.Create(await response.Content.ReadAsStreamAsync());
        if (!CsdlReader.TryParse(reader, out var model, out var errors))
        {
            throw new InvalidOperationException("$metadata does not parse: " + string.Join("; ", errors.Select(e => e.ErrorMessage)));
        }

        return new ODataClient(model, new Uri($"http://localhost{root}/"));
    }

    public async Task<ODataMessageReader> ReaderAsync(HttpResponseMessage response, bool allowUndeclaredProperties = false)
    {
        var message = await ResponseMessage.CreateAsync(response);
        var settings = new ODataMessageReaderSettings
        {
            BaseUri = ServiceRoot,
            EnableMessageStreamDisposal = true,
            Validations = allowUndeclaredProperties
                ? ValidationKinds.All & ~ValidationKinds.ThrowOnUndeclaredPropertyForNonOpenType
                : ValidationKinds.All,
        };
        return new ODataMessageReader(message, settings, Model);
    }

    /// <summary>Reads one entity; throws if the payload is not an entity the model describes.</summary>
    public async Task<(ODataResource Resource, Dictionary<string, object?> Values)> ReadEntityAsync(HttpResponseMessage response)
    {
        using var messageReader = await ReaderAsync(response);
        var reader = messageReader.CreateODataResourceReader(Summaries, SummaryType);
        ODataResource? resource = null;
        while (reader.Read())
        {
            if (reader.State == ODataReaderState.ResourceEnd)
            {
                resource = (ODataResource)reader.Item;
            }
        }

        return (resource ?? throw new InvalidOperationException("No entity in the payload."), Values(resource));
    }

    /// <summary>Reads a collection; throws if the payload is not one the model describes.</summary>
    public async Task<(ODataResourceSet Set, List<ODataResource> Entities)> ReadCollectionAsync(HttpResponseMessage response, bool allowUndeclaredProperties = false)
    {
        using var messageReader = await ReaderAsync(response, allowUndeclaredProperties);
        var reader = messageReader.CreateODataResourceSetReader(Summaries, SummaryType);
        ODataResourceSet? set = null;
        var entities = new List<ODataResource>();
        while (reader.Read())
        {
            switch (reader.State)
            {
                case ODataReaderState.ResourceEnd:
                    entities.Add((ODataResource)reader.Item);
                    break;
                case ODataReaderState.ResourceSetEnd:
                    set = (ODataResourceSet)reader.Item;
                    break;
            }
        }

        return (set ?? throw new InvalidOperationException("No collection in the payload."), entities);
    }

    public async Task<ODataError> ReadErrorAsync(HttpResponseMessage response)
    {
        using var messageReader = await ReaderAsync(response);
        return messageReader.ReadError();
    }

    public static Dictionary<string, object?> Values(ODataResource resource) =>
        resource.Properties.OfType<ODataProperty>().ToDictionary(p => p.Name, p => (object?)p.Value);

    private sealed class ResponseMessage : IODataResponseMessage
    {
        private readonly Dictionary<string, string> headers = new(StringComparer.OrdinalIgnoreCase);
        private readonly MemoryStream body;

        private ResponseMessage(MemoryStream body) => this.body = body;

        public IEnumerable<KeyValuePair<string, string>> Headers => headers;

        public int StatusCode { get; set; }

        public static async Task<ResponseMessage> CreateAsync(HttpResponseMessage response)
        {
            var message = new ResponseMessage(new MemoryStream(await response.Content.ReadAsByteArrayAsync()))
            {
                StatusCode = (int)response.StatusCode,
            };
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                message.headers[name] = string.Join(", ", values);
            }

            return message;
        }

        public string GetHeader(string headerName) => headers.TryGetValue(headerName, out var value) ? value : null!;

        public void SetHeader(string headerName, string headerValue) => headers[headerName] = headerValue;

        public Stream GetStream() => body;
    }

    public static MediaTypeWithQualityHeaderValue Json => new("application/json");
}
