namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>This project runs the suite on PostgreSQL: a database of its own per host on <see cref="PostgreSqlServer.Instance"/>.</summary>
public static partial class TestStore
{
    public static StoreProvider Provider => StoreProvider.PostgreSql;
}
