using System.Collections.Concurrent;
using CredentialSummaries.Api.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace CredentialSummaries.Api.Persistence;

/// <summary>
/// The one UPDATE a PATCH sends, made once per store from its EF Core model (table, column names, quoting, value
/// converters): every column but the key, where the owner, the id and the stamp that was read match. It goes
/// through EF Core's raw SQL (logging, interceptors, the current transaction of a change set) without its change
/// tracker.
/// </summary>
internal sealed class SummaryUpdate
{
    private static readonly ConcurrentDictionary<Type, SummaryUpdate> ByContextType = new();

    private readonly IProperty[] columns;

    private SummaryUpdate(IEntityType entity, ISqlGenerationHelper sql)
    {
        var key = entity.FindPrimaryKey()!.Properties;
        columns = [.. entity.GetProperties().Where(p => !key.Contains(p))];
        var table = new ModelTable(entity, sql);
        var assignments = columns.Select((property, i) => $"{table.Column(property)} = {{{i}}}");
        Sql = $"UPDATE {table.Name} SET {string.Join(", ", assignments)} " +
            $"WHERE {table[nameof(CredentialUserRegistrationsSummary.OwnerTenantId)]} = {{{columns.Length}}} AND {table[nameof(Entity.Id)]} = {{{columns.Length + 1}}} " +
            $"AND {table[nameof(CredentialUserRegistrationsSummary.ConcurrencyStamp)]} = {{{columns.Length + 2}}}";
    }

    /// <summary>The statement, with EF Core's <c>{n}</c> placeholders: the columns in order, then owner, id and the stamp read.</summary>
    public string Sql { get; }

    public static SummaryUpdate For(SummariesDbContext db) =>
        ByContextType.GetOrAdd(db.GetType(), static (_, context) => new SummaryUpdate(
            context.Model.FindEntityType(typeof(CredentialUserRegistrationsSummary))!, context.GetService<ISqlGenerationHelper>()), db);

    /// <summary>
    /// The values for <see cref="Sql"/>, as EF Core would store them (<see cref="ModelTable.ProviderValue"/>).
    /// </summary>
    public object[] Parameters(CredentialUserRegistrationsSummary summary, string owner, string readStamp)
    {
        var values = new object[columns.Length + 3];
        for (var i = 0; i < columns.Length; i++)
        {
            values[i] = ModelTable.ProviderValue(columns[i], summary);
        }

        values[columns.Length] = owner;
        values[columns.Length + 1] = summary.Id;
        values[columns.Length + 2] = readStamp;
        return values;
    }
}
