using CredentialSummaries.Api.Model;
using Microsoft.OData.Edm;
using Microsoft.OData.ModelBuilder;

namespace CredentialSummaries.Api.Edm;

/// <summary>
/// The EDM the service publishes at <c>$metadata</c>: Graph's abstract <c>microsoft.graph.entity</c> and
/// <c>microsoft.graph.managedTenants.credentialUserRegistrationsSummary</c> deriving from it, in one entity set.
/// </summary>
public static class GraphEdmModel
{
    public const string GraphNamespace = "microsoft.graph";
    public const string Namespace = "microsoft.graph.managedTenants";
    public const string ContainerName = "managedTenants";
    public const string EntitySetName = "credentialUserRegistrationsSummaries";
    public const string SummaryTypeName = "credentialUserRegistrationsSummary";
    public const string SummaryFullTypeName = Namespace + "." + SummaryTypeName;
    public const string DeltaFunctionName = "delta";

    public const string V1Prefix = "v1.0/tenantRelationships/managedTenants";
    public const string BetaPrefix = "beta/tenantRelationships/managedTenants";
    public const string SnapshotEntitySetName = "credentialUserRegistrationsSummarySnapshots";
    public const string SnapshotTypeName = "credentialUserRegistrationsSummarySnapshot";
    public const string CollectionStatusEntitySetName = "tenantCollectionStatuses";
    public const string CollectionStatusTypeName = "tenantCollectionStatus";

    /// <summary>The read-only sets: GET only, any write a 405 with <c>Allow: GET</c>.</summary>
    public static readonly IReadOnlyList<string> ReadOnlyEntitySetNames = [SnapshotEntitySetName, CollectionStatusEntitySetName];

    /// <summary>The service roots; both serve the same model and the same data, as Graph's v1.0 and beta do.</summary>
    public static readonly IReadOnlyList<string> RoutePrefixes = [V1Prefix, BetaPrefix];

    /// <summary>The alternate key (<c>Core.AlternateKeys</c>): <c>…/credentialUserRegistrationsSummaries(tenantId='{guid}')</c>.</summary>
    public const string TenantIdKey = "tenantId";

    public static IEdmModel Build()
    {
        var builder = new ODataConventionModelBuilder
        {
            Namespace = Namespace,
            ContainerName = ContainerName,
        };

        var entity = builder.EntityType<Entity>();
        entity.Namespace = GraphNamespace;
        entity.Name = "entity";
        entity.Abstract();
        entity.HasKey(e => e.Id);

        var summary = builder.EntitySet<CredentialUserRegistrationsSummary>(EntitySetName).EntityType;
        summary.Namespace = Namespace;
        summary.Name = SummaryTypeName;
        summary.DerivesFrom<Entity>();
        summary.Ignore(s => s.OwnerTenantId);
        summary.Ignore(s => s.ConcurrencyStamp);
        summary.Ignore(s => s.ChangeVersion);
        summary.Property(s => s.TenantId).IsRequired();
        summary.Property(s => s.TenantDisplayName).IsRequired();

        // Graph's delta query, in Graph's namespace as Graph declares it: …/credentialUserRegistrationsSummaries/delta().
        var delta = summary.Collection.Function(DeltaFunctionName);
        delta.Namespace = GraphNamespace;
        delta.ReturnsCollectionFromEntitySet<CredentialUserRegistrationsSummary>(EntitySetName);

        // The history (issue 11): a read-only set of every create's and update's counts, queried with $apply for trends.
        var snapshot = builder.EntitySet<CredentialUserRegistrationsSummarySnapshot>(SnapshotEntitySetName).EntityType;
        snapshot.Namespace = Namespace;
        snapshot.Name = SnapshotTypeName;
        snapshot.DerivesFrom<Entity>();
        snapshot.Ignore(s => s.OwnerTenantId);
        snapshot.Ignore(s => s.ChangeVersion);
        snapshot.Property(s => s.SummaryId).IsRequired();
        snapshot.Property(s => s.TenantId).IsRequired();
        snapshot.Property(s => s.TenantDisplayName).IsRequired();
        snapshot.Property(s => s.Month).IsRequired();

        // The built-in collector's last round per managed tenant (issue 20): read-only, keyed by the tenant's id.
        var status = builder.EntitySet<TenantCollectionStatus>(CollectionStatusEntitySetName).EntityType;
        status.Namespace = Namespace;
        status.Name = CollectionStatusTypeName;
        status.DerivesFrom<Entity>();
        status.Ignore(s => s.OwnerTenantId);
        status.Ignore(s => s.LeaseHolder);
        status.Ignore(s => s.LeaseExpiresDateTime);
        status.Property(s => s.TenantId).IsRequired();
        status.Property(s => s.LastOutcome).IsRequired();

        builder.EnableLowerCamelCase();

        var model = (EdmModel)builder.GetEdmModel();
        var summaryType = model.SchemaElements.OfType<IEdmEntityType>().Single(t => t.Name == SummaryTypeName);
        model.AddAlternateKeyAnnotation(summaryType, new Dictionary<string, IEdmProperty> { [TenantIdKey] = summaryType.FindProperty(TenantIdKey) }, true);
        CapabilitiesAnnotations.Apply(model);
        model.MarkAsImmutable();
        return model;
    }
}
