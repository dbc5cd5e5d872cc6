using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace CredentialSummaries.Api.Identity;

/// <summary>The managing tenant the current request acts for, from the token's <c>tid</c> claim.</summary>
public interface IOwnerTenantAccessor
{
    /// <summary>The caller's tenant id as a lowercase GUID, or null when the request carries no usable <c>tid</c>.</summary>
    string? OwnerTenantId { get; }
}

public sealed class HttpContextOwnerTenantAccessor(IHttpContextAccessor httpContextAccessor) : IOwnerTenantAccessor
{
    public string? OwnerTenantId => FromPrincipal(httpContextAccessor.HttpContext?.User);

    public static string? FromPrincipal(ClaimsPrincipal? user)
    {
        var tid = user?.FindFirst(GraphPermissions.TenantIdClaim)?.Value;
        return Guid.TryParse(tid, out var tenant) ? tenant.ToString("D") : null;
    }
}

/// <summary>
/// The caller's token names its tenant: a <c>tid</c> claim holding a GUID. Without one the request has no owner, so it
/// is refused (403) before it reaches the store.
/// </summary>
public sealed class OwnerTenantRequirement : AuthorizationHandler<OwnerTenantRequirement>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, OwnerTenantRequirement requirement)
    {
        if (HttpContextOwnerTenantAccessor.FromPrincipal(context.User) is not null)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
