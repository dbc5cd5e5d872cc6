using System.Linq.Expressions;
using CredentialSummaries.Api.Model;
using Microsoft.AspNetCore.OData.Query.Expressions;
using Microsoft.OData;
using Microsoft.OData.UriParser;

namespace CredentialSummaries.Api.Query;

/// <summary>
/// <c>$search</c> as Graph reads it: each term (<c>$search="contoso"</c>, or Graph's property form
/// <c>"tenantDisplayName:contoso"</c>) matches summaries whose <c>tenantDisplayName</c> contains it, ignoring case;
/// AND, OR and NOT combine terms. Translates to SQL (<c>lower(TenantDisplayName)</c> containing the term).
/// </summary>
public sealed class TenantDisplayNameSearchBinder : QueryBinder, ISearchBinder
{
    private const string PropertyPrefix = "tenantDisplayName:";

    private static readonly System.Reflection.MethodInfo Contains = typeof(string).GetMethod(nameof(string.Contains), [typeof(string)])!;
    private static readonly System.Reflection.MethodInfo ToLower = typeof(string).GetMethod(nameof(string.ToLower), Type.EmptyTypes)!;

    public Expression BindSearch(SearchClause searchClause, QueryBinderContext context)
    {
        ArgumentNullException.ThrowIfNull(searchClause);
        ArgumentNullException.ThrowIfNull(context);
        return Expression.Lambda(BindSingleValueNode(searchClause.Expression, context), context.CurrentParameter);
    }

    public override Expression BindSingleValueNode(SingleValueNode node, QueryBinderContext context) => node switch
    {
        SearchTermNode term => BindTerm(term, context),
        BinaryOperatorNode { OperatorKind: BinaryOperatorKind.And } and =>
            Expression.AndAlso(BindSingleValueNode(and.Left, context), BindSingleValueNode(and.Right, context)),
        BinaryOperatorNode { OperatorKind: BinaryOperatorKind.Or } or =>
            Expression.OrElse(BindSingleValueNode(or.Left, context), BindSingleValueNode(or.Right, context)),
        UnaryOperatorNode { OperatorKind: UnaryOperatorKind.Not } not => Expression.Not(BindSingleValueNode(not.Operand, context)),
        _ => throw new NotSupportedException($"$search does not support '{node.Kind}'."),
    };

    private static MethodCallExpression BindTerm(SearchTermNode term, QueryBinderContext context)
    {
        var text = term.Text.StartsWith(PropertyPrefix, StringComparison.OrdinalIgnoreCase) ? term.Text[PropertyPrefix.Length..] : term.Text;
        if (context.CurrentParameter.Type != typeof(CredentialUserRegistrationsSummary))
        {
            // $search applies after $apply, whose rows are groups or aggregates without a tenantDisplayName.
            throw new ODataException("Query option '$search' cannot be combined with '$apply': the aggregated rows have no " +
                "tenantDisplayName to search; filter them in $apply instead, e.g. $apply=filter(contains(tenantDisplayName,'…'))/….");
        }

        var name = Expression.Property(context.CurrentParameter, nameof(CredentialUserRegistrationsSummary.TenantDisplayName));
        // A member of a closure object, not a constant, so that EF sends the term as a SQL parameter.
        var value = Expression.Property(Expression.Constant(new SearchTerm(text.ToLowerInvariant())), nameof(SearchTerm.Text));
        return Expression.Call(Expression.Call(name, ToLower), Contains, value);
    }

    private sealed record SearchTerm(string Text);
}
