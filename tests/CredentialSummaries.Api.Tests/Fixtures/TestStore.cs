namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>The stores the app runs on (its configuration <c>Database:Provider</c>).</summary>
public enum StoreProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>
/// Which store this test assembly runs the whole suite on. The behaviour is written once (the test sources are
/// shared); each test project adds one file setting <see cref="Provider"/>: <c>TestStore.Sqlite.cs</c> here,
/// <c>TestStore.PostgreSql.cs</c> in CredentialSummaries.Api.PostgreSql.Tests.
/// </summary>
public static partial class TestStore
{
    public static string Name => Provider == StoreProvider.Sqlite ? "SQLite" : "PostgreSQL";
}
