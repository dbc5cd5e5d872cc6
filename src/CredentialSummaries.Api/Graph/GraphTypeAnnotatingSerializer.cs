using CredentialSummaries.Api.Query;
using CredentialSummaries.Api.Model;
using Microsoft.AspNetCore.OData.Formatter;
using Microsoft.AspNetCore.OData.Formatter.Serialization;
using Microsoft.OData;
using Microsoft.OData.Edm;

namespace CredentialSummaries.Api.Graph;

/// <summary>
/// Writes <c>@odata.type</c> (and <c>@odata.etag</c>) on every entity, as Graph does. ODataLib would write it only where the instance type
/// differs from the entity set's type; Graph clients (and their generated deserializers) rely on it always.
/// </summary>
public sealed class GraphTypeAnnotatingSerializer(IODataSerializerProvider serializerProvider)
    : ODataResourceSerializer(serializerProvider)
{
    public override ODataResource CreateResource(SelectExpandNode selectExpandNode, ResourceContext resourceContext)
    {
        ArgumentNullException.ThrowIfNull(resourceContext);
        var resource = base.CreateResource(selectExpandNode, resourceContext);
        if (resource is not null && resourceContext.StructuredType is IEdmEntityType entityType)
        {
            resource.TypeAnnotation = new ODataTypeAnnotation(entityType.FullTypeName());
            if (ConcurrencyStampOf(resourceContext) is { } stamp)
            {
                resource.ETag = EntityTags.Format(stamp);
            }

            // Full metadata spells out ids and edit links: in Graph's key-as-segment form, like every other link.
            if (resourceContext.SerializerContext.MetadataLevel == ODataMetadataLevel.Full
                && resourceContext.EdmObject.TryGetPropertyValue("id", out var id) && id is string key)
            {
                var link = new Uri(EntityResult.EntityLink(resourceContext.Request, key));
                resource.Id = link;
                resource.EditLink = link;
                resource.ReadLink = link;
            }
        }

        return resource!;
    }

    // A $select projection carries the stamp in its property container (ConcurrencyStampSelectBinder); a whole
    // entity carries it on the instance.
    private static string? ConcurrencyStampOf(ResourceContext resourceContext) =>
        resourceContext.EdmObject.TryGetPropertyValue(ConcurrencyStampSelectBinder.StampName, out var value) && value is string stamp
            ? stamp
            : (resourceContext.ResourceInstance as CredentialUserRegistrationsSummary)?.ConcurrencyStamp;
}
