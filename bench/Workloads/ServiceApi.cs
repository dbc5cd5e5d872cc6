using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CredentialSummaries.Bench.Runner;

namespace CredentialSummaries.Bench.Workloads;

/// <summary>The service's API as the workloads call it: one owner's client, and the upsert every writer uses.</summary>
internal static class ServiceApi
{
    public const string Summaries = "/v1.0/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries";

    /// <summary>A client of one owner (the token's <c>tid</c>), with room for <paramref name="lanes"/> requests at once.</summary>
    public static HttpClient ClientFor(Uri baseAddress, string token, int lanes)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = lanes }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The counts of one summary, valid by the service's rules (every count at most <paramref name="total"/>).</summary>
    public static Dictionary<string, object?> Body(string name, int total, int mfa, int sspr, bool securityDefaults, string? policy, DateTime refreshed) => new()
    {
        ["tenantDisplayName"] = name,
        ["totalUserCount"] = total,
        ["mfaRegisteredUserCount"] = Math.Min(mfa, total),
        ["ssprRegisteredUserCount"] = Math.Min(sspr, total),
        ["ssprEnabledUserCount"] = Math.Min(sspr, total),
        ["mfaAndSsprCapableUserCount"] = Math.Min(mfa, sspr) / 2,
        ["securityDefaultsEnabled"] = securityDefaults,
        ["mfaConditionalAccessPolicyState"] = policy,
        ["lastRefreshedDateTime"] = refreshed.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
    };

    /// <summary><c>PATCH …(tenantId='…')</c> with <c>Prefer: create-if-missing</c>: creates or updates, with a snapshot.</summary>
    public static async Task UpsertAsync(HttpClient client, string tenantId, Dictionary<string, object?> body, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"{Summaries}(tenantId='{tenantId}')")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Prefer", "create-if-missing");
        using var response = await client.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new BenchException($"An upsert answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }
}
