using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Abstractions.Serialization;

namespace CredentialSummaries.Api.Tests.Clients;

/// <summary>
/// <c>microsoft.graph.managedTenants.credentialUserRegistrationsSummary</c> as a Kiota-generated Graph model would
/// be: Microsoft.Graph 6.x (v1.0) has no managedTenants models, so a caller writes this much to use the SDK's
/// request adapter with the resource. Null properties are not written, so a PATCH body carries what was set.
/// </summary>
public sealed class CredentialUserRegistrationsSummary : IParsable, IAdditionalDataHolder
{
    public const string TypeName = "#microsoft.graph.managedTenants.credentialUserRegistrationsSummary";

    public IDictionary<string, object> AdditionalData { get; set; } = new Dictionary<string, object>();

    public string? OdataType { get; set; } = TypeName;
    public string? Id { get; set; }
    public string? TenantId { get; set; }
    public string? TenantDisplayName { get; set; }
    public string? TenantLicenseType { get; set; }
    public int? MfaAndSsprCapableUserCount { get; set; }
    public int? SsprEnabledUserCount { get; set; }
    public int? MfaRegisteredUserCount { get; set; }
    public int? SsprRegisteredUserCount { get; set; }
    public int? MfaExcludedUserCount { get; set; }
    public int? TotalUserCount { get; set; }
    public bool? SecurityDefaultsEnabled { get; set; }
    public string? MfaConditionalAccessPolicyState { get; set; }
    public DateTimeOffset? LastRefreshedDateTime { get; set; }

    public static CredentialUserRegistrationsSummary CreateFromDiscriminatorValue(IParseNode parseNode)
    {
        ArgumentNullException.ThrowIfNull(parseNode);
        return new CredentialUserRegistrationsSummary();
    }

    public IDictionary<string, Action<IParseNode>> GetFieldDeserializers() => new Dictionary<string, Action<IParseNode>>
    {
        ["@odata.type"] = n => OdataType = n.GetStringValue(),
        ["id"] = n => Id = n.GetStringValue(),
        ["tenantId"] = n => TenantId = n.GetStringValue(),
        ["tenantDisplayName"] = n => TenantDisplayName = n.GetStringValue(),
        ["tenantLicenseType"] = n => TenantLicenseType = n.GetStringValue(),
        ["mfaAndSsprCapableUserCount"] = n => MfaAndSsprCapableUserCount = n.GetIntValue(),
        ["ssprEnabledUserCount"] = n => SsprEnabledUserCount = n.GetIntValue(),
        ["mfaRegisteredUserCount"] = n => MfaRegisteredUserCount = n.GetIntValue(),
        ["ssprRegisteredUserCount"] = n => SsprRegisteredUserCount = n.GetIntValue(),
        ["mfaExcludedUserCount"] = n => MfaExcludedUserCount = n.GetIntValue(),
        ["totalUserCount"] = n => TotalUserCount = n.GetIntValue(),
        ["securityDefaultsEnabled"] = n => SecurityDefaultsEnabled = n.GetBoolValue(),
        ["mfaConditionalAccessPolicyState"] = n => MfaConditionalAccessPolicyState = n.GetStringValue(),
        ["lastRefreshedDateTime"] = n => LastRefreshedDateTime = n.GetDateTimeOffsetValue(),
    };

    public void Serialize(ISerializationWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue("@odata.type", OdataType);
        writer.WriteStringValue("id", Id);
        writer.WriteStringValue("tenantId", TenantId);
        writer.WriteStringValue("tenantDisplayName", TenantDisplayName);
        writer.WriteStringValue("tenantLicenseType", TenantLicenseType);
        writer.WriteIntValue("mfaAndSsprCapableUserCount", MfaAndSsprCapableUserCount);
        writer.WriteIntValue("ssprEnabledUserCount", SsprEnabledUserCount);
        writer.WriteIntValue("mfaRegisteredUserCount", MfaRegisteredUserCount);
        writer.WriteIntValue("ssprRegisteredUserCount", SsprRegisteredUserCount);
        writer.WriteIntValue("mfaExcludedUserCount", MfaExcludedUserCount);
        writer.WriteIntValue("totalUserCount", TotalUserCount);
        writer.WriteBoolValue("securityDefaultsEnabled", SecurityDefaultsEnabled);
        writer.WriteStringValue("mfaConditionalAccessPolicyState", MfaConditionalAccessPolicyState);
        writer.WriteDateTimeOffsetValue("lastRefreshedDateTime", LastRefreshedDateTime);
        writer.WriteAdditionalData(AdditionalData);
    }
}

/// <summary>A page of summaries as Graph's generated collection responses are: <c>value</c> and <c>@odata.nextLink</c>.</summary>
public sealed class CredentialUserRegistrationsSummaryCollectionResponse : BaseCollectionPaginationCountResponse
{
    public List<CredentialUserRegistrationsSummary>? Value { get; set; }

    public static new CredentialUserRegistrationsSummaryCollectionResponse CreateFromDiscriminatorValue(IParseNode parseNode)
    {
        ArgumentNullException.ThrowIfNull(parseNode);
        return new CredentialUserRegistrationsSummaryCollectionResponse();
    }

