using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CredentialSummaries.GraphStandIn;

/// <summary>
/// The Graph v1.0 URLs the collector reads, each with the shape its Graph reference page documents, for the tenant
/// of the request's bearer token. Every answer carries <c>request-id</c> and <c>client-request-id</c>; errors are
/// Graph's <c>{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}</c>.
/// </summary>
internal static class GraphEndpoints
{
    private const string ODataJson = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
    private const string ReportPath = "reports/authenticationMethods/userRegistrationDetails";
    private const string CustomersPath = "tenantRelationships/delegatedAdminCustomers";
    private const int DefaultTop = 100;
    private const int MaxTop = 999;

    /// <summary>The properties of v1.0's <c>userRegistrationDetails</c>, in the order the full shape has them.</summary>
    private static readonly string[] ReportProperties =
    [
        "id", "userPrincipalName", "userDisplayName", "userType", "isAdmin", "isSsprRegistered", "isSsprEnabled", "isSsprCapable",
        "isMfaRegistered", "isMfaCapable", "isPasswordlessCapable", "methodsRegistered", "isSystemPreferredAuthenticationMethodEnabled",
        "systemPreferredAuthenticationMethods", "userPreferredMethodForSecondaryAuthentication", "lastUpdatedDateTime",
    ];

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task HandleAsync(GraphStandInServer server, HttpContext context, string path)
    {
        GraphHeaders(context);
        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || authorization.Length <= "Bearer ".Length)
        {
            await ErrorAsync(context, 401, "InvalidAuthenticationToken", "Access token is empty.");
            return;
        }

        if (server.TenantForToken(authorization["Bearer ".Length..].Trim()) is not { } tenant)
        {
            await ErrorAsync(context, 401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.");
            return;
        }

        var resource = path.TrimEnd('/');
        var known = resource.ToUpperInvariant() switch
        {
            "REPORTS/AUTHENTICATIONMETHODS/USERREGISTRATIONDETAILS" => ReportAsync,
            "POLICIES/IDENTITYSECURITYDEFAULTSENFORCEMENTPOLICY" => SecurityDefaultsAsync,
            "IDENTITY/CONDITIONALACCESS/POLICIES" => ConditionalAccessPoliciesAsync,
            "ORGANIZATION" => OrganizationAsync,
            "TENANTRELATIONSHIPS/DELEGATEDADMINCUSTOMERS" => CustomersAsync,
            _ => (Func<GraphStandInServer, HttpContext, StandInTenant, Task>?)null,
        };
        if (known is null)
        {
            await ErrorAsync(context, 404, "Request_ResourceNotFound", $"Resource not found for the segment '{resource.Split('/')[^1]}'.");
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method))
        {
            await ErrorAsync(context, 405, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri.");
            return;
        }

        await known(server, context, tenant);
    }

