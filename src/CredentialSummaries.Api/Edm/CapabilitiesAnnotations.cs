using CredentialSummaries.Api.Identity;
using Microsoft.OData.Edm;
using Microsoft.OData.Edm.Csdl;
using Microsoft.OData.Edm.Vocabularies;
using Microsoft.OData.Edm.Vocabularies.V1;

namespace CredentialSummaries.Api.Edm;

/// <summary>
/// What the service does, said in <c>$metadata</c> with the standard vocabularies (Capabilities, Core,
/// Authorization, Aggregation), so that generators such as the OASIS odata-openapi converter describe exactly the calls it
/// answers: GET and POST on the set; GET, PATCH (never PUT) and DELETE on an item; the query options of a list;
/// <c>$batch</c>; and who may do each, from <see cref="GraphPermissions"/>.
/// </summary>
public static class CapabilitiesAnnotations
{
    private const string CapabilitiesNamespace = "Org.OData.Capabilities.V1";
    private const string CoreNamespace = "Org.OData.Core.V1";
    private const string AuthorizationNamespace = "Org.OData.Authorization.V1";

    /// <summary>Microsoft Entra ID with a user: the permissions are in the token's <c>scp</c> claim.</summary>
    public const string DelegatedScheme = "delegated";

    /// <summary>Microsoft Entra ID without a user (client credentials): the permissions are in the <c>roles</c> claim.</summary>
    public const string ApplicationScheme = "application";

    public static readonly IReadOnlyList<string> BatchFormats = ["application/json", "multipart/mixed"];

    private const string EntraAuthorizationUrl = "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize";
    private const string EntraTokenUrl = "https://login.microsoftonline.com/organizations/oauth2/v2.0/token";

    /// <summary>What each permission grants, as Graph's permissions reference words it (OAuth scopes need one).</summary>
    private static readonly Dictionary<string, string> PermissionDescriptions = new(StringComparer.Ordinal)
    {
        [GraphPermissions.ReportsReadAll] = "Read all usage reports",
        [GraphPermissions.ManagedTenantsReadAll] = "Read all managed tenant information",
        [GraphPermissions.ManagedTenantsReadWriteAll] = "Read and write all managed tenant information",
    };

    public static void Apply(EdmModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var container = model.EntityContainer;
        var summaries = container.FindEntitySet(GraphEdmModel.EntitySetName);
        var entity = (IEdmEntityType)model.FindDeclaredType($"{GraphEdmModel.GraphNamespace}.entity");
        var summary = (IEdmEntityType)model.FindDeclaredType(GraphEdmModel.SummaryFullTypeName);

        // CSDL asks a document to reference every vocabulary whose terms it uses; ODataLib writes none by itself.
        model.SetEdmReferences([
            Reference(CapabilitiesNamespace, "Capabilities"),
            Reference(CoreNamespace, "Core"),
            Reference(AuthorizationNamespace, "Auth"),
            Reference(AggregationVocabulary.Namespace, AggregationVocabulary.Alias),
        ]);

        var read = Permissions(GraphPermissions.ReadScopes, GraphPermissions.ReadRoles);
        var write = Permissions(GraphPermissions.WriteScopes, GraphPermissions.WriteRoles);

        Annotate(model, summaries, Capabilities("ReadRestrictions"), Record(
            ("Readable", True),
            ("Permissions", read),
            ("ReadByKeyRestrictions", Record(("Readable", True), ("Permissions", read)))));
        Annotate(model, summaries, Capabilities("InsertRestrictions"), Record(("Insertable", True), ("Permissions", write)));
        Annotate(model, summaries, Capabilities("UpdateRestrictions"), Record(
            ("Updatable", True),
            ("UpdateMethod", HttpMethod("PATCH")),
            ("Permissions", write)));
        Annotate(model, summaries, Capabilities("DeleteRestrictions"), Record(("Deletable", True), ("Permissions", write)));

        Annotate(model, summaries, Capabilities("FilterRestrictions"), Record(("Filterable", True)));
        Annotate(model, summaries, Capabilities("SortRestrictions"), Record(("Sortable", True)));
        Annotate(model, summaries, Capabilities("CountRestrictions"), Record(("Countable", True)));
        Annotate(model, summaries, Capabilities("SearchRestrictions"), Record(("Searchable", True)));
        Annotate(model, summaries, Capabilities("TopSupported"), True);
        Annotate(model, summaries, Capabilities("SkipSupported"), True);
        Annotate(model, summaries, Capabilities("SelectSupport"), Record(("Supported", True)));
        // Nothing to expand: the type has no navigation properties.
        Annotate(model, summaries, Capabilities("ExpandRestrictions"), Record(("Expandable", False)));

        var snapshots = container.FindEntitySet(GraphEdmModel.SnapshotEntitySetName);
        AnnotateReadOnly(model, snapshots, read);
        AnnotateReadOnly(model, container.FindEntitySet(GraphEdmModel.CollectionStatusEntitySetName), read);
        foreach (var set in new[] { summaries, snapshots })
        {
            Annotate(model, set, AggregationVocabulary.ApplySupported, ApplySupported());
        }

        Annotate(model, container, Capabilities("KeyAsSegmentSupported"), True);
        Annotate(model, container, Capabilities("BatchSupported"), True);
        Annotate(model, container, Capabilities("BatchSupport"), Record(
            ("Supported", True),
            ("SupportedFormats", new EdmCollectionExpression(BatchFormats.Select(Text)))));
        Annotate(model, container, Authorization("Authorizations"), new EdmCollectionExpression(
            OAuth("OAuth2AuthCode", DelegatedScheme,
                "Microsoft Entra ID, signed-in user (delegated permissions, the token's scp claim).",
                GraphPermissions.ReadScopes.Union(GraphPermissions.WriteScopes),
                ("AuthorizationUrl", Text(EntraAuthorizationUrl)), ("TokenUrl", Text(EntraTokenUrl))),
            OAuth("OAuth2ClientCredentials", ApplicationScheme,
                "Microsoft Entra ID, app-only (application permissions, the token's roles claim); "
                + "ask your own tenant's token endpoint in place of 'organizations'.",
                GraphPermissions.ReadRoles.Union(GraphPermissions.WriteRoles),
                ("TokenUrl", Text(EntraTokenUrl)))));
        // Every call but $metadata and the service document needs a token of either scheme; which permission each
        // call needs is in the restrictions above.
        Annotate(model, container, Authorization("SecuritySchemes"), new EdmCollectionExpression(
            Record(("Authorization", Text(DelegatedScheme)), ("RequiredScopes", new EdmCollectionExpression())),
            Record(("Authorization", Text(ApplicationScheme)), ("RequiredScopes", new EdmCollectionExpression()))));

        // A key never changes (a PATCH with another id is a 400): implied for keys, said for generators that read
        // only the annotation. The server generates an id when a create sends none.
        Annotate(model, entity.FindProperty("id"), Core("Immutable"), True);
        Annotate(model, entity.FindProperty("id"), Core("ComputedDefaultValue"), True);
        Annotate(model, summary.FindProperty("tenantId"), Core("Immutable"), True);
        // Stamped with the current time by a create or update that does not send it.
        Annotate(model, summary.FindProperty("lastRefreshedDateTime"), Core("ComputedDefaultValue"), True);
    }

