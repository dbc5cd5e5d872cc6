namespace CredentialSummaries.Api.Model;

/// <summary>Graph's abstract <c>microsoft.graph.entity</c>: everything addressable has a string <c>id</c>.</summary>
public abstract class Entity
{
    public string Id { get; set; } = string.Empty;
}
