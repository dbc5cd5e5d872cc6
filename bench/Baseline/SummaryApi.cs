using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace CredentialSummaries.Bench.Baseline;

/// <summary>One request to the summaries, whether it came over HTTP or inside a JSON batch.</summary>
internal sealed class ApiRequest
{
    /// <summary>The caller's tenant; every statement is confined to it.</summary>
    public required string Owner { get; init; }

    /// <summary><c>{scheme}://{host}{pathBase}/v1.0/tenantRelationships/managedTenants</c>.</summary>
    public required string ServiceRoot { get; init; }

    /// <summary>The raw query string, without its '?'.</summary>
    public string Query { get; init; } = string.Empty;

    public required IHeaderDictionary Headers { get; init; }
}

internal enum OutcomeKind
{
    Empty,
    Entity,
    Page,
    Count,
    Error,
}

/// <summary>What a request answers: status, the headers the service sends, and what the body holds (written by <see cref="Answers"/>).</summary>
internal sealed class Outcome
{
    public int Status { get; init; }

    public OutcomeKind Kind { get; init; }

    public Summary? Entity { get; init; }

    public IReadOnlyList<Summary>? Rows { get; init; }

    public long? TotalCount { get; init; }

    public string? NextLink { get; init; }

    public long Count { get; init; }

    public GraphError? Error { get; init; }

    /// <summary><c>@odata.context</c> of an entity or a page.</summary>
    public string? Context { get; init; }

    public string? ETag { get; init; }

    public string? Location { get; init; }

    public string? PreferenceApplied { get; init; }

    public string? EntityId { get; init; }

    public static Outcome Fail(GraphError error) => new() { Status = error.Status, Kind = OutcomeKind.Error, Error = error };
}

/// <summary>
/// The service's benchmark operations, by hand: each reads with one or two statements confined to the owner, or writes
/// in one transaction as the service does (change version, row, snapshot), and answers what the service answers
/// (statuses, headers, bodies).
/// </summary>
internal sealed partial class SummaryApi(ISummaryStore store)
{
    /// <summary>The service's page size (SummaryQueryLimits) and largest <c>$top</c>.</summary>
    public const int PageSize = 100;
    public const int MaxTop = 999;

    private const string ReturnMinimal = "return=minimal";
    private const string ReturnRepresentation = "return=representation";

    private static readonly string[] UnsupportedOptions = ["select", "orderby", "expand", "skip", "search", "apply", "compute", "format", "levels", "index"];

    public async Task<Outcome> GetAsync(ApiRequest request, string id, CancellationToken cancellationToken)
    {
        Summary? summary;
        var session = await store.OpenAsync(cancellationToken);
        await using (session)
        {
            summary = await session.FindAsync(request.Owner, id, cancellationToken);
        }

        if (summary is null)
        {
            return Outcome.Fail(GraphError.SummaryNotFound(id));
        }

        var etag = Summary.ETagOf(summary.ConcurrencyStamp);
        if (request.Headers.ContainsKey(HeaderNames.IfNoneMatch) && Lists(request.Headers.IfNoneMatch, summary.ConcurrencyStamp))
        {
            return new Outcome { Status = StatusCodes.Status304NotModified, Kind = OutcomeKind.Empty, ETag = etag };
        }

        return new Outcome
        {
            Status = StatusCodes.Status200OK, Kind = OutcomeKind.Entity, Entity = summary, ETag = etag,
            Context = SummaryJson.EntityContext(request.ServiceRoot),
        };
    }

    public async Task<Outcome> ListAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var query = ListQuery.Parse(request.Query);
        if (query.Error is not null)
        {
            return Outcome.Fail(query.Error);
        }

