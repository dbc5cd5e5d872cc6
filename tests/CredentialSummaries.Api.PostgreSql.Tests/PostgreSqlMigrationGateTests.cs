using System.Net;
using System.Security.Cryptography;
using CredentialSummaries.Api.Persistence.PostgreSql;
using CredentialSummaries.Api.Tests.Fixtures;
using CredentialSummaries.Api.Tests.Scaling;
using Npgsql;
using PersistenceExtensions = CredentialSummaries.Api.Persistence.PersistenceExtensions;

namespace CredentialSummaries.Api.Tests;

/// <summary>
/// PostgreSQL only (the gate is PostgreSQL's; SQLite's migration lock is EF Core's own row): an instance that starts
/// while another migrates the database waits for <see cref="PostgreSqlMigrationGate"/> before it looks at the
/// migrations history at all, so it can never apply a migration another instance is applying or has just applied.
/// The race this closes lost a CI run; <see cref="MultiInstanceTests"/> starts two instances together as well.
/// </summary>
public sealed class PostgreSqlMigrationGateTests
{
    [Fact]
    public async Task An_instance_starting_while_the_migration_lock_is_held_touches_nothing_then_migrates_once_it_is_released()
    {
        using var database = TestDatabase.Create();
        var home = Path.Combine(Path.GetTempPath(), "credentialsummaries-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(home);
        await using var other = (NpgsqlConnection)await database.OpenAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({PostgreSqlMigrationGate.LockKey})", other))
        {
            await take.ExecuteNonQueryAsync();
        }

        // Launched before its first await: the process starts now, and the task ends only when it answers.
        var starting = ApiProcess.StartDevelopmentAsync(RandomNumberGenerator.GetBytes(32), home, database.EnvironmentVariables, TimeSpan.FromSeconds(90));
        await Task.WhenAny(starting, Task.Delay(TimeSpan.FromSeconds(8)));

        starting.IsCompleted.Should().BeFalse("an instance does not start while another holds the migration lock");
        (await database.ScalarAsync("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).Should().Be(0L,
            "it waits before creating even the migrations history table");
        (await database.ScalarAsync(
                $"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND ((classid::bigint << 32) | objid::bigint) = {PostgreSqlMigrationGate.LockKey}"))
            .Should().Be(1L, "the instance is waiting for that lock, not stuck elsewhere");

        await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({PostgreSqlMigrationGate.LockKey})", other))
        {
            await release.ExecuteNonQueryAsync();
        }

        await using var api = await starting;
        using var probe = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var ready = await probe.GetAsync("/readyz");
        ready.StatusCode.Should().Be(HttpStatusCode.OK, api.Transcript);
        (await ready.Content.ReadAsStringAsync()).Should().Be("Healthy");
        var history = (await database.QueryAsync(
                $"SELECT {TestDatabase.Quote("MigrationId")} FROM {TestDatabase.Quote(PersistenceExtensions.MigrationsHistoryTable)} ORDER BY 1"))
            .Select(row => (string)row[0]!).ToArray();
        history.Should().Equal(MultiInstanceTests.MigrationsOf(typeof(PostgreSqlSummariesDbContext)), api.Transcript);
        (await database.ScalarAsync($"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")).Should().Be(0L,
            "the instance released the lock when it had migrated, though its pooled connection lives on");
    }
}
