using System.Text.RegularExpressions;
using CredentialSummaries.Api.Edm;
using Microsoft.AspNetCore.OData.Extensions;
using Microsoft.OData;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;

namespace CredentialSummaries.Api.Query;

/// <summary>
/// Names the query option that made a query fail. OData's validation says what was wrong
/// ("incompatible types 'Edm.Int32' and 'Edm.String'") but not where; parsing each option on its own (with the
/// <c>$apply</c> and <c>$compute</c> it may refer to) finds it. Runs only for a query that has already failed.
/// Messages never carry .NET type names or ODataLib's internal error codes.
/// </summary>
public static partial class QueryOptionDiagnostics
{
    public static string Explain(HttpRequest request, string message)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = request.GetModel();
        // The set the request addresses (summaries or their snapshots); the summaries when routing named none.
        if ((request.ODataFeature().Path?.NavigationSource() as IEdmEntitySet ?? model?.EntityContainer.FindEntitySet(GraphEdmModel.EntitySetName))
            is not { } entitySet || model is null)
        {
            return Clean(message);
        }

        var options = request.Query
            .GroupBy(q => (q.Key.StartsWith('$') ? q.Key : "$" + q.Key).ToLowerInvariant())
            .ToDictionary(g => g.Key, g => g.First().Value.ToString());
        foreach (var (name, value) in options)
        {
            var failure = ParseAlone(model, entitySet, name, value, options);
            if (failure is not null)
            {
                return Clean($"Query option '{name}' is invalid: {failure}");
            }
        }

        return Clean(message);
    }

    /// <summary>A message without .NET type names (<c>Microsoft.OData.UriParser.…Node</c>) or internal error codes.</summary>
    public static string Clean(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var text = InternalError().Replace(message, "The expression combines operands that the operator does not accept.");
        return DotNetTypeName().Replace(text, "expression");
    }

    private static string? ParseAlone(IEdmModel model, IEdmEntitySet entitySet, string name, string value, Dictionary<string, string> all)
    {
        // $filter, $orderby and $select may refer to the names $apply and $compute introduce: parse those with them.
        var context = new Dictionary<string, string?> { [name] = value };
        foreach (var introducing in (string[])["$apply", "$compute"])
        {
            if (name != introducing && all.TryGetValue(introducing, out var text))
            {
                context[introducing] = text;
            }
        }

        var parser = new ODataQueryOptionParser(model, entitySet.EntityType, entitySet, context)
        {
            Resolver = new ODataUriResolver { EnableCaseInsensitive = true },
        };
        try
        {
            if (name is not "$apply" and not "$compute")
            {
                if (context.ContainsKey("$apply"))
                {
                    parser.ParseApply();
                }

                if (context.ContainsKey("$compute"))
                {
                    parser.ParseCompute();
                }
            }
        }
        catch (Exception ex) when (QueryFaults.Explain(ex) is not null)
        {
            // The introducing option is reported on its own turn.
            return null;
        }

        try
        {
            _ = name switch
            {
                "$filter" => parser.ParseFilter(),
                "$orderby" => parser.ParseOrderBy(),
                "$select" or "$expand" => parser.ParseSelectAndExpand(),
                "$top" => parser.ParseTop(),
                "$skip" => parser.ParseSkip(),
                "$count" => parser.ParseCount(),
                "$search" => parser.ParseSearch(),
                "$apply" => parser.ParseApply(),
                "$compute" => parser.ParseCompute(),
                _ => (object?)null,
            };
            return null;
        }
        catch (ODataException ex)
        {
            return ex.Message;
        }
        catch (Exception ex) when (QueryFaults.Explain(ex) is { } reason)
        {
            // ODataLib's parser and binder refuse some malformed expressions with other exceptions: an ArgumentException
            // for isof with a non-type, an OverflowException for a literal out of Edm.Decimal's range.
            return reason + ".";
        }
    }

    [GeneratedRegex(@"An internal error '[^']*' occurred\.")]
    private static partial Regex InternalError();

    [GeneratedRegex(@"\b(?:System|Microsoft)\.[\w.`+\[\],]*\w")]
    private static partial Regex DotNetTypeName();
}
