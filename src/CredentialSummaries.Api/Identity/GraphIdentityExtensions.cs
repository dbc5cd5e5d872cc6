using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Identity.Web;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CredentialSummaries.Api.Identity;

public static class GraphIdentityExtensions
{
    /// <summary>The default scheme: picks Entra ID or, in Development only, <c>dotnet user-jwts</c> per request.</summary>
    public const string BearerScheme = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>Entra ID v1/v2 access tokens, validated by Microsoft.Identity.Web from the <c>AzureAd</c> section.</summary>
    public const string EntraIdScheme = "AzureAd";

    /// <summary>Tokens minted by the SDK's <c>dotnet user-jwts</c>; registered in the Development environment only.</summary>
    public const string UserJwtsScheme = "DevelopmentUserJwts";

    private const string UserJwtsIssuer = "dotnet-user-jwts";
    private const string UserJwtsSection = "Authentication:Schemes:Bearer";

    /// <summary>
    /// Bearer authentication and the permission policies. There is no anonymous mode: outside Development a missing
    /// <c>AzureAd</c> configuration stops start-up (see <see cref="Hosting.StartupConfiguration"/>).
    /// </summary>
    public static IHostApplicationBuilder AddGraphIdentity(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var isDevelopment = builder.Environment.IsDevelopment();
        var azureAd = configuration.GetSection("AzureAd");
        var entraConfigured = !string.IsNullOrWhiteSpace(azureAd["ClientId"]);
        var services = builder.Services;
        services.AddHttpContextAccessor();
        services.AddScoped<IOwnerTenantAccessor, HttpContextOwnerTenantAccessor>();

        var authentication = services.AddAuthentication(BearerScheme);
        authentication.AddPolicyScheme(BearerScheme, "Entra ID or development bearer token", options =>
            options.ForwardDefaultSelector = context => SelectScheme(context, entraConfigured, isDevelopment));

        if (entraConfigured)
        {
            authentication.AddMicrosoftIdentityWebApi(azureAd, EntraIdScheme);
            // Permissions are judged by our policies, so a valid token without scp/roles is a 403, not a 401.
            services.Configure<MicrosoftIdentityOptions>(EntraIdScheme, options => options.AllowWebApiToBeAuthorizedByACL = true);
            services.PostConfigure<JwtBearerOptions>(EntraIdScheme, options => options.MapInboundClaims = false);
            if (!isDevelopment)
            {
                services.PostConfigure<JwtBearerOptions>(EntraIdScheme, RefuseUserJwtsTokens);
            }
        }

        if (isDevelopment)
        {
            // REVIEW: done for development ease; never registered outside the Development environment.
            authentication.AddJwtBearer(UserJwtsScheme, options => ConfigureUserJwts(options, configuration.GetSection(UserJwtsSection)));
        }

        services.AddRequiredScopeOrAppPermissionAuthorization();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, GraphAuthorizationResultHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(GraphPermissions.ReadPolicy, policy => policy
                .RequireAuthenticatedUser()
                .AddRequirements(new OwnerTenantRequirement())
                .RequireScopeOrAppPermission(GraphPermissions.ReadScopes, GraphPermissions.ReadRoles))
            .AddPolicy(GraphPermissions.WritePolicy, policy => policy
                .RequireAuthenticatedUser()
                .AddRequirements(new OwnerTenantRequirement())
                .RequireScopeOrAppPermission(GraphPermissions.WriteScopes, GraphPermissions.WriteRoles));
        return builder;
    }

    private static string SelectScheme(HttpContext context, bool entraConfigured, bool isDevelopment)
    {
        if (!isDevelopment)
        {
            return EntraIdScheme;
        }

        if (!entraConfigured)
        {
            return UserJwtsScheme;
        }

        return IsUserJwtsToken(context) ? UserJwtsScheme : EntraIdScheme;
    }

    /// <summary>Whether the request's bearer token says it was issued by <c>dotnet user-jwts</c> (unvalidated).</summary>
    private static bool IsUserJwtsToken(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var handler = new JsonWebTokenHandler();
        var token = authorization[prefix.Length..].Trim();
        try
        {
            return handler.CanReadToken(token) && handler.ReadJsonWebToken(token).Issuer == UserJwtsIssuer;
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException)
        {
            // Three dots but no JWT (e.g. "not.a.jwt"): the scheme's own validation answers it with a 401.
            return false;
        }
    }

    /// <summary>
    /// Outside Development a <c>dotnet user-jwts</c> token can never be valid: it is refused as a token of a wrong
    /// issuer before Entra ID's signing keys are fetched for it.
    /// </summary>
    private static void RefuseUserJwtsTokens(JwtBearerOptions options)
    {
        options.Events ??= new JwtBearerEvents();
        var messageReceived = options.Events.OnMessageReceived;
        options.Events.OnMessageReceived = async context =>
        {
            await messageReceived(context);
            if (context.Result is null && IsUserJwtsToken(context.HttpContext))
            {
                context.Fail(new SecurityTokenInvalidIssuerException(
                    "Tokens of dotnet user-jwts are accepted in the Development environment only.") { InvalidIssuer = UserJwtsIssuer });
            }
        };
    }

    private static void ConfigureUserJwts(JwtBearerOptions options, IConfigurationSection section)
    {
        var issuer = section["ValidIssuer"] ?? UserJwtsIssuer;
        var signingKeys = new UserJwtsSigningKeys(section, issuer, UserJwtsSigningKeys.UserSecretsFileOf(typeof(GraphIdentityExtensions).Assembly));
        options.MapInboundClaims = false;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidAudiences = section.GetSection("ValidAudiences").Get<string[]>() ?? [],
            // Resolved per token, so a key that 'dotnet user-jwts create' makes after start-up is accepted at once.
            IssuerSigningKeyResolver = (_, _, _, _) => signingKeys.Current(),
        };
        options.Events = new JwtBearerEvents
        {
            // user-jwts writes 'scope' and 'role'; Entra ID writes 'scp' and 'roles'. The policies read Entra's names.
            OnTokenValidated = context =>
            {
                if (context.Principal?.Identity is ClaimsIdentity identity)
                {
                    foreach (var claim in identity.FindAll("scope").ToArray())
                    {
                        identity.AddClaim(new Claim("scp", claim.Value));
                    }

                    foreach (var claim in identity.FindAll("role").ToArray())
                    {
                        identity.AddClaim(new Claim("roles", claim.Value));
                    }
                }

                return Task.CompletedTask;
            },
        };
    }
}
