namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>
/// A database of its own on the assembly's store that a test makes unreachable and then reachable again while the
/// app runs on it: the SQLite file's folder is moved away and back; PostgreSQL is reached through a
/// <see cref="TcpRelay"/> that is cut (connections refused, open ones reset) and restored on the same port.
/// </summary>
public sealed class SwitchableDatabase : IDisposable
{
    private readonly TcpRelay? relay;

    private SwitchableDatabase(TestDatabase database, TcpRelay? relay)
    {
        Database = database;
        this.relay = relay;
    }

    /// <summary>The database, as the app is given it (on PostgreSQL, through the relay).</summary>
    public TestDatabase Database { get; }

    public static SwitchableDatabase Create()
    {
        if (TestStore.Provider == StoreProvider.Sqlite)
        {
            return new SwitchableDatabase(TestDatabase.Create(StoreProvider.Sqlite), relay: null);
        }

        var server = PostgreSqlServer.Instance;
        var name = server.CreateDatabaseAsync().WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
        var relay = new TcpRelay(server.Port);
        return new SwitchableDatabase(TestDatabase.PostgreSql(server, name, relay.Port), relay);
    }

    public void MakeUnreachable()
    {
        if (relay is not null)
        {
            relay.Cut();
            return;
        }

        Directory.Move(SqliteFolder, SqliteFolder + "-away");
    }

    public void MakeReachable()
    {
        if (relay is not null)
        {
            relay.Restore();
            return;
        }

        Directory.Move(SqliteFolder + "-away", SqliteFolder);
    }

    public void Dispose()
    {
        // Dropping the database goes through the relay too.
        relay?.Restore();
        Database.Dispose();
        relay?.Dispose();
    }

    private string SqliteFolder => Path.GetDirectoryName(Database.FilePath)!;
}
