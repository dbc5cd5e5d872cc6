using CredentialSummaries.Api.Model;
using Microsoft.AspNetCore.OData.Query.Container;
using Microsoft.AspNetCore.OData.Query.Expressions;
using Microsoft.OData.Edm;
using System.Linq.Expressions;

namespace CredentialSummaries.Api.Query;

/// <summary>
/// Carries the concurrency stamp through <c>$select</c> projections, so that entities written with <c>$select</c>
/// still get their <c>@odata.etag</c>. The stamp is not an EDM property (Graph's type has none), so OData would
/// otherwise leave it out of the SQL projection; it rides along as an auto-selected value that is never serialized.
/// </summary>
public sealed class ConcurrencyStampSelectBinder(IFilterBinder filterBinder, IOrderByBinder orderByBinder)
    : SelectExpandBinder(filterBinder, orderByBinder)
{
    public const string StampName = nameof(CredentialUserRegistrationsSummary.ConcurrencyStamp);

    protected override void BindOrderByProperties(QueryBinderContext context, Expression source, IEdmStructuredType structuredType,
        IList<NamedPropertyExpression> includedProperties, bool isSelectedAll)
    {
        base.BindOrderByProperties(context, source, structuredType, includedProperties, isSelectedAll);
        if (source.Type == typeof(CredentialUserRegistrationsSummary))
        {
            includedProperties.Add(new NamedPropertyExpression(Expression.Constant(StampName), Expression.Property(source, StampName))
            {
                AutoSelected = true,
            });
        }
    }
}
