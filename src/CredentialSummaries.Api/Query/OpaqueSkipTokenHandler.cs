using System.Buffers.Text;
using System.Text;
using Microsoft.AspNetCore.OData.Formatter.Serialization;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OData;

namespace CredentialSummaries.Api.Query;

/// <summary>
/// OData's keyset <c>$skiptoken</c> (the last row's order values and key), sealed in base64url so that clients treat
/// it as the opaque cursor the protocol says it is, and cannot read rows' values out of it or hand-craft one.
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

        var query = QueryHelpers.ParseQuery(link.Query);
        var rebuilt = string.Join('&', query.SelectMany(pair => pair.Value.Select(value =>
        {
            var sealedValue = string.Equals(pair.Key, SkipToken, StringComparison.OrdinalIgnoreCase) || string.Equals(pair.Key, "skiptoken", StringComparison.OrdinalIgnoreCase)
                ? Base64Url.EncodeToString(Encoding.UTF8.GetBytes(value ?? string.Empty))
                : value ?? string.Empty;
            return $"{Uri.EscapeDataString(pair.Key)}={Uri.EscapeDataString(sealedValue)}";
        })));
        return new UriBuilder(link) { Query = rebuilt }.Uri;
    }

    public override IQueryable<T> ApplyTo<T>(IQueryable<T> query, SkipTokenQueryOption skipTokenQueryOption, ODataQuerySettings querySettings, ODataQueryOptions queryOptions) =>
        base.ApplyTo(query, Unseal(skipTokenQueryOption), querySettings, queryOptions);

    public override IQueryable ApplyTo(IQueryable query, SkipTokenQueryOption skipTokenQueryOption, ODataQuerySettings querySettings, ODataQueryOptions queryOptions) =>
        base.ApplyTo(query, Unseal(skipTokenQueryOption), querySettings, queryOptions);

    private static SkipTokenQueryOption Unseal(SkipTokenQueryOption option)
    {
        ArgumentNullException.ThrowIfNull(option);
        try
        {
            return new SkipTokenQueryOption(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(option.RawValue)), option.Context);
        }
        catch (FormatException)
        {
            throw new ODataException("The $skiptoken is not one this service issued; follow @odata.nextLink as it is.");
        }
    }
}
