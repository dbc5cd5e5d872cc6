using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.DataProtection;

namespace CredentialSummaries.Api.Query;

/// <summary>Where a delta round is: its rows (the initial round), the rows changed since the base version, or the deleted ids since it.</summary>
public enum DeltaPhase
{
    /// <summary>Every current summary of the owner (the initial round).</summary>
    All = 0,

    /// <summary>The summaries written after <see cref="DeltaState.Since"/>.</summary>
    Changed = 1,

    /// <summary>The ids deleted after <see cref="DeltaState.Since"/> that have no current row.</summary>
    Deleted = 2,
}

/// <summary>
/// What a delta <c>$skiptoken</c> or <c>$deltatoken</c> carries, sealed (<see cref="DeltaTokens"/>): the owner, the
/// versions and times of the round, the cursor and the round's fixed options.
/// </summary>
public sealed record DeltaState
{
    /// <summary>The managing tenant the token was issued to; any other caller is refused.</summary>
    [JsonPropertyName("o")]
    public required string Owner { get; init; }

    /// <summary>True for a <c>$deltatoken</c> (the start of the next round), false for a <c>$skiptoken</c> (the next page).</summary>
    [JsonPropertyName("d")]
    public bool IsDeltaToken { get; init; }

    [JsonPropertyName("p")]
    public DeltaPhase Phase { get; init; }

    /// <summary>The base: changes with a greater version are reported. Unused in the initial round.</summary>
    [JsonPropertyName("s")]
    public long Since { get; init; }

    /// <summary>When <see cref="Since"/> was read (the start of the round that produced it): what expiry is measured from.</summary>
    [JsonPropertyName("st")]
    public DateTimeOffset SinceTime { get; init; }

    /// <summary>The owner's version read at the start of this round: the base of the next round.</summary>
    [JsonPropertyName("n")]
    public long Next { get; init; }

    /// <summary>When this round started.</summary>
    [JsonPropertyName("nt")]
    public DateTimeOffset NextTime { get; init; }

    /// <summary>The last id written in the current phase; the next page starts after it.</summary>
    [JsonPropertyName("l")]
    public string? LastId { get; init; }

    [JsonPropertyName("sel")]
    public string? Select { get; init; }

    [JsonPropertyName("f")]
    public string? Filter { get; init; }

    [JsonPropertyName("ps")]
    public int PageSize { get; init; }

    /// <summary>Whether the round depends on tombstones (a round after the initial one), and so can expire.</summary>
    [JsonIgnore]
    public bool NeedsTombstones => Phase != DeltaPhase.All;
}

[JsonSerializable(typeof(DeltaState))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class DeltaStateJsonContext : JsonSerializerContext;

/// <summary>
/// Seals and opens delta tokens with ASP.NET Core Data Protection under a purpose of their own (keys in the store,
/// shared by every instance, so tokens survive restarts and work on any instance). The owner is sealed in with the
/// state, so a token is good only for the tenant it was issued to; a list's <c>$skiptoken</c> is never a delta one.
/// </summary>
public sealed class DeltaTokens(IDataProtectionProvider provider)
{
    private const string Purpose = "CredentialSummaries.DeltaToken.v1";

    private readonly SkipTokenProtector protector = new(provider, Purpose);

    public string Seal(DeltaState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return protector.Seal(state.Owner, JsonSerializer.Serialize(state, DeltaStateJsonContext.Default.DeltaState));
    }

    /// <returns>The state, or null when <paramref name="token"/> was not sealed here for <paramref name="owner"/>.</returns>
    public DeltaState? TryOpen(string? owner, string token)
    {
        if (owner is null || protector.TryUnseal(owner, token) is not { } json)
        {
            return null;
        }

        try
        {
            var state = JsonSerializer.Deserialize(json, DeltaStateJsonContext.Default.DeltaState);
            return state is not null && state.Owner == owner && state.PageSize > 0 ? state : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
