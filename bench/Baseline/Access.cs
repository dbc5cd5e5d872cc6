using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.IdentityModel.Tokens;

namespace CredentialSummaries.Bench.Baseline;

/// <summary>
/// Bearer tokens and the two permission policies of the service (its GraphPermissions): HS256 tokens of
/// <c>dotnet user-jwts</c> validated by ASP.NET Core's JwtBearer against the <c>Authentication:Schemes:Bearer</c>
/// settings (issuer, audiences, signing keys, lifetime); read needs a <c>tid</c> GUID and one of the read scopes or
/// roles, write the ReadWrite one. Scopes come from <c>scp</c> (Entra ID) or <c>scope</c> (user-jwts), roles from
/// <c>roles</c> or <c>role</c>, space-separated, as the service's policies read them.
/// </summary>
internal static class Access
{
    public const string ReadPolicy = "CredentialSummaries.Read";
    public const string WritePolicy = "CredentialSummaries.Write";

    private const string ReportsReadAll = "Reports.Read.All";
    private const string ManagedTenantsReadAll = "ManagedTenants.Read.All";
    private const string ManagedTenantsReadWriteAll = "ManagedTenants.ReadWrite.All";

    public static readonly PermissionRequirement Read = new([ReportsReadAll, ManagedTenantsReadAll, ManagedTenantsReadWriteAll],
        [ManagedTenantsReadAll, ManagedTenantsReadWriteAll]);

    public static readonly PermissionRequirement Write = new([ManagedTenantsReadWriteAll], [ManagedTenantsReadWriteAll]);

    public static readonly TenantRequirement Tenant = new();

    /// <summary>The caller's tenant (the owner of its rows) as a lowercase GUID, or null without a usable <c>tid</c>.</summary>
    public static string? OwnerOf(ClaimsPrincipal? user) =>
        Guid.TryParse(user?.FindFirst("tid")?.Value, out var tenant) ? tenant.ToString("D") : null;

    public static void AddAccess(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("Authentication:Schemes:Bearer");
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options => ConfigureBearer(options, section));
        services.AddSingleton<IAuthorizationHandler, AccessHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, GraphAuthorizationResults>();
        services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, policy => policy.RequireAuthenticatedUser().AddRequirements(Tenant, Read))
            .AddPolicy(WritePolicy, policy => policy.RequireAuthenticatedUser().AddRequirements(Tenant, Write));
    }

    private static void ConfigureBearer(JwtBearerOptions options, IConfigurationSection section)
    {
        var issuer = section["ValidIssuer"] ?? "dotnet-user-jwts";
        var keys = section.GetSection("SigningKeys").GetChildren()
            .Where(key => key["Issuer"] == issuer && !string.IsNullOrEmpty(key["Value"]))
            .Select(key => (SecurityKey)new SymmetricSecurityKey(Convert.FromBase64String(key["Value"]!)) { KeyId = key["Id"] })
            .ToArray();
        options.MapInboundClaims = false;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidAudiences = section.GetSection("ValidAudiences").Get<string[]>() ?? [],
            IssuerSigningKeys = keys,
        };
    }

    /// <summary>The 401 message the service gives for why a request is not authenticated.</summary>
    public static string ChallengeMessage(string? authorization, Exception? failure)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return "Access token is empty.";
        }

        return failure switch
        {
            SecurityTokenExpiredException or SecurityTokenNotYetValidException => "Access token has expired or is not yet valid.",
            SecurityTokenInvalidAudienceException => "Access token validation failure. Invalid audience.",
            SecurityTokenInvalidIssuerException => "Access token validation failure. Invalid issuer.",
            SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "Access token validation failure. Invalid signature.",
            _ => "Access token validation failure.",
        };
    }

    /// <summary>The 403 message the service gives for the failed requirements.</summary>
    public static string ForbiddenMessage(AuthorizationFailure? failure)
    {
        var failed = failure?.FailedRequirements.ToArray() ?? [];
        if (failed.OfType<TenantRequirement>().Any())
        {
            return "The access token has no 'tid' claim holding a tenant id (GUID), so the calling tenant cannot be identified.";
        }

        if (failed.OfType<PermissionRequirement>().FirstOrDefault() is { } permission)
        {
            return "Missing permission. This operation requires one of the delegated scopes "
                + $"{Quote(permission.Scopes)} or one of the application roles {Quote(permission.Roles)}.";
        }

        return "Insufficient privileges to complete the operation.";
    }

    private static string Quote(IEnumerable<string> values) => string.Join(", ", values.Select(v => $"'{v}'"));
}

/// <summary>The token names its tenant: a <c>tid</c> claim holding a GUID.</summary>
internal sealed class TenantRequirement : IAuthorizationRequirement;

internal sealed class PermissionRequirement(string[] scopes, string[] roles) : IAuthorizationRequirement
{
    public IReadOnlyList<string> Scopes { get; } = scopes;

    public IReadOnlyList<string> Roles { get; } = roles;

    public bool IsMetBy(ClaimsPrincipal user) =>
        HasAny(user, "scp", Scopes) || HasAny(user, "scope", Scopes) || HasAny(user, "roles", Roles) || HasAny(user, "role", Roles);

    private static bool HasAny(ClaimsPrincipal user, string claimType, IReadOnlyList<string> allowed)
    {
        foreach (var claim in user.FindAll(claimType))
        {
            foreach (var value in claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                for (var i = 0; i < allowed.Count; i++)
                {
                    if (string.Equals(value, allowed[i], StringComparison.Ordinal))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }
}

internal sealed class AccessHandler : IAuthorizationHandler
{
    public Task HandleAsync(AuthorizationHandlerContext context)
    {
        foreach (var requirement in context.PendingRequirements.ToArray())
        {
            var met = requirement switch
            {
                TenantRequirement => Access.OwnerOf(context.User) is not null,
                PermissionRequirement permission => permission.IsMetBy(context.User),
                _ => false,
            };
            if (met)
            {
                context.Succeed(requirement);
            }
        }

        return Task.CompletedTask;
    }
}

/// <summary>401 and 403 with Graph error bodies, after the scheme's own challenge or forbid (WWW-Authenticate).</summary>
internal sealed class GraphAuthorizationResults : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler defaults = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        await defaults.HandleAsync(next, context, policy, authorizeResult);
        if (context.Response.HasStarted)
        {
            return;
        }

        if (authorizeResult.Challenged)
        {
            var failure = (await context.AuthenticateAsync()).Failure;
            await Answers.WriteErrorAsync(context, GraphError.Unauthorized(Access.ChallengeMessage(context.Request.Headers.Authorization, failure)));
        }
        else if (authorizeResult.Forbidden)
        {
            await Answers.WriteErrorAsync(context, GraphError.Forbidden(Access.ForbiddenMessage(authorizeResult.AuthorizationFailure)));
        }
    }
}
