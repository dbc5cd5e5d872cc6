using CredentialSummaries.Api.Edm;
using Microsoft.AspNetCore.OData.Routing.Conventions;
using Microsoft.AspNetCore.OData.Routing.Template;
using Microsoft.AspNetCore.OData.Extensions;
using Microsoft.OData.Edm;

namespace CredentialSummaries.Api.Controllers;

/// <summary>
/// Routes <c>…/credentialUserRegistrationsSummaries/{id}/{property}</c> and <c>…/{property}/$value</c>, for every
/// property of the type, to the one action named <see cref="ActionName"/>, instead of one action per property.
/// </summary>
public sealed class SummaryPropertyConvention : IODataControllerActionConvention
{
    public const string ActionName = "GetProperty";

    // Before OData's own property convention (400), which would look for Get{Property} actions.
    public int Order => 350;

    public bool AppliesToController(ODataControllerActionContext context) =>
        context?.EntitySet?.Name == GraphEdmModel.EntitySetName;

    public bool AppliesToAction(ODataControllerActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Action.ActionName != ActionName || context.EntitySet is not { } entitySet)
        {
            return false;
        }

        foreach (var property in entitySet.EntityType.StructuralProperties())
        {
            AddSelector(context, entitySet, property, dollarValue: false);
            AddSelector(context, entitySet, property, dollarValue: true);
        }

        return true;
    }

    private static void AddSelector(ODataControllerActionContext context, IEdmEntitySet entitySet, IEdmStructuralProperty property, bool dollarValue)
    {
        var segments = new List<ODataSegmentTemplate>
        {
            new EntitySetSegmentTemplate(entitySet),
            new KeySegmentTemplate(new Dictionary<string, string> { ["id"] = "{key}" }, entitySet.EntityType, entitySet),
            new PropertySegmentTemplate(property),
        };
        if (dollarValue)
        {
            segments.Add(new ValueSegmentTemplate(property.Type.Definition));
        }

        context.Action.AddSelector(HttpMethods.Get, context.Prefix, context.Model, new ODataPathTemplate(segments), context.Options?.RouteOptions);
    }
}
