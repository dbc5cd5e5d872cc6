namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>This project runs the suite on SQLite files (CredentialSummaries.Api.PostgreSql.Tests leaves this file out).</summary>
public static partial class TestStore
{
    public static StoreProvider Provider => StoreProvider.Sqlite;
}
