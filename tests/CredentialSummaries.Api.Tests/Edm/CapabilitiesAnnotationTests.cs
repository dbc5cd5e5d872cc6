using CredentialSummaries.Api.Identity;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.OData.Edm;
using Microsoft.OData.Edm.Validation;
using Microsoft.OData.Edm.Vocabularies;

namespace CredentialSummaries.Api.Tests.Edm;

/// <summary>
/// <c>$metadata</c> says what the service does in the standard vocabularies, so that generators emit exactly its
/// calls. Each annotation is read back through the EDM API from the CSDL XML and from the CSDL JSON a client fetches.
/// </summary>
public sealed class CapabilitiesAnnotationTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private const string Capabilities = "Org.OData.Capabilities.V1.";
    private const string Core = "Org.OData.Core.V1.";
    private const string Auth = "Org.OData.Authorization.V1.";
    private const string Aggregation = "Org.OData.Aggregation.V1.";
    private const string Delegated = "delegated";
    private const string Application = "application";

    private readonly HttpClient anonymous = factory.ClientFor(token: null);

    public static TheoryData<string> Formats => new() { "xml", "json" };

    [Fact]
    public async Task Annotated_csdl_xml_parses_and_validates_without_errors()
    {
        var model = await anonymous.ReadCsdlXmlAsync(GraphApi.V1Root);

        model.Validate(out IEnumerable<EdmError> errors).Should().BeTrue(string.Join("; ", errors));
        errors.Should().BeEmpty();
        model.GetEdmReferences().SelectMany(r => r.Includes).Select(i => (i.Namespace, i.Alias)).Should().BeEquivalentTo(
            [("Org.OData.Capabilities.V1", "Capabilities"), ("Org.OData.Core.V1", "Core"), ("Org.OData.Authorization.V1", "Auth"),
                ("Org.OData.Aggregation.V1", "Aggregation")],
            "a document references every vocabulary whose terms it uses");
    }

    /// <summary>
    /// Not validated: ODataLib's CSDL JSON reader reads an enum member as a plain string and a typed record as
    /// nullable, so its own validator then objects to what its writer wrote.
    /// </summary>
    [Fact]
    public async Task Annotated_csdl_json_parses()
    {
        var model = await anonymous.ReadCsdlJsonModelAsync(GraphApi.V1Root);

        model.EntityContainer.FindEntitySet("credentialUserRegistrationsSummaries").Should().NotBeNull();
        model.GetEdmReferences().SelectMany(r => r.Includes).Should().HaveCount(4);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Update_restrictions_allow_patch_only_with_the_write_permissions(string format)
    {
        var (model, set) = await ReadEntitySetAsync(format);

        var update = Annotation(model, set, Capabilities + "UpdateRestrictions");

        Bool(update, "Updatable").Should().BeTrue();
        EnumMembers(Field(update, "UpdateMethod"), Capabilities + "HttpMethod").Should().Equal(["PATCH"], "the service has no PUT");
        Permissions(update).Should().BeEquivalentTo(WritePermissions, o => o.WithStrictOrdering());
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Insert_and_delete_restrictions_allow_them_with_the_write_permissions(string format)
    {
        var (model, set) = await ReadEntitySetAsync(format);

        var insert = Annotation(model, set, Capabilities + "InsertRestrictions");
        var delete = Annotation(model, set, Capabilities + "DeleteRestrictions");

        Bool(insert, "Insertable").Should().BeTrue();
        Permissions(insert).Should().BeEquivalentTo(WritePermissions, o => o.WithStrictOrdering());
        Bool(delete, "Deletable").Should().BeTrue();
        Permissions(delete).Should().BeEquivalentTo(WritePermissions, o => o.WithStrictOrdering());
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Read_restrictions_give_the_read_permissions_to_lists_and_to_reads_by_key(string format)
    {
        var (model, set) = await ReadEntitySetAsync(format);

        var read = Annotation(model, set, Capabilities + "ReadRestrictions");
        var byKey = Field(read, "ReadByKeyRestrictions");

        Bool(read, "Readable").Should().BeTrue();
        Permissions(read).Should().BeEquivalentTo(ReadPermissions, o => o.WithStrictOrdering());
        Bool(byKey, "Readable").Should().BeTrue();
        Permissions(byKey).Should().BeEquivalentTo(ReadPermissions, o => o.WithStrictOrdering());
        Permissions(read)[Delegated].Should().Equal(GraphApi.ReportsRead, GraphApi.Read, GraphApi.ReadWrite);
        Permissions(read)[Application].Should().Equal(GraphApi.Read, GraphApi.ReadWrite);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Query_capabilities_support_filter_orderby_count_search_top_skip_and_select_but_not_expand(string format)
    {
        var (model, set) = await ReadEntitySetAsync(format);

        Bool(Annotation(model, set, Capabilities + "FilterRestrictions"), "Filterable").Should().BeTrue();
        Bool(Annotation(model, set, Capabilities + "SortRestrictions"), "Sortable").Should().BeTrue();
        Bool(Annotation(model, set, Capabilities + "CountRestrictions"), "Countable").Should().BeTrue();
        Bool(Annotation(model, set, Capabilities + "SearchRestrictions"), "Searchable").Should().BeTrue();
        Bool(Annotation(model, set, Capabilities + "SelectSupport"), "Supported").Should().BeTrue();
        Bool(Annotation(model, set, Capabilities + "TopSupported")).Should().BeTrue();
        Bool(Annotation(model, set, Capabilities + "SkipSupported")).Should().BeTrue();
        Bool(Annotation(model, set, Capabilities + "ExpandRestrictions"), "Expandable").Should().BeFalse("there is nothing to expand");
        set.EntityType.NavigationProperties().Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Container_declares_batch_in_json_and_multipart_and_key_as_segment_urls(string format)
    {
        var model = await ReadModelAsync(format);
        var container = model.EntityContainer;

        Bool(Annotation(model, container, Capabilities + "BatchSupported")).Should().BeTrue();
        var batch = Annotation(model, container, Capabilities + "BatchSupport");
        Bool(batch, "Supported").Should().BeTrue();
        Texts(Field(batch, "SupportedFormats")).Should().BeEquivalentTo("application/json", "multipart/mixed");
        Bool(Annotation(model, container, Capabilities + "KeyAsSegmentSupported")).Should().BeTrue();
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Container_declares_the_entra_oauth_schemes_that_the_permissions_name(string format)
    {
        var (model, set) = await ReadEntitySetAsync(format);
        var container = model.EntityContainer;

        var authorizations = Elements(Annotation(model, container, Auth + "Authorizations")).Cast<IEdmRecordExpression>()
            .ToDictionary(a => Text(Field(a, "Name")));
        var schemes = Elements(Annotation(model, container, Auth + "SecuritySchemes"))
            .Select(s => (Name: Text(Field(s, "Authorization")), Scopes: Texts(Field(s, "RequiredScopes"))))
            .ToList();

        authorizations.Keys.Should().BeEquivalentTo(Delegated, Application);
        var delegated = authorizations[Delegated];
        delegated.DeclaredType.FullName().Should().Be(Auth + "OAuth2AuthCode");
        Text(Field(delegated, "AuthorizationUrl")).Should().Be("https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize");
        Text(Field(delegated, "TokenUrl")).Should().Be("https://login.microsoftonline.com/organizations/oauth2/v2.0/token");
        Scopes(delegated).Should().Equal(GraphPermissions.ReadScopes.Union(GraphPermissions.WriteScopes));
        var application = authorizations[Application];
        application.DeclaredType.FullName().Should().Be(Auth + "OAuth2ClientCredentials");
        Text(Field(application, "TokenUrl")).Should().Be("https://login.microsoftonline.com/organizations/oauth2/v2.0/token");
        Scopes(application).Should().Equal(GraphPermissions.ReadRoles.Union(GraphPermissions.WriteRoles));
        foreach (var scope in authorizations.Values.SelectMany(a => Elements(Field(a, "Scopes"))))
        {
            Text(Field(scope, "Description")).Should().NotBeNullOrWhiteSpace();
        }

        schemes.Should().BeEquivalentTo([(Delegated, Array.Empty<string>()), (Application, Array.Empty<string>())],
            "any token of either scheme gets past authentication; the restrictions say which permission each call needs");
        foreach (var term in new[] { "ReadRestrictions", "InsertRestrictions", "UpdateRestrictions", "DeleteRestrictions" })
        {
            Permissions(Annotation(model, set, Capabilities + term)).Keys.Should().BeSubsetOf(authorizations.Keys, term);
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Id_and_tenantId_are_immutable_and_the_server_fills_in_id_and_lastRefreshedDateTime(string format)
    {
        var (model, set) = await ReadEntitySetAsync(format);
        var summary = set.EntityType;

        string[] CoreTerms(string property) => model.FindVocabularyAnnotations(summary.FindProperty(property))
            .Where(a => a.Term.Namespace + "." == Core)
            .Select(a => a.Term.Name + "=" + ((IEdmBooleanConstantExpression)a.Value).Value)
            .ToArray();

        CoreTerms("id").Should().BeEquivalentTo("Immutable=True", "ComputedDefaultValue=True");
        CoreTerms("tenantId").Should().BeEquivalentTo("Immutable=True");
        CoreTerms("lastRefreshedDateTime").Should().BeEquivalentTo("ComputedDefaultValue=True");
        foreach (var property in summary.StructuralProperties().Select(p => p.Name).Except(["id", "tenantId", "lastRefreshedDateTime"]))
        {
            CoreTerms(property).Should().BeEmpty($"{property} is the client's to set and to change");
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Both_entity_sets_declare_apply_supported_with_filter_groupby_aggregate_and_compute_and_no_rollup(string format)
    {
        var model = await ReadModelAsync(format);

        foreach (var name in new[] { "credentialUserRegistrationsSummaries", "credentialUserRegistrationsSummarySnapshots" })
        {
            var apply = Annotation(model, model.EntityContainer.FindEntitySet(name), Aggregation + "ApplySupported");

            Texts(Field(apply, "Transformations")).Should().Equal(["aggregate", "groupby", "filter", "compute"], name);
            Elements(Field(apply, "CustomAggregationMethods")).Should().BeEmpty(name);
            EnumMembers(Field(apply, "Rollup"), Aggregation + "RollupType").Should().Equal(["None"], name);
            Bool(apply, "PropertyRestrictions").Should().BeFalse("every property may be grouped and aggregated");
        }
    }

    private static Dictionary<string, IReadOnlyList<string>> ReadPermissions => new()
    {
        [Delegated] = GraphPermissions.ReadScopes,
        [Application] = GraphPermissions.ReadRoles,
    };

    private static Dictionary<string, IReadOnlyList<string>> WritePermissions => new()
    {
        [Delegated] = GraphPermissions.WriteScopes,
        [Application] = GraphPermissions.WriteRoles,
    };

    private Task<IEdmModel> ReadModelAsync(string format) => format == "json"
        ? anonymous.ReadCsdlJsonModelAsync(GraphApi.V1Root)
        : anonymous.ReadCsdlXmlAsync(GraphApi.V1Root);

    private async Task<(IEdmModel Model, IEdmEntitySet Set)> ReadEntitySetAsync(string format)
    {
        var model = await ReadModelAsync(format);
        return (model, model.EntityContainer.FindEntitySet("credentialUserRegistrationsSummaries"));
    }

    private static IEdmExpression Annotation(IEdmModel model, IEdmVocabularyAnnotatable target, string term) =>
        model.FindVocabularyAnnotations(target).Where(a => a.Term.FullName() == term)
            .Should().ContainSingle(term).Subject.Value;

    private static IEdmExpression Field(IEdmExpression record, string name) =>
        record.Should().BeAssignableTo<IEdmRecordExpression>().Subject.Properties
            .Where(p => p.Name == name).Should().ContainSingle(name).Subject.Value;

    private static bool Bool(IEdmExpression value) => value.Should().BeAssignableTo<IEdmBooleanConstantExpression>().Subject.Value;

    private static bool Bool(IEdmExpression record, string name) => Bool(Field(record, name));

    private static string Text(IEdmExpression value) => value.Should().BeAssignableTo<IEdmStringConstantExpression>().Subject.Value;

    private static IEnumerable<IEdmExpression> Elements(IEdmExpression collection) =>
        collection.Should().BeAssignableTo<IEdmCollectionExpression>().Subject.Elements;

    /// <summary>
    /// The members an enum value names: an enum member expression from CSDL XML; from CSDL JSON, which writes enum
    /// values as strings (<c>"PATCH"</c>, flags as <c>"GET,PATCH"</c>), ODataLib's reader keeps the string.
    /// </summary>
    private static string[] EnumMembers(IEdmExpression value, string enumType)
    {
        if (value is IEdmEnumMemberExpression members)
        {
            members.EnumMembers.Select(m => m.DeclaringType.FullName()).Should().AllBe(enumType);
            return members.EnumMembers.Select(m => m.Name).ToArray();
        }

        return Text(value).Split(',');
    }

    private static string[] Texts(IEdmExpression collection) => Elements(collection).Select(Text).ToArray();

    private static string[] Scopes(IEdmExpression authorization) =>
        Elements(Field(authorization, "Scopes")).Select(s => Text(Field(s, "Scope"))).ToArray();

    /// <summary>A restriction's Permissions as scheme name → scopes, in the order written.</summary>
    private static Dictionary<string, IReadOnlyList<string>> Permissions(IEdmExpression restrictions) =>
        Elements(Field(restrictions, "Permissions")).ToDictionary(
            p => Text(Field(p, "SchemeName")),
            p => (IReadOnlyList<string>)Elements(Field(p, "Scopes")).Select(s => Text(Field(s, "Scope"))).ToList());
}