    /// <summary>
    /// The history's set and the collector's statuses are read-only (GET only, with the read permissions) and take the
    /// list's query options but $search; the history's trends are <c>$apply</c>, said with Aggregation's term like the
    /// summaries'.
    /// </summary>
    private static void AnnotateReadOnly(EdmModel model, IEdmEntitySet snapshots, IEdmExpression read)
    {
        Annotate(model, snapshots, Capabilities("ReadRestrictions"), Record(
            ("Readable", True),
            ("Permissions", read),
            ("ReadByKeyRestrictions", Record(("Readable", True), ("Permissions", read)))));
        Annotate(model, snapshots, Capabilities("InsertRestrictions"), Record(("Insertable", False)));
        Annotate(model, snapshots, Capabilities("UpdateRestrictions"), Record(("Updatable", False)));
        Annotate(model, snapshots, Capabilities("DeleteRestrictions"), Record(("Deletable", False)));
        Annotate(model, snapshots, Capabilities("FilterRestrictions"), Record(("Filterable", True)));
        Annotate(model, snapshots, Capabilities("SortRestrictions"), Record(("Sortable", True)));
        Annotate(model, snapshots, Capabilities("CountRestrictions"), Record(("Countable", True)));
        Annotate(model, snapshots, Capabilities("SearchRestrictions"), Record(("Searchable", False)));
        Annotate(model, snapshots, Capabilities("TopSupported"), True);
        Annotate(model, snapshots, Capabilities("SkipSupported"), True);
        Annotate(model, snapshots, Capabilities("SelectSupport"), Record(("Supported", True)));
        Annotate(model, snapshots, Capabilities("ExpandRestrictions"), Record(("Expandable", False)));
    }

    /// <summary>
    /// The <c>$apply</c> transformations AspNetCoreOData answers, in SQL on both stores, and no more: <c>filter</c>,
    /// <c>groupby</c> (without rollup), <c>aggregate</c> with the standard methods, <c>compute</c>, chained with
    /// <c>/</c>. Any other (<c>topcount</c>, <c>orderby</c>, <c>concat</c> …) is a 400.
    /// </summary>
    public static readonly IReadOnlyList<string> ApplyTransformations = ["aggregate", "groupby", "filter", "compute"];