    public override IDictionary<string, Action<IParseNode>> GetFieldDeserializers() =>
        new Dictionary<string, Action<IParseNode>>(base.GetFieldDeserializers())
        {
            ["value"] = n => Value = n.GetCollectionOfObjectValues(CredentialUserRegistrationsSummary.CreateFromDiscriminatorValue)?.ToList(),
        };

    public override void Serialize(ISerializationWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        base.Serialize(writer);
        writer.WriteCollectionOfObjectValues("value", Value);
    }
}

/// <summary>
/// A page of a delta round as Graph's generated delta responses are (<see cref="BaseDeltaFunctionResponse"/>:
/// <c>@odata.nextLink</c> or <c>@odata.deltaLink</c>); a deleted summary comes as an entry whose
/// <see cref="CredentialUserRegistrationsSummary.AdditionalData"/> holds <c>@removed</c>, as with Graph's users/delta.
/// </summary>
public sealed class CredentialUserRegistrationsSummaryDeltaResponse : BaseDeltaFunctionResponse
{
    public List<CredentialUserRegistrationsSummary>? Value { get; set; }

    public static new CredentialUserRegistrationsSummaryDeltaResponse CreateFromDiscriminatorValue(IParseNode parseNode)
    {
        ArgumentNullException.ThrowIfNull(parseNode);
        return new CredentialUserRegistrationsSummaryDeltaResponse();
    }

    public override IDictionary<string, Action<IParseNode>> GetFieldDeserializers() =>
        new Dictionary<string, Action<IParseNode>>(base.GetFieldDeserializers())
        {
            ["value"] = n => Value = n.GetCollectionOfObjectValues(CredentialUserRegistrationsSummary.CreateFromDiscriminatorValue)?.ToList(),
        };

    public override void Serialize(ISerializationWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        base.Serialize(writer);
        writer.WriteCollectionOfObjectValues("value", Value);
    }
}

/// <summary>Hands the SDK a ready token, for the hosts it names only (Kiota's rule for every token provider).</summary>
public sealed class StaticAccessTokenProvider(string token, params string[] allowedHosts) : IAccessTokenProvider
{
    public AllowedHostsValidator AllowedHostsValidator { get; } = new(allowedHosts);

    public Task<string> GetAuthorizationTokenAsync(
        Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(AllowedHostsValidator.IsUrlHostValid(uri) ? token : string.Empty);
}

/// <summary>The requests a caller builds for the resource, sent through a <see cref="GraphServiceClient"/>'s adapter.</summary>
public static class SummaryRequests
{
    public const string Path = "{+baseurl}/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries";

    /// <summary>Graph's own mapping: any 4XX or 5XX answer is read as an <see cref="Microsoft.Graph.Models.ODataErrors.ODataError"/>.</summary>
    public static Dictionary<string, ParsableFactory<IParsable>> Errors { get; } = new()
    {
        ["4XX"] = Microsoft.Graph.Models.ODataErrors.ODataError.CreateFromDiscriminatorValue,
        ["5XX"] = Microsoft.Graph.Models.ODataErrors.ODataError.CreateFromDiscriminatorValue,
    };

    public static RequestInformation Create(IRequestAdapter adapter, CredentialUserRegistrationsSummary body)
    {
        var request = new RequestInformation(Method.POST, Path, new Dictionary<string, object>());
        request.Headers.TryAdd("Accept", "application/json");
        request.SetContentFromParsable(adapter, "application/json", body);
        return request;
    }

    public static RequestInformation Get(string id) => WithAccept(new RequestInformation(Method.GET, Path + "/{id}", new Dictionary<string, object>())
    {
        PathParameters = { ["id"] = id },
    });

    public static RequestInformation List(string? filter = null, bool count = false)
    {
        var request = WithAccept(new RequestInformation(Method.GET, Path + "{?%24count,%24filter,%24top}", new Dictionary<string, object>()));
        if (filter is not null)
        {
            request.QueryParameters["%24filter"] = filter;
        }

        if (count)
        {
            request.QueryParameters["%24count"] = true;
        }

        return request;
    }

    public static RequestInformation Patch(IRequestAdapter adapter, string id, CredentialUserRegistrationsSummary body, string? prefer = null)
    {
        var request = WithAccept(new RequestInformation(Method.PATCH, Path + "/{id}", new Dictionary<string, object>())
        {
            PathParameters = { ["id"] = id },
        });
        if (prefer is not null)
        {
            request.Headers.TryAdd("Prefer", prefer);
        }

        request.SetContentFromParsable(adapter, "application/json", body);
        return request;
    }

    /// <summary>The first request of a delta round, as Graph's SDKs address the function (<c>…/microsoft.graph.delta()</c>).</summary>
    public static RequestInformation Delta() =>
        WithAccept(new RequestInformation(Method.GET, Path + "/microsoft.graph.delta()", new Dictionary<string, object>()));

    private static RequestInformation WithAccept(RequestInformation request)
    {
        request.Headers.TryAdd("Accept", "application/json");
        return request;
    }
}
