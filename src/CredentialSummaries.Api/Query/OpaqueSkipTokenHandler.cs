using CredentialSummaries.Api.Identity;
using Microsoft.AspNetCore.OData.Formatter.Serialization;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OData;

namespace CredentialSummaries.Api.Query;

/// <summary>
/// OData's keyset <c>$skiptoken</c> (the last row's order values and key), sealed with ASP.NET Core Data Protection
/// (<see cref="SkipTokenProtector"/>) so that it is the opaque cursor the protocol says it is: clients cannot read
/// rows' values out of it, and a hand-made, altered or another tenant's token is a 400.
/// </summary>
public sealed class OpaqueSkipTokenHandler : DefaultSkipTokenHandler
{
    private const string SkipToken = "$skiptoken";

    public override Uri GenerateNextPageLink(Uri baseUri, int pageSize, object instance, ODataSerializerContext context)
    {
        var link = base.GenerateNextPageLink(baseUri, pageSize, instance, context);
        if (link is null || string.IsNullOrEmpty(link.Query))
        {
            return link!;
        }

        var protector = context.Request.HttpContext.RequestServices.GetRequiredService<SkipTokenProtector>();
        var owner = HttpContextOwnerTenantAccessor.FromPrincipal(context.Request.HttpContext.User);
        var query = QueryHelpers.ParseQuery(link.Query);
        var rebuilt = string.Join('&', query.SelectMany(pair => pair.Value.Select(value =>
        {
            var sealedValue = string.Equals(pair.Key, SkipToken, StringComparison.OrdinalIgnoreCase) || string.Equals(pair.Key, "skiptoken", StringComparison.OrdinalIgnoreCase)
                ? protector.Seal(owner, value ?? string.Empty)
                : value ?? string.Empty;
            return $"{Uri.EscapeDataString(pair.Key)}={Uri.EscapeDataString(sealedValue)}";
        })));
        return new UriBuilder(link) { Query = rebuilt }.Uri;
    }

    public override IQueryable<T> ApplyTo<T>(IQueryable<T> query, SkipTokenQueryOption skipTokenQueryOption, ODataQuerySettings querySettings, ODataQueryOptions queryOptions) =>
        base.ApplyTo(query, Unseal(skipTokenQueryOption, queryOptions), querySettings, queryOptions);

    public override IQueryable ApplyTo(IQueryable query, SkipTokenQueryOption skipTokenQueryOption, ODataQuerySettings querySettings, ODataQueryOptions queryOptions) =>
        base.ApplyTo(query, Unseal(skipTokenQueryOption, queryOptions), querySettings, queryOptions);

    private static SkipTokenQueryOption Unseal(SkipTokenQueryOption option, ODataQueryOptions queryOptions)
    {
        ArgumentNullException.ThrowIfNull(option);
        ArgumentNullException.ThrowIfNull(queryOptions);
        var http = queryOptions.Request.HttpContext;
        var owner = HttpContextOwnerTenantAccessor.FromPrincipal(http.User);
        return http.RequestServices.GetRequiredService<SkipTokenProtector>().TryUnseal(owner, option.RawValue) is { } raw
            ? new SkipTokenQueryOption(raw, option.Context)
            : throw new ODataException("The $skiptoken is not one this service issued for this caller; follow @odata.nextLink as it is.");
    }
}
