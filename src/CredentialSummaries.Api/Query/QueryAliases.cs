using Microsoft.AspNetCore.OData.Query;
using Microsoft.OData;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser.Aggregation;

namespace CredentialSummaries.Api.Query;

/// <summary>
/// The names that <c>$apply</c> (aggregate, compute) and <c>$compute</c> introduce must be new: OData says an alias
/// must not collide with a property of the type or with another alias. ODataLib does not check it, and a colliding
/// alias either breaks the query's binding or is written with the property's type, mid-response.
/// </summary>
public static class QueryAliases
{
    /// <exception cref="ODataException">An alias collides; the message names the option and the alias.</exception>
    public static void Validate(ODataQueryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var type = options.Context.ElementType as IEdmStructuredType;
        var properties = new HashSet<string>(
            type?.StructuralProperties().Select(p => p.Name) ?? [], StringComparer.OrdinalIgnoreCase);

        if (options.Apply?.ApplyClause is { } apply)
        {
            Check("$apply", apply.Transformations.SelectMany(AliasesOf), properties);
        }

        if (options.Compute?.ComputeClause is { } compute)
        {
            Check("$compute", compute.ComputedItems.Select(c => c.Alias), properties);
        }
    }

    private static void Check(string option, IEnumerable<string> aliases, HashSet<string> properties)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var alias in aliases)
        {
            if (properties.Contains(alias))
            {
                throw new ODataException(
                    $"Query option '{option}' is invalid: the alias '{alias}' is the name of a property; give the result a name of its own.");
            }

            if (!seen.Add(alias))
            {
                throw new ODataException($"Query option '{option}' is invalid: the alias '{alias}' is used more than once.");
            }
        }
    }

    private static IEnumerable<string> AliasesOf(TransformationNode node) => node switch
    {
        AggregateTransformationNode aggregate => aggregate.AggregateExpressions.SelectMany(AliasesOf),
        GroupByTransformationNode groupBy => groupBy.ChildTransformations is { } child ? AliasesOf(child) : [],
        ComputeTransformationNode compute => compute.Expressions.Select(e => e.Alias),
        _ => [],
    };

    private static IEnumerable<string> AliasesOf(AggregateExpressionBase expression) => expression switch
    {
        // An aggregate of a related collection carries nested aggregates; their aliases count too.
        EntitySetAggregateExpression set => [set.Alias, .. set.Children.SelectMany(AliasesOf)],
        _ => [expression.Alias],
    };
}
