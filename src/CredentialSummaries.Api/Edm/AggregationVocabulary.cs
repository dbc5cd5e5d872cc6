using Microsoft.OData.Edm;
using Microsoft.OData.Edm.Vocabularies;

namespace CredentialSummaries.Api.Edm;

/// <summary>
/// The part of OASIS's Aggregation vocabulary (<c>Org.OData.Aggregation.V1</c>) the service uses: the term
/// <c>ApplySupported</c>, which says which <c>$apply</c> transformations a set answers. Microsoft.OData.Edm ships
/// Core, Capabilities and Authorization but not this one, so the term and its types are declared here as the
/// vocabulary defines them; a reader of <c>$metadata</c> resolves them from the referenced vocabulary document.
/// </summary>
public static class AggregationVocabulary
{
    public const string Namespace = "Org.OData.Aggregation.V1";

    public const string Alias = "Aggregation";

    /// <summary>The vocabulary's terms and types, for readers of <c>$metadata</c> that want them resolved too.</summary>
    public static IEdmModel Model { get; } = Build();

    public static IEdmTerm ApplySupported { get; } = Model.FindDeclaredTerm($"{Namespace}.ApplySupported");

    public static IEdmComplexType ApplySupportedType { get; } = (IEdmComplexType)Model.FindDeclaredType($"{Namespace}.ApplySupportedType");

    public static IEdmEnumType RollupType { get; } = (IEdmEnumType)Model.FindDeclaredType($"{Namespace}.RollupType");

    private static EdmModel Build()
    {
        var model = new EdmModel();
        var rollup = new EdmEnumType(Namespace, "RollupType");
        foreach (var (name, value) in new[] { ("None", 0L), ("SingleHierarchy", 1L), ("MultipleHierarchies", 2L) })
        {
            rollup.AddMember(name, new EdmEnumMemberValue(value));
        }

        var strings = EdmCoreModel.GetCollection(EdmCoreModel.Instance.GetString(isNullable: false));
        var baseType = new EdmComplexType(Namespace, "ApplySupportedBase", baseType: null, isAbstract: true);
        baseType.AddStructuralProperty("Transformations", strings);
        baseType.AddStructuralProperty("CustomAggregationMethods", strings);
        baseType.AddStructuralProperty("Rollup", new EdmEnumTypeReference(rollup, isNullable: false));
        var type = new EdmComplexType(Namespace, "ApplySupportedType", baseType);
        type.AddStructuralProperty("PropertyRestrictions", EdmCoreModel.Instance.GetBoolean(isNullable: false));
        type.AddStructuralProperty("GroupableProperties", EdmCoreModel.GetCollection(EdmCoreModel.Instance.GetPropertyPath(isNullable: false)));
        var aggregatable = new EdmComplexType(Namespace, "AggregatablePropertyType");
        aggregatable.AddStructuralProperty("Property", EdmCoreModel.Instance.GetPropertyPath(isNullable: false));
        aggregatable.AddStructuralProperty("SupportedAggregationMethods", strings);
        aggregatable.AddStructuralProperty("RecommendedAggregationMethod", EdmCoreModel.Instance.GetString(isNullable: true));
        type.AddStructuralProperty("AggregatableProperties", EdmCoreModel.GetCollection(new EdmComplexTypeReference(aggregatable, isNullable: false)));

        var term = new EdmTerm(Namespace, "ApplySupported", new EdmComplexTypeReference(type, isNullable: false), "EntitySet EntityType ComplexType");
        model.AddElements([rollup, baseType, type, aggregatable, term]);
        return model;
    }
}