    /// <summary>
    /// <c>GET /reports/authenticationMethods/userRegistrationDetails</c>: <c>$top</c> (default 100, at most 999),
    /// <c>$select</c> (the selected properties and <c>id</c>), and an <c>@odata.nextLink</c> with an opaque
    /// <c>$skiptoken</c> while rows remain. A page is generated from its offset and written as it is generated.
    /// </summary>
    private static async Task ReportAsync(GraphStandInServer server, HttpContext context, StandInTenant tenant)
    {
        var query = context.Request.Query;
        var top = DefaultTop;
        if (query.TryGetValue("$top", out var topText)
            && (!int.TryParse(topText, NumberStyles.None, CultureInfo.InvariantCulture, out top) || top < 1))
        {
            await ErrorAsync(context, 400, "BadRequest", $"Invalid value '{topText}' for $top query option found. The $top query option requires a non-negative integer value.");
            return;
        }

        string[] properties = ReportProperties;
        string? select = null;
        if (query.TryGetValue("$select", out var selectText))
        {
            select = selectText.ToString();
            List<string> selected = ["id"];
            foreach (var name in select.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var property = ReportProperties.FirstOrDefault(p => p.Equals(name, StringComparison.OrdinalIgnoreCase));
                if (property is null)
                {
                    await ErrorAsync(context, 400, "BadRequest", $"Could not find a property named '{name}' on type 'microsoft.graph.userRegistrationDetails'.");
                    return;
                }

                if (!selected.Contains(property))
                {
                    selected.Add(property);
                }
            }

            properties = [.. selected];
        }

        var offset = 0;
        var skiptoken = query.TryGetValue("$skiptoken", out var tokenText) ? tokenText.ToString() : null;
        if (skiptoken is not null && !TryReadSkiptoken(skiptoken, out offset))
        {
            await ErrorAsync(context, 400, "BadRequest", "Invalid $skiptoken value.");
            return;
        }

        server.Counters.ReportQuery(select, top);
        var counters = server.Counters.For(tenant.TenantId);
        counters.ReportPageRequested();
        if (server.ReportPageDelay > TimeSpan.Zero)
        {
            await Task.Delay(server.ReportPageDelay, context.RequestAborted);
        }

        if (tenant.Behaviour == StandInBehaviour.Forbidden)
        {
            counters.Forbidden();
            await ErrorAsync(context, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
            return;
        }

        if (tenant.Behaviour == StandInBehaviour.ThrottleOnce && skiptoken is not null && tenant.TakeThrottle())
        {
            counters.Throttled();
            context.Response.Headers.RetryAfter = "1";
            await ErrorAsync(context, 429, "TooManyRequests", "Too many requests.");
            return;
        }

        var pageSize = Math.Min(top, MaxTop);
        var count = tenant.UserCount;
        var end = (int)Math.Min((long)offset + pageSize, count);
        var root = Root(context);
        var selection = select is null ? "" : $"({string.Join(',', properties.Skip(1))})";

        context.Response.StatusCode = 200;
        context.Response.ContentType = ODataJson;
        var body = context.Response.BodyWriter;
        await using var json = new Utf8JsonWriter(body, WriterOptions);
        json.WriteStartObject();
        json.WriteString("@odata.context", $"{root}/$metadata#{ReportPath}{selection}");
        if (end < count)
        {
            var next = new StringBuilder($"{root}/{ReportPath}?");
            if (select is not null)
            {
                next.Append("$select=").Append(string.Join(',', properties.Skip(1))).Append('&');
            }

            if (query.ContainsKey("$top"))
            {
                next.Append(CultureInfo.InvariantCulture, $"$top={top}&");
            }

            next.Append("$skiptoken=").Append(Skiptoken(end));
            json.WriteString("@odata.nextLink", next.ToString());
        }

        json.WriteStartArray("value");
        for (var index = offset; index < end; index++)
        {
            WriteUser(json, tenant.UserAt(index), properties);
            if ((index - offset) % 128 == 127)
            {
                await json.FlushAsync(context.RequestAborted);
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }

    /// <summary><c>GET /policies/identitySecurityDefaultsEnforcementPolicy</c> (v1.0's identitySecurityDefaultsEnforcementPolicy).</summary>
    private static Task SecurityDefaultsAsync(GraphStandInServer server, HttpContext context, StandInTenant tenant) =>
        WriteJsonAsync(context, 200, ODataJson, json =>
        {
            json.WriteString("@odata.context", $"{Root(context)}/$metadata#policies/identitySecurityDefaultsEnforcementPolicy/$entity");
            json.WriteString("id", "00000000-0000-0000-0000-000000000005");
            json.WriteString("displayName", "Security Defaults");
            json.WriteString("description",
                "Security defaults is a set of basic identity security mechanisms recommended by Microsoft. When enabled, these recommendations " +
                "will be automatically enforced in your organization. Administrators and users will be better protected from common identity related attacks.");
            json.WriteBoolean("isEnabled", tenant.SecurityDefaultsEnabled);
        });

    /// <summary><c>GET /identity/conditionalAccess/policies</c>: the tenant's conditionalAccessPolicy list, in one page.</summary>
    private static Task ConditionalAccessPoliciesAsync(GraphStandInServer server, HttpContext context, StandInTenant tenant) =>
        WriteJsonAsync(context, 200, ODataJson, json =>
        {
            json.WriteString("@odata.context", $"{Root(context)}/$metadata#identity/conditionalAccess/policies");
            json.WriteStartArray("value");
            foreach (var policy in tenant.ConditionalAccessPolicies)
            {
                WritePolicy(json, policy);
            }

            json.WriteEndArray();
        });

    /// <summary><c>GET /organization</c>: the tenant's one organization; <c>$select</c> narrows it to the properties asked (and id).</summary>
    private static Task OrganizationAsync(GraphStandInServer server, HttpContext context, StandInTenant tenant)
    {
        var select = context.Request.Query.TryGetValue("$select", out var text)
            ? text.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : null;
        bool Wanted(string property) => select is null || select.Contains(property, StringComparer.OrdinalIgnoreCase);
        return WriteJsonAsync(context, 200, ODataJson, json =>
        {
            var selection = select is null ? "" : $"({string.Join(',', select)})";
            json.WriteString("@odata.context", $"{Root(context)}/$metadata#organization{selection}");
            json.WriteStartArray("value");
            json.WriteStartObject();
            json.WriteString("id", tenant.TenantId);
            if (Wanted("displayName"))
            {
                json.WriteString("displayName", tenant.DisplayName);
            }

            if (Wanted("tenantType"))
            {
                json.WriteString("tenantType", "AAD");
            }

            if (Wanted("verifiedDomains"))
            {
                json.WriteStartArray("verifiedDomains");
                json.WriteStartObject();
                json.WriteString("capabilities", "Email, OfficeCommunicationsOnline");
                json.WriteBoolean("isDefault", true);
                json.WriteBoolean("isInitial", true);
                json.WriteString("name", tenant.Domain);
                json.WriteString("type", "Managed");
                json.WriteEndObject();
                json.WriteEndArray();
            }

            json.WriteEndObject();
            json.WriteEndArray();
        });
    }

    /// <summary>
    /// <c>GET /tenantRelationships/delegatedAdminCustomers</c>: the managing tenant's GDAP customers, in pages of
    /// <see cref="GraphStandInOptions.CustomersPageSize"/>; any other tenant has none.
    /// </summary>
    private static async Task CustomersAsync(GraphStandInServer server, HttpContext context, StandInTenant tenant)
    {
        var offset = 0;
        if (context.Request.Query.TryGetValue("$skiptoken", out var token) && !TryReadSkiptoken(token.ToString(), out offset))
        {
            await ErrorAsync(context, 400, "BadRequest", "Invalid $skiptoken value.");
            return;
        }

        IReadOnlyList<StandInDelegatedAdminCustomer> customers = tenant.TenantId == server.Options.ManagingTenantId ? server.DelegatedAdminCustomers() : [];
        var end = Math.Min(offset + Math.Max(1, server.Options.CustomersPageSize), customers.Count);
        var root = Root(context);
        await WriteJsonAsync(context, 200, ODataJson, json =>
        {
            json.WriteString("@odata.context", $"{root}/$metadata#{CustomersPath}");
            if (end < customers.Count)
            {
                json.WriteString("@odata.nextLink", $"{root}/{CustomersPath}?$skiptoken={Skiptoken(end)}");
            }

            json.WriteStartArray("value");
            for (var index = offset; index < end; index++)
            {
                var customer = customers[index];
                json.WriteStartObject();
                json.WriteString("@odata.type", "#microsoft.graph.delegatedAdminCustomer");
                json.WriteString("tenantId", customer.TenantId);
                json.WriteString("displayName", customer.DisplayName);
                json.WriteString("id", customer.TenantId);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        });
    }

    /// <summary>Writes one JSON object, whose members <paramref name="write"/> writes, as the whole response body.</summary>
    internal static async Task WriteJsonAsync(HttpContext context, int status, string contentType, Action<Utf8JsonWriter> write)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await using var json = new Utf8JsonWriter(context.Response.BodyWriter, WriterOptions);
        json.WriteStartObject();
        write(json);
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }

    /// <summary>Graph's error body, with the response's own request ids in <c>innerError</c>.</summary>
    internal static Task ErrorAsync(HttpContext context, int status, string code, string message)
    {
        GraphHeaders(context);
        var headers = context.Response.Headers;
        return WriteJsonAsync(context, status, "application/json", json =>
        {
            json.WriteStartObject("error");
            json.WriteString("code", code);
            json.WriteString("message", message);
            json.WriteStartObject("innerError");
            json.WriteString("date", GraphStandInServer.Timestamp(DateTimeOffset.UtcNow));
            json.WriteString("request-id", headers["request-id"].ToString());
            json.WriteString("client-request-id", headers["client-request-id"].ToString());
            json.WriteEndObject();
            json.WriteEndObject();
        });
    }

    private static void GraphHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        if (headers.ContainsKey("request-id"))
        {
            return;
        }

        headers["request-id"] = Guid.NewGuid().ToString();
        headers["client-request-id"] = context.Request.Headers.TryGetValue("client-request-id", out var id) && !string.IsNullOrEmpty(id)
            ? id.ToString()
            : headers["request-id"].ToString();
        headers["OData-Version"] = "4.0";
        headers.CacheControl = "no-cache";
    }

    private static string Root(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}/v1.0";

    private static string Skiptoken(int offset) =>
        GraphStandInServer.Base64Url(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"standin:{offset}")));

