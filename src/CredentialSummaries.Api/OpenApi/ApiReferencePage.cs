using Scalar.AspNetCore;

namespace CredentialSummaries.Api.OpenApi;

/// <summary>
/// The interactive API reference (docs/openapi.md, "API reference page"): Scalar's page at <c>/docs</c>, reading the OpenAPI
/// document at <c>/v1.0/openapi.json</c>. Public, as the document is: no token to read it, and outside the per-tenant
/// throttling. Its script and styles are embedded in Scalar.AspNetCore and served by this app under <c>/docs/</c>; the
/// CDN fonts and Scalar's telemetry are off, so the page works on a closed network. The only authentication it offers
/// is the document's <c>bearer</c> scheme: a user pastes an access token and every call the page sends carries it as
/// <c>Authorization: Bearer …</c> (the document's OAuth 2.0 schemes would send the browser to Entra ID instead).
/// </summary>
public static class ApiReferencePage
{
    public const string Path = "/docs";

    /// <summary>The document the page reads: v1.0's (beta's is the same but for its server).</summary>
    public const string DocumentPath = "/v1.0/" + OpenApiDocumentEndpoint.FileName;

    public const string BearerScheme = "bearer";

    public static WebApplication MapApiReferencePage(this WebApplication app)
    {
        app.MapScalarApiReference(Path, options => options
                .WithTitle("Credential user registration summaries: API reference")
                .WithOpenApiRoutePattern(DocumentPath)
                .AddPreferredSecuritySchemes(BearerScheme)
                .WithAllowedSecuritySchemes([BearerScheme])
                .DisableDefaultFonts()
                .DisableTelemetry()
                // Scalar's hosted services (Ask AI, MCP, Share, Generate SDK, Deploy): unreachable offline, not this API's.
                .HideDeveloperTools()
                .DisableAgent()
                .DisableMcp())
            .AllowAnonymous()
            .DisableRateLimiting();
        return app;
    }
}