    private static EdmRecordExpression ApplySupported() => new(
        new EdmComplexTypeReference(AggregationVocabulary.ApplySupportedType, isNullable: false),
        new EdmPropertyConstructor("Transformations", new EdmCollectionExpression(ApplyTransformations.Select(Text))),
        new EdmPropertyConstructor("CustomAggregationMethods", new EdmCollectionExpression()),
        new EdmPropertyConstructor("Rollup", new EdmEnumMemberExpression(AggregationVocabulary.RollupType.Members.Single(m => m.Name == "None"))),
        // No restrictions: every property groups and aggregates. ODataLib's validator wants the lists said, empty.
        new EdmPropertyConstructor("PropertyRestrictions", False),
        new EdmPropertyConstructor("GroupableProperties", new EdmCollectionExpression()),
        new EdmPropertyConstructor("AggregatableProperties", new EdmCollectionExpression()));

    private static EdmReference Reference(string ns, string alias)
    {
        var reference = new EdmReference(new Uri($"https://oasis-tcs.github.io/odata-vocabularies/vocabularies/{ns}.xml"));
        reference.AddInclude(new EdmInclude(alias, ns));
        return reference;
    }

    private static EdmBooleanConstant True => new(true);

    private static EdmBooleanConstant False => new(false);

    private static EdmStringConstant Text(string value) => new(value);

    private static EdmRecordExpression Record(params (string Name, IEdmExpression Value)[] properties) =>
        new(properties.Select(p => new EdmPropertyConstructor(p.Name, p.Value)));

    /// <summary>Capabilities' PermissionType list: any one of the listed scopes of either scheme gives access.</summary>
    private static EdmCollectionExpression Permissions(IEnumerable<string> scopes, IEnumerable<string> roles) => new(
        Permission(DelegatedScheme, scopes),
        Permission(ApplicationScheme, roles));

    private static EdmRecordExpression Permission(string scheme, IEnumerable<string> scopes) => Record(
        ("SchemeName", Text(scheme)),
        ("Scopes", new EdmCollectionExpression(scopes.Select(scope => Record(("Scope", Text(scope)))))));

    /// <summary>An Authorization.Authorizations entry; its type must be named, the term's is abstract.</summary>
    private static EdmRecordExpression OAuth(
        string flow, string name, string description, IEnumerable<string> scopes,
        params (string Name, IEdmExpression Value)[] urls)
    {
        var type = (IEdmComplexType)AuthorizationVocabularyModel.Instance.FindDeclaredType($"{AuthorizationNamespace}.{flow}");
        // ODataLib's validator wants every property of these records, the nullable ones too: Grant and RefreshUrl
        // are given as null (not stated) rather than left out.
        var authorizationScopes = scopes.Select(scope => Record(
            ("Scope", Text(scope)),
            ("Grant", EdmNullExpression.Instance),
            ("Description", Text(PermissionDescriptions[scope]))));
        IEnumerable<(string Name, IEdmExpression Value)> properties =
        [
            ("Name", Text(name)),
            ("Description", Text(description)),
            ("Scopes", new EdmCollectionExpression(authorizationScopes)),
            ("RefreshUrl", EdmNullExpression.Instance),
            .. urls,
        ];
        return new EdmRecordExpression(
            new EdmComplexTypeReference(type, isNullable: false),
            properties.Select(p => new EdmPropertyConstructor(p.Name, p.Value)));
    }

    private static EdmEnumMemberExpression HttpMethod(string method)
    {
        var type = (IEdmEnumType)CapabilitiesVocabularyModel.Instance.FindDeclaredType($"{CapabilitiesNamespace}.HttpMethod");
        return new EdmEnumMemberExpression(type.Members.Single(m => m.Name == method));
    }

    private static IEdmTerm Capabilities(string name) => Term(CapabilitiesVocabularyModel.Instance, CapabilitiesNamespace, name);

    private static IEdmTerm Core(string name) => Term(CoreVocabularyModel.Instance, CoreNamespace, name);

    private static IEdmTerm Authorization(string name) => Term(AuthorizationVocabularyModel.Instance, AuthorizationNamespace, name);

    private static IEdmTerm Term(IEdmModel vocabulary, string ns, string name) =>
        vocabulary.FindDeclaredTerm($"{ns}.{name}")
        ?? throw new InvalidOperationException($"Microsoft.OData.Edm does not define the term '{ns}.{name}'.");

    /// <summary>Inline, so that each annotation reads next to what it describes.</summary>
    private static void Annotate(EdmModel model, IEdmVocabularyAnnotatable target, IEdmTerm term, IEdmExpression value)
    {
        var annotation = new EdmVocabularyAnnotation(target, term, value);
        annotation.SetSerializationLocation(model, EdmVocabularyAnnotationSerializationLocation.Inline);
        model.AddVocabularyAnnotation(annotation);
    }
}