        long? count = null;
        List<Summary> rows;
        var session = await store.OpenAsync(cancellationToken);
        await using (session)
        {
            if (query.Count)
            {
                count = await session.CountAsync(request.Owner, query.DisplayName, cancellationToken);
            }

            // One row more than a page says whether there is a next page.
            var take = query.Top is { } top && top <= PageSize ? top : PageSize + 1;
            rows = take == 0 ? [] : await session.ListAsync(request.Owner, query.DisplayName, query.After, take, cancellationToken);
        }

        string? nextLink = null;
        if (rows.Count > PageSize)
        {
            rows.RemoveAt(PageSize);
            nextLink = query.NextLink(request.ServiceRoot + "/" + SummaryJson.EntitySet, rows[^1].Id);
        }

        return new Outcome
        {
            Status = StatusCodes.Status200OK, Kind = OutcomeKind.Page, Rows = rows, TotalCount = count, NextLink = nextLink,
            Context = SummaryJson.CollectionContext(request.ServiceRoot),
        };
    }

    public async Task<Outcome> CountAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var query = ListQuery.Parse(request.Query);
        if (query.Error is not null)
        {
            return Outcome.Fail(query.Error);
        }

        var session = await store.OpenAsync(cancellationToken);
        await using (session)
        {
            var count = await session.CountAsync(request.Owner, query.DisplayName, cancellationToken);
            return new Outcome { Status = StatusCodes.Status200OK, Kind = OutcomeKind.Count, Count = count };
        }
    }

    public async Task<Outcome> CreateAsync(ApiRequest request, SummaryPatch body, CancellationToken cancellationToken)
    {
        SummaryBody.ApplyCreate(body, DateTime.UtcNow, out var summary, out var violations);
        if (violations is not null)
        {
            return Outcome.Fail(GraphError.Invalid(violations));
        }

        summary.ConcurrencyStamp = Summary.NewConcurrencyStamp();
        InsertOutcome inserted;
        var session = await store.OpenAsync(cancellationToken);
        await using (session)
        {
            summary.ChangeVersion = await session.BeginWriteAsync(request.Owner, cancellationToken);
            inserted = await session.InsertAsync(request.Owner, summary, cancellationToken);
            if (inserted == InsertOutcome.Added)
            {
                await session.RecordSnapshotAsync(request.Owner, summary, DateTime.UtcNow, cancellationToken);
                await session.CommitAsync(cancellationToken);
            }
        }

        return inserted switch
        {
            InsertOutcome.IdConflict => Outcome.Fail(GraphError.Conflict($"A credentialUserRegistrationsSummary with id '{summary.Id}' already exists.")),
            InsertOutcome.TenantIdConflict => Outcome.Fail(GraphError.Conflict(
                $"A credentialUserRegistrationsSummary for tenantId '{summary.TenantId}' already exists; update it with PATCH instead.")),
            _ => Written(request, summary, StatusCodes.Status201Created, location: true),
        };
    }

    /// <summary>
    /// As the service: one transaction that takes the owner's next change version first (so the owner's writes take
    /// turns), then reads the row, judges the preconditions and the rules on the merge, writes it under that version
    /// if its stamp is still the one read, and records its snapshot. The stamp can only have moved under a writer that
    /// skipped the counter: 412 with If-Match, else 409, never retried.
    /// </summary>
    public async Task<Outcome> UpdateAsync(ApiRequest request, string id, SummaryPatch body, CancellationToken cancellationToken)
    {
        var headers = request.Headers;
        var hasIfMatch = headers.ContainsKey(HeaderNames.IfMatch);
        var hasIfNoneMatch = headers.ContainsKey(HeaderNames.IfNoneMatch);
        var session = await store.OpenAsync(cancellationToken);
        await using (session)
        {
            var version = await session.BeginWriteAsync(request.Owner, cancellationToken);
            var stored = await session.FindAsync(request.Owner, id, cancellationToken);
            if (stored is null)
            {
                return Outcome.Fail(GraphError.SummaryNotFound(id));
            }

            var readStamp = stored.ConcurrencyStamp;
            if ((hasIfMatch && !Lists(headers.IfMatch, readStamp)) || (hasIfNoneMatch && Lists(headers.IfNoneMatch, readStamp)))
            {
                return Outcome.Fail(GraphError.PreconditionFailed(id));
            }

            if (SummaryBody.ApplyUpdate(stored, body, DateTime.UtcNow) is { } violations)
            {
                return Outcome.Fail(GraphError.Invalid(violations));
            }

            stored.ConcurrencyStamp = Summary.NewConcurrencyStamp();
            stored.ChangeVersion = version;
            if (!await session.UpdateAsync(request.Owner, stored, readStamp, cancellationToken))
            {
                return Outcome.Fail(hasIfMatch
                    ? GraphError.PreconditionFailed(id)
                    : GraphError.Conflict($"The credentialUserRegistrationsSummary '{id}' changed while this update was applied; send it again."));
            }

            await session.RecordSnapshotAsync(request.Owner, stored, DateTime.UtcNow, cancellationToken);
            await session.CommitAsync(cancellationToken);
            return Written(request, stored, StatusCodes.Status200OK, location: false);
        }
    }

    /// <summary>The service's EntityResult: ETag (and Location), then 204 for <c>Prefer: return=minimal</c>, else the entity.</summary>
    private static Outcome Written(ApiRequest request, Summary summary, int status, bool location)
    {
        var etag = Summary.ETagOf(summary.ConcurrencyStamp);
        var link = SummaryJson.EntityLink(request.ServiceRoot, summary.Id);
        if (Prefers(request.Headers, ReturnMinimal))
        {
            return new Outcome
            {
                Status = StatusCodes.Status204NoContent, Kind = OutcomeKind.Empty, ETag = etag, Location = location ? link : null,
                PreferenceApplied = ReturnMinimal, EntityId = link,
            };
        }

        return new Outcome
        {
            Status = status, Kind = OutcomeKind.Entity, Entity = summary, ETag = etag, Location = location ? link : null,
            PreferenceApplied = Prefers(request.Headers, ReturnRepresentation) ? ReturnRepresentation : null,
            Context = SummaryJson.EntityContext(request.ServiceRoot),
        };
    }

    /// <summary>The body of a POST or PATCH, read strictly; null and the 400 when it cannot be used.</summary>
    public static GraphError? ReadBody(ReadOnlySpan<byte> body, bool isCreate, out SummaryPatch patch)
    {
        if (body.IsEmpty)
        {
            patch = new SummaryPatch();
            return GraphError.BadRequest("A non-empty request body is required.");
        }

        return SummaryBody.Read(body, isCreate, out patch) is { Count: > 0 } problems ? GraphError.Invalid(problems) : null;
    }

    /// <summary>Exactly application/json (any parameters), as the service reads write bodies.</summary>
    public static bool IsApplicationJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media) && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    /// <summary>RFC 7240 <c>Prefer</c>, read as the service reads it.</summary>
    private static bool Prefers(IHeaderDictionary headers, string preference)
    {
        foreach (var header in headers["Prefer"])
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

    /// <summary>Whether an If-Match / If-None-Match lists the stamp (or <c>*</c>), weak or strong, as the service's EntityTags.</summary>
    private static bool Lists(StringValues header, string stamp) =>
        EntityTagHeaderValue.TryParseList(header, out var tags)
        && tags.Any(t => t.Tag.Value == "*" || (t.Tag.Value is { Length: >= 2 } quoted && quoted.AsSpan(1, quoted.Length - 2).SequenceEqual(stamp)));

    /// <summary>
    /// The list's query options: <c>$top</c>, <c>$count</c>, <c>$filter=tenantDisplayName eq '…'</c> (the only filter the
    /// baseline knows; others are a 400) and the baseline's own keyset <c>$skiptoken</c> (the last id of the previous page).
    /// Option names are read as the service reads them: any case, with or without '$'.
    /// </summary>
    internal sealed partial class ListQuery
    {
        private readonly List<KeyValuePair<string, string>> options = [];

        public int? Top { get; private set; }

        public bool Count { get; private set; }

        public string? DisplayName { get; private set; }

        public string? After { get; private set; }

        public GraphError? Error { get; private set; }

        public static ListQuery Parse(string query)
        {
            var result = new ListQuery();
            if (query.Length == 0)
            {
                return result;
            }

            foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = part.IndexOf('=', StringComparison.Ordinal);
                var key = Decode(equals < 0 ? part : part[..equals]);
                var value = equals < 0 ? string.Empty : Decode(part[(equals + 1)..]);
                result.options.Add(KeyValuePair.Create(key, value));
                var name = (key.StartsWith('$') ? key[1..] : key).ToLowerInvariant();
                result.Error ??= name switch
                {
                    "top" => result.ReadTop(value),
                    "count" => result.ReadCount(value),
                    "filter" => result.ReadFilter(value),
                    "skiptoken" => result.ReadSkipToken(value),
                    _ when UnsupportedOptions.Contains(name) =>
                        GraphError.BadRequest($"Query option '${name}' is not supported by the benchmark baseline."),
                    _ => null,
                };
            }

            return result;
        }

        /// <summary>The next page's URL: the request's options in their order, <c>$top</c> less a page, and the keyset token last.</summary>
        public string NextLink(string collectionUrl, string lastId)
        {
            var link = new StringBuilder(collectionUrl.Length + 64).Append(collectionUrl).Append('?');
            foreach (var (key, value) in options)
            {
                var name = (key.StartsWith('$') ? key[1..] : key).ToLowerInvariant();
                if (name == "skiptoken")
                {
                    continue;
                }

                var sent = name == "top" ? (Top!.Value - PageSize).ToString(CultureInfo.InvariantCulture) : value;
                link.Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(sent)).Append('&');
            }

            return link.Append("%24skiptoken=").Append(Uri.EscapeDataString(lastId)).ToString();
        }

        // As ASP.NET Core reads a query: '+' is a space, then percent-decoding.
        private static string Decode(string text) => Uri.UnescapeDataString(text.Contains('+', StringComparison.Ordinal) ? text.Replace('+', ' ') : text);

        private GraphError? ReadTop(string value)
        {
            if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var top) || top < 0)
            {
                return GraphError.BadRequest(
                    $"Query option '$top' is invalid: Invalid value '{value}' for $top query option found. The $top query option requires a non-negative integer value.");
            }

            if (top > MaxTop)
            {
                return GraphError.BadRequest(
                    $"The query specified in the URI is not valid. The limit of '{MaxTop}' for Top query has been exceeded. The value from the incoming request is '{top}'.");
            }

            Top = top;
            return null;
        }

        private GraphError? ReadCount(string value)
        {
            switch (value)
            {
                case "true":
                    Count = true;
                    return null;
                case "false":
                    Count = false;
                    return null;
                default:
                    return GraphError.BadRequest($"Query option '$count' is invalid: '{value}' is not a valid count option.");
            }
        }

        private GraphError? ReadFilter(string value)
        {
            var match = DisplayNameFilter().Match(value);
            if (!match.Success)
            {
                return GraphError.BadRequest("The benchmark baseline supports only $filter=tenantDisplayName eq '…'.");
            }

            DisplayName = match.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal);
            return null;
        }

        private GraphError? ReadSkipToken(string value)
        {
            if (value.Length is 0 or > 64)
            {
                return GraphError.BadRequest(
                    "The query specified in the URI is not valid. The $skiptoken is not one this service issued for this caller; follow @odata.nextLink as it is.");
            }

            After = value;
            return null;
        }

        [GeneratedRegex(@"^\s*tenantDisplayName\s+eq\s+'((?:[^']|'')*)'\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
        private static partial Regex DisplayNameFilter();
    }
}
