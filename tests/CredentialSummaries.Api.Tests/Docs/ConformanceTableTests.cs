using System.Reflection;
using System.Text.RegularExpressions;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Docs;

/// <summary>The OData conformance tables of docs/conformance.md stay honest: every "yes" names tests, and they exist.</summary>
public sealed partial class ConformanceTableTests
{
    [Fact]
    public void Every_supported_row_of_the_conformance_table_names_tests_that_exist()
    {
        var rows = ConformanceRows().ToArray();
        var tests = typeof(ConformanceTableTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance).Select(m => (Type: t, Method: m)))
            .Where(x => x.Method.GetCustomAttributes<FactAttribute>().Any())
            .ToArray();

        rows.Should().Contain(r => r.Verdict == "yes").And.Contain(r => r.Verdict == "no");
        foreach (var (requirement, verdict, proof) in rows.Where(r => r.Verdict == "yes"))
        {
            var references = TestReference().Matches(proof).Select(m => (Class: m.Groups[1].Value, Method: m.Groups[2].Value)).ToArray();
            references.Should().NotBeEmpty($"the supported row '{requirement}' must name the tests that prove it");
            foreach (var (className, method) in references)
            {
                tests.Should().Contain(
                    t => t.Type.Name == className && (method == "*" || t.Method.Name == method),
                    $"'{requirement}' names {className}.{method}, which must be a test");
            }
        }
    }

    private static IEnumerable<(string Requirement, string Verdict, string Proof)> ConformanceRows()
    {
        var page = File.ReadAllLines(Path.Combine(ExternalTool.RepositoryRoot, "docs", "conformance.md"));
        page.Should().Contain("# OData 4.01 conformance");
        foreach (var line in page)
        {
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            if (cells.Length == 5 && cells[2] is "yes" or "no" or "n/a")
            {
                yield return (cells[1], cells[2], cells[3]);
            }
        }
    }

    [GeneratedRegex(@"`([A-Z][A-Za-z]+Tests)\.(\*|[A-Za-z0-9_]+)`")]
    private static partial Regex TestReference();
}
