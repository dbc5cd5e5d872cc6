using System.Collections.Concurrent;

namespace CredentialSummaries.GraphStandIn;

/// <summary>What the stand-in has been asked and what it answered, for tests to assert on. Thread-safe.</summary>
public sealed class StandInCounters
{
    private readonly ConcurrentDictionary<Guid, StandInTenantCounters> tenants = new();
    private readonly ConcurrentDictionary<string, byte> reportSelects = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> requests = new();
    private int totalRequests;
    private int maxReportTop;

    /// <summary>Every request received, of any URL.</summary>
    public int TotalRequests => Volatile.Read(ref totalRequests);

    /// <summary>The largest <c>$top</c> asked of the registration report (as asked, before the cap of 999); 0 if none.</summary>
    public int MaxReportTop => Volatile.Read(ref maxReportTop);

    /// <summary>Each distinct <c>$select</c> value sent to the registration report, as sent (e.g. <c>isMfaRegistered,isMfaCapable</c>).</summary>
    public IReadOnlyCollection<string> ReportSelects => [.. reportSelects.Keys];

    /// <summary>Every request as <c>METHOD /path</c> (no query), in arrival order.</summary>
    public IReadOnlyList<string> Requests => [.. requests];

    /// <summary>The counters of one tenant (zero for a tenant never asked about).</summary>
    public StandInTenantCounters For(Guid tenantId) => tenants.GetOrAdd(tenantId, static _ => new StandInTenantCounters());

    /// <summary>Sets every counter back to zero and forgets the selects and requests seen.</summary>
    public void Reset()
    {
        tenants.Clear();
        reportSelects.Clear();
        requests.Clear();
        Interlocked.Exchange(ref totalRequests, 0);
        Interlocked.Exchange(ref maxReportTop, 0);
    }

    internal void Request(string method, string path)
    {
        Interlocked.Increment(ref totalRequests);
        requests.Enqueue($"{method} {path}");
    }

    internal void ReportQuery(string? select, int top)
    {
        if (select is not null)
        {
            reportSelects.TryAdd(select, 0);
        }

        int seen;
        while (top > (seen = Volatile.Read(ref maxReportTop)) && Interlocked.CompareExchange(ref maxReportTop, top, seen) != seen)
        {
        }
    }
}

/// <summary>One tenant's counters. Thread-safe.</summary>
public sealed class StandInTenantCounters
{
    private int tokenRequests;
    private int tokensIssued;
    private int reportPageRequests;
    private int throttled;
    private int forbidden;

    /// <summary>Requests to <c>/{tenant}/oauth2/v2.0/token</c>, answered or refused.</summary>
    public int TokenRequests => Volatile.Read(ref tokenRequests);

    /// <summary>Token requests answered with an access token.</summary>
    public int TokensIssued => Volatile.Read(ref tokensIssued);

    /// <summary>Authenticated requests for a page of the registration report, including those answered 429 or 403.</summary>
    public int ReportPageRequests => Volatile.Read(ref reportPageRequests);

    /// <summary>429 answers served.</summary>
    public int ThrottledResponses => Volatile.Read(ref throttled);

    /// <summary>403 answers served.</summary>
    public int ForbiddenResponses => Volatile.Read(ref forbidden);

    internal void TokenRequested() => Interlocked.Increment(ref tokenRequests);

    internal void TokenIssued() => Interlocked.Increment(ref tokensIssued);

    internal void ReportPageRequested() => Interlocked.Increment(ref reportPageRequests);

    internal void Throttled() => Interlocked.Increment(ref throttled);

    internal void Forbidden() => Interlocked.Increment(ref forbidden);
}
