namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>
/// Figures the reliability tests (property-based fuzzing, crash durability) measure on every run: seed, cases
/// tried, writes acknowledged and found. <c>dotnet test</c> hides test output, so each line also goes to
/// <c>TestResults/reliability-report.txt</c> under the repository root, which <c>.ci/run</c> prints at the end.
/// </summary>
public static class ReliabilityReport
{
    private static readonly Lock Gate = new();

    public static string FilePath { get; } = Path.Combine(ExternalTool.RepositoryRoot, "TestResults", "reliability-report.txt");

    /// <summary>
    /// Appends one line, prefixed with the reporting test's name (and the store when it is not SQLite, since both
    /// test projects write here), and returns it for ITestOutputHelper.
    /// </summary>
    public static string Append(string test, string line)
    {
        var text = TestStore.Provider == StoreProvider.Sqlite ? $"{test}: {line}" : $"{test} on {TestStore.Name}: {line}";
        lock (Gate)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            File.AppendAllText(FilePath, text + Environment.NewLine);
        }

        return text;
    }
}
