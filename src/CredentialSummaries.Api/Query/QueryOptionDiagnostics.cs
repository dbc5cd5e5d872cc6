using CredentialSummaries.Api.Edm;
using Microsoft.AspNetCore.OData.Extensions;
using Microsoft.OData;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;

namespace CredentialSummaries.Api.Query;

/// <summary>
/// Names the query option that made a query fail. OData's validation says what was wrong
/// ("incompatible types 'Edm.Int32' and 'Edm.String'") but not where; parsing each option on its own finds it.
/// Runs only for a query that has already failed.
/// </summary>
public static class QueryOptionDiagnostics
{
    public static string Explain(HttpRequest request, string message)
    {
        var model = request.GetModel();
        if (model?.EntityContainer.FindEntitySet(GraphEdmModel.EntitySetName) is not { } entitySet)
        {
            return message;
        }

        foreach (var (key, value) in request.Query)
        {
            var name = key.StartsWith('$') ? key : "$" + key;
            var failure = ParseAlone(model, entitySet, name.ToLowerInvariant(), value.ToString());
            if (failure is not null)
            {
                return $"Query option '{name}' is invalid: {failure}";
            }
        }

        return message;
    }

    private static string? ParseAlone(IEdmModel model, IEdmEntitySet entitySet, string name, string value)
    {
        var parser = new ODataQueryOptionParser(model, entitySet.EntityType, entitySet, new Dictionary<string, string?> { [name] = value })
        {
            Resolver = new ODataUriResolver { EnableCaseInsensitive = true },
        };
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
    }
}
