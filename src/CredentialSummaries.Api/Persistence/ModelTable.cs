using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace CredentialSummaries.Api.Persistence;

/// <summary>
/// An entity type's table and column names as the store spells them (delimited), and its values as the store keeps
/// them (through each column's value converter): what the raw SQL the service builds from its EF Core model needs.
/// </summary>
internal sealed class ModelTable(IEntityType entity, ISqlGenerationHelper sql)
{
    private readonly StoreObjectIdentifier table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());

    public string Name => sql.DelimitIdentifier(table.Name, table.Schema);

    public string this[string property] => Column(entity.FindProperty(property)!);

    public string Column(IProperty property) => sql.DelimitIdentifier(property.GetColumnName(table)!);

    /// <summary>
    /// The value of <paramref name="property"/> on <paramref name="entity"/> as EF Core would store it. A null is a
    /// null element, which EF Core's raw SQL sends as a NULL parameter (its signature just does not say so).
    /// </summary>
    public static object ProviderValue(IProperty property, object entity)
    {
        var value = property.GetGetter().GetClrValue(entity);
        return (property.GetValueConverter() is { } converter ? converter.ConvertToProvider(value) : value)!;
    }
}
