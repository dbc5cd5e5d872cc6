using CredentialSummaries.Api.Graph;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Identity.Web;
using Microsoft.IdentityModel.Tokens;

namespace CredentialSummaries.Api.Identity;

/// <summary>
/// Answers 401 and 403 with Graph error bodies that say what was wrong: no token, an expired or foreign token,
/// no <c>tid</c>, or which permissions the operation needs.
/// </summary>
public sealed class GraphAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler defaultHandler = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged)
        {
            await defaultHandler.HandleAsync(next, context, policy, authorizeResult);
            if (!context.Response.HasStarted)
            {
                await GraphError.Unauthorized(await ChallengeMessageAsync(context)).WriteAsync(context);
            }

            return;
        }

        if (authorizeResult.Forbidden)
        {
            await defaultHandler.HandleAsync(next, context, policy, authorizeResult);
            if (!context.Response.HasStarted)
            {
                await GraphError.Forbidden(ForbiddenMessage(authorizeResult.AuthorizationFailure)).WriteAsync(context);
            }

            return;
        }

        await defaultHandler.HandleAsync(next, context, policy, authorizeResult);
    }

    private static async Task<string> ChallengeMessageAsync(HttpContext context)
    {
        if (string.IsNullOrEmpty(context.Request.Headers.Authorization))
        {
            return "Access token is empty.";
        }

        // The handler caches its result per request, so this does not validate the token a second time.
        var failure = (await context.AuthenticateAsync()).Failure;
        return failure switch
        {
            SecurityTokenExpiredException or SecurityTokenNotYetValidException => "Access token has expired or is not yet valid.",
            SecurityTokenInvalidAudienceException => "Access token validation failure. Invalid audience.",
            SecurityTokenInvalidIssuerException => "Access token validation failure. Invalid issuer.",
            SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "Access token validation failure. Invalid signature.",
            _ => "Access token validation failure.",
        };
    }

    private static string ForbiddenMessage(AuthorizationFailure? failure)
    {
        var failed = failure?.FailedRequirements.ToArray() ?? [];
        if (failed.OfType<OwnerTenantRequirement>().Any())
        {
            return "The access token has no 'tid' claim holding a tenant id (GUID), so the calling tenant cannot be identified.";
        }

        var permission = failed.OfType<ScopeOrAppPermissionAuthorizationRequirement>().FirstOrDefault();
        if (permission is not null)
        {
            return "Missing permission. This operation requires one of the delegated scopes "
                + $"{Quote(permission.ScopeAllowedValues ?? [])} or one of the application roles {Quote(permission.AppPermissionAllowedValues ?? [])}.";
        }

        return "Insufficient privileges to complete the operation.";
    }

    private static string Quote(IEnumerable<string> values) => string.Join(", ", values.Select(v => $"'{v}'"));
}
