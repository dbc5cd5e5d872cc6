namespace CredentialSummaries.Api.Persistence;

/// <summary>
/// How long the service keeps what it records besides the summaries (section <c>Retention</c>): the history of counts
/// and the tombstones of deleted summaries that delta links read.
/// </summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Snapshots older than this (by the time they were recorded) are deleted. Default 400 days.</summary>
    public int HistoryDays { get; set; } = 400;

    /// <summary>
    /// How long a delta link stays valid, and so how long tombstones of deleted summaries are kept. A delta link whose
    /// round began longer ago than this is answered 410 Gone. Default 30 days.
    /// </summary>
    public int DeltaTokenDays { get; set; } = 30;

    /// <summary>How often the retention sweep runs. Default one hour.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);
}
