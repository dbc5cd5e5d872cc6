using Microsoft.AspNetCore.OData.Formatter;
using Microsoft.AspNetCore.OData.Formatter.Serialization;
using Microsoft.OData;
using Microsoft.OData.Edm;

namespace CredentialSummaries.Api.Graph;

/// <summary>
/// Writes <c>@odata.type</c> on every entity, as Graph does. ODataLib would write it only where the instance type
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
        }

        return resource!;
    }
}