    private static bool TryReadSkiptoken(string token, out int offset)
    {
        offset = 0;
        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        Span<byte> bytes = stackalloc byte[64];
        return base64.Length <= 88
            && Convert.TryFromBase64String(base64, bytes, out var written)
            && Encoding.UTF8.GetString(bytes[..written]) is var text
            && text.StartsWith("standin:", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan("standin:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out offset);
    }

    private static void WriteUser(Utf8JsonWriter json, StandInUser user, string[] properties)
    {
        json.WriteStartObject();
        foreach (var property in properties)
        {
            switch (property)
            {
                case "id": json.WriteString(property, user.Id); break;
                case "userPrincipalName": json.WriteString(property, user.UserPrincipalName); break;
                case "userDisplayName": json.WriteString(property, user.UserDisplayName); break;
                case "userType": json.WriteString(property, "member"); break;
                case "isAdmin": json.WriteBoolean(property, user.IsAdmin); break;
                case "isSsprRegistered": json.WriteBoolean(property, user.IsSsprRegistered); break;
                case "isSsprEnabled": json.WriteBoolean(property, user.IsSsprEnabled); break;
                case "isSsprCapable": json.WriteBoolean(property, user.IsSsprCapable); break;
                case "isMfaRegistered": json.WriteBoolean(property, user.IsMfaRegistered); break;
                case "isMfaCapable": json.WriteBoolean(property, user.IsMfaCapable); break;
                case "isPasswordlessCapable": json.WriteBoolean(property, user.IsPasswordlessCapable); break;
                case "isSystemPreferredAuthenticationMethodEnabled": json.WriteBoolean(property, false); break;
                case "userPreferredMethodForSecondaryAuthentication": json.WriteString(property, user.UserPreferredMethodForSecondaryAuthentication); break;
                case "lastUpdatedDateTime": json.WriteString(property, user.LastUpdatedDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)); break;
                case "methodsRegistered":
                    json.WriteStartArray(property);
                    foreach (var method in user.MethodsRegistered)
                    {
                        json.WriteStringValue(method);
                    }

                    json.WriteEndArray();
                    break;
                case "systemPreferredAuthenticationMethods":
                    json.WriteStartArray(property);
                    json.WriteEndArray();
                    break;
            }
        }

        json.WriteEndObject();
    }

    private static void WritePolicy(Utf8JsonWriter json, StandInConditionalAccessPolicy policy)
    {
        json.WriteStartObject();
        json.WriteString("id", policy.Id);
        json.WriteNull("templateId");
        json.WriteString("displayName", policy.DisplayName);
        json.WriteString("createdDateTime", "2025-03-04T09:10:11.1234567Z");
        json.WriteString("modifiedDateTime", "2025-06-07T08:09:10.7654321Z");
        json.WriteString("state", policy.State);

        json.WriteStartObject("conditions");
        json.WriteStartArray("userRiskLevels");
        json.WriteEndArray();
        json.WriteStartArray("signInRiskLevels");
        json.WriteEndArray();
        json.WriteStartArray("clientAppTypes");
        json.WriteStringValue("all");
        json.WriteEndArray();
        json.WriteNull("platforms");
        json.WriteNull("locations");
        json.WriteNull("devices");
        json.WriteStartObject("applications");
        WriteStrings(json, "includeApplications", "All");
        WriteStrings(json, "excludeApplications");
        WriteStrings(json, "includeUserActions");
        json.WriteEndObject();
        json.WriteStartObject("users");
        WriteStrings(json, "includeUsers", "All");
        WriteStrings(json, "excludeUsers");
        WriteStrings(json, "includeGroups");
        WriteStrings(json, "excludeGroups");
        WriteStrings(json, "includeRoles");
        WriteStrings(json, "excludeRoles");
        json.WriteEndObject();
        json.WriteEndObject();

        if (policy.BuiltInControls is null && policy.AuthenticationStrength is null)
        {
            json.WriteNull("grantControls");
            json.WriteStartObject("sessionControls");
            json.WriteStartObject("signInFrequency");
            json.WriteNumber("value", 12);
            json.WriteString("type", "hours");
            json.WriteString("authenticationType", "primaryAndSecondaryAuthentication");
            json.WriteString("frequencyInterval", "timeBased");
            json.WriteBoolean("isEnabled", true);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        else
        {
            json.WriteStartObject("grantControls");
            json.WriteString("operator", policy.Operator);
            WriteStrings(json, "builtInControls", [.. policy.BuiltInControls ?? []]);
            WriteStrings(json, "customAuthenticationFactors");
            WriteStrings(json, "termsOfUse");
            if (policy.AuthenticationStrength is { } strength)
            {
                json.WriteStartObject("authenticationStrength");
                json.WriteString("id", strength.Id);
                json.WriteString("displayName", strength.DisplayName);
                json.WriteString("policyType", "builtIn");
                json.WriteString("requirementsSatisfied", "mfa");
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("authenticationStrength");
            }

            json.WriteEndObject();
            json.WriteNull("sessionControls");
        }

        json.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, params string[] values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}
