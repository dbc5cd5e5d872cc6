namespace CredentialSummaries.Api.Graph;

/// <summary>Reads the RFC 7240 <c>Prefer</c> header the way OData clients send it.</summary>
public static class Preferences
{
    public const string PreferHeader = "Prefer";
    public const string PreferenceAppliedHeader = "Preference-Applied";
    public const string ReturnMinimal = "return=minimal";
    public const string ReturnRepresentation = "return=representation";

    public static bool Has(HttpRequest request, string preference)
    {
        foreach (var header in request.Headers[PreferHeader])
        {
            foreach (var part in (header ?? string.Empty).Split([',', ';'], StringSplitOptions.TrimEntries))
            {
                if (string.Equals(part.Replace(" ", string.Empty, StringComparison.Ordinal), preference, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
