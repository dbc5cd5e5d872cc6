using System.Linq.Expressions;
using System.Reflection;
using CredentialSummaries.Api.Persistence;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.OData;

namespace CredentialSummaries.Api.Query;

/// <summary>
/// A query the service cannot run is the client's 400, decided before the response starts: this tells such a
/// failure from a real fault (which stays a 500), finds the query option that caused it and says why, in words
/// without exception types, SQL or LINQ text.
/// </summary>
public static class QueryFaults
{
    /// <returns>The client's explanation when <paramref name="exception"/> was caused by the query; otherwise null.</returns>
    public static string? Explain(Exception exception)
    {
        var e = Unwrap(exception);
        return e switch
        {
            ODataException odata => odata.Message,
            // Thrown while binding the query to expressions (OData's binders, LINQ expression factories): the query's shape.
            ArgumentException or NotSupportedException or NotImplementedException or FormatException or OverflowException
                or InvalidCastException or DivideByZeroException => "it cannot be evaluated as written",
            _ => StoreQueryFaults.Explain(e),
        };
    }

    /// <summary>
    /// The option whose application fails, found by applying the options one at a time in OData's order
    /// ($apply, $filter, $search, $count, $orderby, $select) and running each step for one row. Runs only after a
    /// query has failed.
    /// </summary>
    public static string? Locate(IQueryable source, ODataQueryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = new ODataQuerySettings { TimeZone = TimeZoneInfo.Utc };
        var current = source;
        var steps = new List<(string Name, Func<IQueryable, IQueryable?>? Apply)>
        {
            ("$apply", options.Apply is { } apply ? q => apply.ApplyTo(q, settings) : null),
            ("$filter", options.Filter is { } filter ? q => { filter.Compute = options.Compute; return filter.ApplyTo(q, settings); } : null),
            ("$search", options.Search is { } search ? q => search.ApplyTo(q, settings) : null),
            ("$count", options.Count is { } count ? q => { _ = count.GetEntityCount(q); return q; } : null),
            ("$orderby", options.OrderBy is { } orderBy ? q => { orderBy.Compute = options.Compute; return orderBy.ApplyTo(q, settings); } : null),
            ("$select", options.SelectExpand is { } select ? q => select.ApplyTo(q, settings) : null),
        };
        foreach (var (name, step) in steps)
        {
            if (step is null)
            {
                continue;
            }

            try
            {
                current = step(current) ?? current;
                RunForOneRow(current);
            }
#pragma warning disable CA1031 // Any failure here points at the option being tried; the caller reports the original.
            catch (Exception)
#pragma warning restore CA1031
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>The 400's message: the option (or the options present) and why the query cannot run.</summary>
    public static string Describe(string? option, string reason, IEnumerable<string> presentOptions) =>
        option is not null
            ? $"Query option '{option}' cannot be run: {reason}."
            : $"The query ({string.Join(", ", presentOptions.Select(o => $"'{o}'"))}) cannot be run: {reason}.";

    private static void RunForOneRow(IQueryable query)
    {
        var take = Expression.Call(typeof(Queryable), nameof(Queryable.Take), [query.ElementType], query.Expression, Expression.Constant(1));
        foreach (var _ in query.Provider.CreateQuery(take))
        {
        }
    }

    private static Exception Unwrap(Exception exception)
    {
        var e = exception;
        while (e is TargetInvocationException or AggregateException && e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
