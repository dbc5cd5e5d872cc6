using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Graph.Models;

namespace CredentialSummaries.Api.Collection;

/// <summary>A managed tenant to collect, with the name configuration or GDAP gave it (null when neither did).</summary>
public sealed record ManagedTenant(string TenantId, string? DisplayName);

/// <summary>
/// Which tenants a round collects: those of <c>Collection:Tenants</c> and, with <c>Collection:DiscoverTenants=true</c>,
/// the managing tenant's GDAP customers (<c>GET /tenantRelationships/delegatedAdminCustomers</c>, signed in to the
/// managing tenant itself). A tenant named both ways is collected once; the configured name wins.
/// </summary>
public sealed class TenantSource(IOptions<CollectionOptions> options, TenantGraphClients clients)
{
    public async Task<IReadOnlyList<ManagedTenant>> GetAsync(CancellationToken cancellationToken)
    {
        var tenants = new Dictionary<string, ManagedTenant>(StringComparer.Ordinal);
        foreach (var tenant in options.Value.Tenants)
        {
            var id = Guid.Parse(tenant.TenantId).ToString("D");
            tenants.TryAdd(id, new ManagedTenant(id, string.IsNullOrWhiteSpace(tenant.DisplayName) ? null : tenant.DisplayName));
        }

        if (options.Value.DiscoverTenants)
        {
            var graph = clients.For(Guid.Parse(options.Value.OwnerTenantId!).ToString("D"));
            var first = await graph.TenantRelationships.DelegatedAdminCustomers.GetAsync(cancellationToken: cancellationToken);
            if (first is not null)
            {
                var pages = PageIterator<DelegatedAdminCustomer, DelegatedAdminCustomerCollectionResponse>.CreatePageIterator(graph, first, customer =>
                {
                    if (Guid.TryParse(customer.TenantId ?? customer.Id, out var id))
                    {
                        tenants.TryAdd(id.ToString("D"), new ManagedTenant(id.ToString("D"), customer.DisplayName));
                    }

                    return true;
                });
                await pages.IterateAsync(cancellationToken);
            }
        }

        return [.. tenants.Values];
    }
}
