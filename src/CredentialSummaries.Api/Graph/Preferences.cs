namespace CredentialSummaries.Api.Graph;

/// <summary>Reads the RFC 7240 <c>Prefer</c> header the way OData clients send it.</summary>
public static class Preferences
{
    public const string PreferHeader = "Prefer";
    public const string PreferenceAppliedHeader = "Preference-Applied";
    public const string ReturnMinimal = "return=minimal";
    public const string ReturnRepresentation = "return=representation";

    /// <summary>Graph's upsert: a PATCH by alternate key creates the entity when none has that key.</summary>
    public const string CreateIfMissing = "create-if-missing";

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

    /// <summary>Reads an integer preference such as <c>odata.maxpagesize=50</c>.</summary>
    public static bool TryGetInt(HttpRequest request, string preference, out int value)
    {
        foreach (var header in request.Headers[PreferHeader])
        {
            foreach (var part in (header ?? string.Empty).Split([',', ';'], StringSplitOptions.TrimEntries))
            {
                var equals = part.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0 && part[..equals].Trim().Equals(preference, StringComparison.OrdinalIgnoreCase)
                    && int.TryParse(part[(equals + 1)..].Trim().Trim('"'), System.Globalization.NumberStyles.None,
                        System.Globalization.CultureInfo.InvariantCulture, out value))
                {
                    return true;
                }
            }
        }

        value = 0;
        return false;
    }
}
