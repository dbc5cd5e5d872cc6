using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace CredentialSummaries.GraphStandIn;

/// <summary>
/// Entra ID's v2.0 token endpoint for the client credentials grant (a secret or a certificate's client assertion),
/// with AAD's error shape (<c>error</c>, <c>error_description</c> starting with the AADSTS code, <c>error_codes</c>,
/// <c>timestamp</c>, <c>trace_id</c>, <c>correlation_id</c>), and the two metadata documents MSAL can ask for.
/// </summary>
internal static class TokenEndpoint
{
    private const string JwtBearerAssertion = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    private static readonly string[] RequiredFields = ["grant_type", "client_id", "scope"];

    public static async Task TokenAsync(GraphStandInServer server, HttpContext context, string tenantSegment)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await AadErrorAsync(context, 400, "invalid_request", 900561, $"The endpoint only accepts POST, OPTIONS requests. Received a {context.Request.Method} request.");
            return;
        }

        var isTenantId = Guid.TryParse(tenantSegment, out var tenantId);
        if (isTenantId)
        {
            server.Counters.For(tenantId).TokenRequested();
        }

        if (!isTenantId || !server.TryGetTenant(tenantId, out var tenant))
        {
            await AadErrorAsync(context, 400, "invalid_request", 90002,
                $"Tenant '{tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. " +
                "Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.");
            return;
        }

        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : FormCollection.Empty;
        string? Field(string name) => form.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value) ? value.ToString() : null;

        var missing = RequiredFields.FirstOrDefault(name => Field(name) is null);
        if (missing is not null)
        {
            await AadErrorAsync(context, 400, "invalid_request", 900144, $"The request body must contain the following parameter: '{missing}'.");
            return;
        }

        if (Field("grant_type") != "client_credentials")
        {
            await AadErrorAsync(context, 400, "unsupported_grant_type", 70003, $"The app requested an unsupported grant type '{Field("grant_type")}'.");
            return;
        }

        var clientId = Field("client_id")!;
        if (!string.Equals(clientId, server.Options.ClientId, StringComparison.OrdinalIgnoreCase))
        {
            await AadErrorAsync(context, 400, "unauthorized_client", 700016,
                $"Application with identifier '{clientId}' was not found in the directory '{tenant.DisplayName}'. This can happen if the application " +
                "has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your " +
                "authentication request to the wrong tenant.");
            return;
        }

        if (tenant.Behaviour == StandInBehaviour.TokenRefused)
        {
            await AadErrorAsync(context, 400, "invalid_client", 7000229,
                $"The client application {clientId} is missing service principal in the tenant {tenantId}. " +
                "See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119");
            return;
        }

        (int Code, string Message)? credentialError = (Field("client_secret"), Field("client_assertion")) switch
        {
            ({ } secret, _) when secret == server.Options.ClientSecret => null,
            ({ }, _) => (7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, " +
                $"not the client secret ID, for a secret added to app '{clientId}'."),
            (null, { } assertion) => AssertionError(server.Options, clientId, Field("client_assertion_type"), assertion),
            _ => (7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type."),
        };
        if (credentialError is { } failure)
        {
            await AadErrorAsync(context, 401, "invalid_client", failure.Code, failure.Message);
            return;
        }

        var scope = Field("scope")!;
        if (!scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).All(s => s.EndsWith("/.default", StringComparison.Ordinal)))
        {
            await AadErrorAsync(context, 400, "invalid_scope", 1002012,
                $"The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).");
            return;
        }

        var token = server.IssueToken(tenantId);
        server.Counters.For(tenantId).TokenIssued();
        Headers(context);
        await GraphEndpoints.WriteJsonAsync(context, 200, "application/json; charset=utf-8", json =>
        {
            json.WriteString("token_type", "Bearer");
            json.WriteNumber("expires_in", 3599);
            json.WriteNumber("ext_expires_in", 3599);
            json.WriteString("access_token", token);
        });
    }

    /// <summary>
    /// <c>GET /{tenant}/v2.0/.well-known/openid-configuration</c>: the endpoints of the authority, all on the stand-in.
    /// </summary>
    public static Task OpenIdConfigurationAsync(HttpContext context, string tenant)
    {
        var root = $"{context.Request.Scheme}://{context.Request.Host}/{tenant}";
        Headers(context);
        return GraphEndpoints.WriteJsonAsync(context, 200, "application/json; charset=utf-8", json =>
        {
            json.WriteString("token_endpoint", $"{root}/oauth2/v2.0/token");
            json.WriteStartArray("token_endpoint_auth_methods_supported");
            json.WriteStringValue("client_secret_post");
            json.WriteStringValue("private_key_jwt");
            json.WriteStringValue("client_secret_basic");
            json.WriteEndArray();
            json.WriteString("jwks_uri", $"{context.Request.Scheme}://{context.Request.Host}/{tenant}/discovery/v2.0/keys");
            json.WriteStartArray("response_modes_supported");
            json.WriteStringValue("query");
            json.WriteStringValue("fragment");
            json.WriteStringValue("form_post");
            json.WriteEndArray();
            json.WriteString("issuer", $"{root}/v2.0");
            json.WriteString("authorization_endpoint", $"{root}/oauth2/v2.0/authorize");
            json.WriteString("device_authorization_endpoint", $"{root}/oauth2/v2.0/devicecode");
            json.WriteString("end_session_endpoint", $"{root}/oauth2/v2.0/logout");
            json.WriteString("tenant_region_scope", "EU");
            json.WriteString("cloud_instance_name", "microsoftonline.com");
        });
    }

    /// <summary>
    /// <c>GET /common/discovery/instance</c>: AAD's instance discovery, saying the stand-in is its own (only) alias.
    /// </summary>
    public static Task InstanceDiscoveryAsync(HttpContext context)
    {
        var host = context.Request.Host.ToString();
        var authorize = context.Request.Query["authorization_endpoint"].ToString();
        var tenant = Uri.TryCreate(authorize, UriKind.Absolute, out var uri) && uri.Segments.Length > 1 ? uri.Segments[1].TrimEnd('/') : "common";
        Headers(context);
        return GraphEndpoints.WriteJsonAsync(context, 200, "application/json; charset=utf-8", json =>
        {
            json.WriteString("tenant_discovery_endpoint", $"https://{host}/{tenant}/v2.0/.well-known/openid-configuration");
            json.WriteString("api-version", "1.1");
            json.WriteStartArray("metadata");
            json.WriteStartObject();
            json.WriteString("preferred_network", host);
            json.WriteString("preferred_cache", host);
            json.WriteStartArray("aliases");
            json.WriteStringValue(host);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
        });
    }

    /// <summary>
    /// Null when <paramref name="assertion"/> is a JWT signed (RS256 or PS256) by the configured client certificate's key,
    /// naming it by <c>x5t</c> or <c>x5t#S256</c>, issued by and for the client, and not expired; else AAD's code and message.
    /// </summary>
    private static (int Code, string Message)? AssertionError(GraphStandInOptions options, string clientId, string? assertionType, string assertion)
    {
        if (assertionType != JwtBearerAssertion)
        {
            return (700022, $"The provided value for the input parameter 'client_assertion_type' is not valid. Expected '{JwtBearerAssertion}'.");
        }

        var parts = assertion.Split('.');
        if (options.ClientCertificate is not { } certificate || parts.Length != 3)
        {
            return (700027, "Client assertion failed signature validation.");
        }

        try
        {
            using var header = JsonDocument.Parse(FromBase64Url(parts[0]));
            using var payload = JsonDocument.Parse(FromBase64Url(parts[1]));
            string? Claim(JsonDocument document, string name) =>
                document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

            // x5t is the certificate's SHA-1 thumbprint, x5t#S256 its SHA-256 one (RFC 7515).
            var named = Claim(header, "x5t#S256") == GraphStandInServer.Base64Url(SHA256.HashData(certificate.RawData))
                || Claim(header, "x5t") == GraphStandInServer.Base64Url(certificate.GetCertHash());
            if (!named)
            {
                return (700027, "The certificate with identifier used to sign the client assertion is not registered on application.");
            }

            var padding = Claim(header, "alg") switch
            {
                "RS256" => RSASignaturePadding.Pkcs1,
                "PS256" => RSASignaturePadding.Pss,
                _ => null,
            };
            using var key = certificate.GetRSAPublicKey();
            if (padding is null || key is null
                || !key.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), FromBase64Url(parts[2]), HashAlgorithmName.SHA256, padding))
            {
                return (700027, "Client assertion failed signature validation.");
            }

            if (Claim(payload, "iss") != clientId || Claim(payload, "sub") != clientId)
            {
                return (700021, "Client assertion application identifier doesn't match 'client_id' parameter.");
            }

            // MSAL.NET writes the times as JSON strings of digits, other libraries as numbers; Entra ID takes both.
            if (!payload.RootElement.TryGetProperty("exp", out var exp)
                || (exp.ValueKind == JsonValueKind.String ? long.Parse(exp.GetString()!, CultureInfo.InvariantCulture) : exp.GetInt64())
                    < DateTimeOffset.UtcNow.ToUnixTimeSeconds())
            {
                return (700024, "Client assertion is not within its valid time range.");
            }

            return null;
        }
        catch (Exception e) when (e is JsonException or FormatException or OverflowException or InvalidOperationException)
        {
            return (50027, "JWT token is invalid or malformed.");
        }
    }

    private static byte[] FromBase64Url(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
    }

    private static void Headers(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store, no-cache";
        headers["x-ms-request-id"] = Guid.NewGuid().ToString();
        headers["client-request-id"] = ClientRequestId(context);
    }

    private static string ClientRequestId(HttpContext context) =>
        context.Request.Headers.TryGetValue("client-request-id", out var id) && !string.IsNullOrEmpty(id) ? id.ToString() : Guid.NewGuid().ToString();

    private static Task AadErrorAsync(HttpContext context, int status, string error, int code, string message)
    {
        Headers(context);
        var trace = context.Response.Headers["x-ms-request-id"].ToString();
        var correlation = context.Response.Headers["client-request-id"].ToString();
        var timestamp = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return GraphEndpoints.WriteJsonAsync(context, status, "application/json; charset=utf-8", json =>
        {
            json.WriteString("error", error);
            json.WriteString("error_description",
                string.Create(CultureInfo.InvariantCulture, $"AADSTS{code}: {message} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {timestamp}"));
            json.WriteStartArray("error_codes");
            json.WriteNumberValue(code);
            json.WriteEndArray();
            json.WriteString("timestamp", timestamp);
            json.WriteString("trace_id", trace);
            json.WriteString("correlation_id", correlation);
            json.WriteString("error_uri", string.Create(CultureInfo.InvariantCulture, $"https://login.microsoftonline.com/error?code={code}"));
        });
    }
}
