using System.Text;
using Microsoft.AspNetCore.Mvc.Formatters;
using Microsoft.AspNetCore.OData.Formatter;
using Microsoft.OData;
using Microsoft.OData.Edm;

namespace CredentialSummaries.Api.Edm;

/// <summary>
/// Lets the Accept header choose between CSDL JSON and CSDL XML for <c>$metadata</c>. AspNetCoreOData writes both,
/// but only <c>$format</c> reaches its JSON writer: MVC offers each Accept type to the formatters in turn, and the
/// OData JSON formatter, which comes first and does not write metadata, narrows <c>application/json</c> (or
/// <c>application/*</c>) to <c>application/json;odata.metadata=minimal;odata.streaming=true</c> before declining,
/// so the metadata formatter after it no longer matches and the client gets a 406. This formatter goes before both
/// and takes only those cases; ODataLib still writes the document, exactly as for <c>$format</c>.
/// </summary>
public sealed class CsdlMetadataFormatter : ODataOutputFormatter
{
    private const string ApplicationJson = "application/json";
    private const string ApplicationXml = "application/xml";

    public CsdlMetadataFormatter()
        : base([ODataPayloadKind.MetadataDocument])
    {
        SupportedMediaTypes.Add(ApplicationXml);
        SupportedMediaTypes.Add(ApplicationJson);
        SupportedEncodings.Add(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
    }

    public override bool CanWriteResult(OutputFormatterCanWriteContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!IsMetadataDocument(context) || Negotiate(context) is not { } contentType)
        {
            return false;
        }

        context.ContentType = contentType;
        return base.CanWriteResult(context);
    }

    private static bool IsMetadataDocument(OutputFormatterCanWriteContext context) =>
        typeof(IEdmModel).IsAssignableFrom(context.ObjectType ?? context.Object?.GetType());

    /// <summary>
    /// CSDL JSON for exactly application/json (its parameters, such as odata.metadata, mean nothing to CSDL), CSDL
    /// XML, the default, for application/*. Everything else is left to the library: no Accept and <c>*/*</c> (XML),
    /// application/xml, and <c>$format</c>, which wins over Accept.
    /// </summary>
    private static string? Negotiate(OutputFormatterCanWriteContext context)
    {
        if (!context.ContentType.HasValue || context.HttpContext.Request.Query.ContainsKey("$format"))
        {
            return null;
        }

        var requested = new MediaType(context.ContentType);
        if (!requested.Type.Equals("application", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return requested.MatchesAllSubTypes ? ApplicationXml
            : requested.SubType.Equals("json", StringComparison.OrdinalIgnoreCase) ? ApplicationJson
            : null;
    }
}
