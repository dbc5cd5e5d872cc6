using System.Diagnostics;
using System.Net;
using CredentialSummaries.Api.Persistence;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CredentialSummaries.Api.Tests.Collectors;

/// <summary>
/// Retention of the history (issue 11): a sweep deletes, across owners, snapshots recorded more than
/// <c>Retention:HistoryDays</c> ago and tombstones older than <c>Retention:DeltaTokenDays</c>, and keeps the rest.
/// The tests age rows in the database and run a sweep through DI (<see cref="RetentionSweep.SweepAsync"/>, what the
/// hosted service runs every <c>Retention:SweepInterval</c>). A database of their own: a sweep sees every owner.
/// </summary>
public sealed class HistoryRetentionTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private const string SnapshotTable = "CredentialUserRegistrationsSummarySnapshots";
    private const string TombstoneTable = "SummaryTombstones";

    [Fact]
    public async Task A_sweep_deletes_every_owners_snapshots_older_than_HistoryDays_and_keeps_the_newer_ones()
    {
        var (owner, other) = (new TestTenant(factory), new TestTenant(factory));
        var mine = await WriteAsync(owner, writes: 3);
        var theirs = await WriteAsync(other, writes: 1);
        var now = DateTime.UtcNow;
        await AgeSnapshotsAsync(owner, mine, now.AddDays(-401), now.AddDays(-399));
        await AgeSnapshotsAsync(other, theirs, now.AddDays(-500));

        var result = await factory.Services.GetRequiredService<RetentionSweep>().SweepAsync(CancellationToken.None);

        result.Snapshots.Should().BeGreaterThanOrEqualTo(2);
        (await MfaCountsAsync(owner, mine)).Should().Equal([2, 3], "the snapshot recorded 399 days ago and today's stay");
        (await MfaCountsAsync(other, theirs)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_sweep_deletes_tombstones_older_than_DeltaTokenDays_and_keeps_the_newer_ones()
    {
        var owner = new TestTenant(factory);
        var old = await WriteAsync(owner, writes: 1);
        var recent = await WriteAsync(owner, writes: 1);
        foreach (var id in new[] { old, recent })
        {
            using var deleted = await owner.Writer.DeleteAsync($"{GraphApi.Summaries}/{id}");
            deleted.StatusCode.Should().Be(HttpStatusCode.NoContent);
        }

        var now = DateTime.UtcNow;
        await AgeTombstoneAsync(owner, old, now.AddDays(-31));
        await AgeTombstoneAsync(owner, recent, now.AddDays(-29));

        var result = await factory.Services.GetRequiredService<RetentionSweep>().SweepAsync(CancellationToken.None);

        result.Tombstones.Should().BeGreaterThanOrEqualTo(1);
        var left = await factory.Database.QueryAsync(
            $"SELECT {Q("Id")} FROM {Q(TombstoneTable)} WHERE {Q("OwnerTenantId")} = @owner",
            new Dictionary<string, object?> { ["@owner"] = owner.Id });
        left.Select(r => (string)r[0]!).Should().Equal(recent);
    }

    [Fact]
    public async Task A_sweep_deletes_more_than_one_batch()
    {
        var owner = new TestTenant(factory);
        var summaryId = await WriteAsync(owner, writes: 1);
        var recorded = DateTime.UtcNow.AddDays(-1000);
        var rows = Enumerable.Range(0, (2 * RetentionSweep.BatchSize) + 10).Select(i => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>
        {
            ["@owner"] = owner.Id,
            ["@id"] = Guid.NewGuid().ToString(),
            ["@summary"] = summaryId,
            ["@recorded"] = recorded,
            ["@version"] = 1000L + i,
        });
        await factory.Database.ExecuteAsync(
            $"INSERT INTO {Q(SnapshotTable)} ({Q("OwnerTenantId")}, {Q("Id")}, {Q("SummaryId")}, {Q("TenantId")}, {Q("TenantDisplayName")}, " +
            $"{Q("MfaAndSsprCapableUserCount")}, {Q("SsprEnabledUserCount")}, {Q("MfaRegisteredUserCount")}, {Q("SsprRegisteredUserCount")}, " +
            $"{Q("MfaExcludedUserCount")}, {Q("TotalUserCount")}, {Q("SecurityDefaultsEnabled")}, {Q("LastRefreshedDateTime")}, " +
            $"{Q("RecordedDateTime")}, {Q("Month")}, {Q("MfaRegisteredShare")}, {Q("SsprRegisteredShare")}, {Q("ChangeVersion")}) " +
            "VALUES (@owner, @id, @summary, @owner, 'Old', 0, 0, 0, 0, 0, 0, FALSE, @recorded, @recorded, '2024-01', 0, 0, @version)",
            rows);

        var result = await factory.Services.GetRequiredService<RetentionSweep>().SweepAsync(CancellationToken.None);

        result.Snapshots.Should().BeGreaterThanOrEqualTo((2 * RetentionSweep.BatchSize) + 10);
        (await MfaCountsAsync(owner, summaryId)).Should().Equal([1], "today's snapshot stays");
    }

    [Fact]
    public async Task HistoryDays_is_read_from_the_configuration()
    {
        using var shortHistory = factory.WithWebHostBuilder(builder => builder.UseSetting("Retention:HistoryDays", "10"));
        var owner = new TestTenant(factory);
        var summaryId = await WriteAsync(owner, writes: 2);
        var now = DateTime.UtcNow;
        await AgeSnapshotsAsync(owner, summaryId, now.AddDays(-11), now.AddDays(-9));

        await shortHistory.Services.GetRequiredService<RetentionSweep>().SweepAsync(CancellationToken.None);

        (await MfaCountsAsync(owner, summaryId)).Should().Equal([2]);
    }

    [Fact]
    public async Task A_sweep_that_fails_is_logged_and_tried_again_and_the_service_stops_promptly()
    {
        var log = new WarningCounter();
        using var sweep = new RetentionSweep(new DatabaseDown(),
            Options.Create(new RetentionOptions { SweepInterval = TimeSpan.FromMilliseconds(100) }), TimeProvider.System, log);

        await sweep.StartAsync(CancellationToken.None);
        var waited = Stopwatch.StartNew();
        while (log.Warnings < 3 && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        var stopping = Stopwatch.StartNew();
        await sweep.StopAsync(CancellationToken.None);

        log.Warnings.Should().BeGreaterThanOrEqualTo(3, "each failed sweep is logged and the next one still runs");
        stopping.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
        sweep.ExecuteTask!.IsCompletedSuccessfully.Should().BeTrue("a failing database never takes the host down");
    }

    private sealed class DatabaseDown : IDbContextFactory<SummariesDbContext>
    {
        public SummariesDbContext CreateDbContext() => throw new InvalidOperationException("The database is down.");
    }

    private sealed class WarningCounter : ILogger<RetentionSweep>
    {
        private int warnings;

        public int Warnings => Volatile.Read(ref warnings);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning && exception is InvalidOperationException)
            {
                Interlocked.Increment(ref warnings);
            }
        }
    }

    private static string Q(string identifier) => TestDatabase.Quote(identifier);

    /// <summary>Creates a summary and updates it until it has <paramref name="writes"/> snapshots, the n-th with mfaRegisteredUserCount n.</summary>
    private static async Task<string> WriteAsync(TestTenant tenant, int writes)
    {
        var body = GraphApi.SeedBody();
        body["mfaRegisteredUserCount"] = 1;
        var id = (await tenant.Writer.CreateAsync(body)).Id();
        for (var n = 2; n <= writes; n++)
        {
            using var patched = await tenant.Writer.PatchAsync($"{GraphApi.Summaries}/{id}", new { mfaRegisteredUserCount = n });
            patched.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        return id;
    }

    /// <summary>Sets the recorded time of the summary's snapshots, in the order they were written.</summary>
    private async Task AgeSnapshotsAsync(TestTenant tenant, string summaryId, params DateTime[] recorded)
    {
        for (var n = 0; n < recorded.Length; n++)
        {
            (await factory.Database.ExecuteAsync(
                $"UPDATE {Q(SnapshotTable)} SET {Q("RecordedDateTime")} = @recorded " +
                $"WHERE {Q("OwnerTenantId")} = @owner AND {Q("SummaryId")} = @summary AND {Q("MfaRegisteredUserCount")} = @n",
                new Dictionary<string, object?> { ["@recorded"] = recorded[n], ["@owner"] = tenant.Id, ["@summary"] = summaryId, ["@n"] = n + 1 }))
                .Should().Be(1);
        }
    }

    private async Task AgeTombstoneAsync(TestTenant tenant, string id, DateTime deleted) =>
        (await factory.Database.ExecuteAsync(
            $"UPDATE {Q(TombstoneTable)} SET {Q("DeletedDateTime")} = @deleted WHERE {Q("OwnerTenantId")} = @owner AND {Q("Id")} = @id",
            new Dictionary<string, object?> { ["@deleted"] = deleted, ["@owner"] = tenant.Id, ["@id"] = id }))
            .Should().Be(1);

    /// <summary>The mfaRegisteredUserCount of each of the summary's snapshots left, read through the API.</summary>
    private static async Task<int[]> MfaCountsAsync(TestTenant tenant, string summaryId)
    {
        using var response = await tenant.Reader.GetAsync(
            $"{HistoryTests.Snapshots}?$filter=summaryId eq '{summaryId}'&$orderby=mfaRegisteredUserCount&$select=mfaRegisteredUserCount");
        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        return [.. json.GetProperty("value").EnumerateArray().Select(r => r.GetProperty("mfaRegisteredUserCount").GetInt32())];
    }
}
