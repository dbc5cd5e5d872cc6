using System.Diagnostics;
using OpenTelemetry;

namespace CredentialSummaries.Api.Operations;

/// <summary>
/// Removes from every span, whatever an instrumentation's options or <c>OTEL_*</c> switches say, the attributes that
/// can carry customer data or credentials: the query string (<c>url.query</c>: OData options hold tenant names and
/// values; OTel by default only redacts their values), SQL parameter values (<c>db.query.parameter.*</c>, which the
/// EF Core instrumentation adds when an experimental switch is on) and request headers that hold credentials.
/// </summary>
public sealed class TelemetryRedactionProcessor : BaseProcessor<Activity>
{
    private static readonly string[] RemovedTags =
    [
        "url.query",
        "http.request.header.authorization",
        "http.request.header.cookie",
        "http.request.header.proxy-authorization",
    ];

    private const string QueryParameterPrefix = "db.query.parameter.";
    private const string OldQueryParameterPrefix = "db.statement.parameter.";

    public override void OnEnd(Activity data)
    {
        ArgumentNullException.ThrowIfNull(data);
        List<string>? remove = null;
        foreach (var tag in data.TagObjects)
        {
            if (IsRedacted(tag.Key))
            {
                (remove ??= []).Add(tag.Key);
            }
        }

        foreach (var key in remove ?? [])
        {
            data.SetTag(key, null);
        }
    }

    private static bool IsRedacted(string key) =>
        key.StartsWith(QueryParameterPrefix, StringComparison.Ordinal)
        || key.StartsWith(OldQueryParameterPrefix, StringComparison.Ordinal)
        || Array.IndexOf(RemovedTags, key) >= 0;
}
