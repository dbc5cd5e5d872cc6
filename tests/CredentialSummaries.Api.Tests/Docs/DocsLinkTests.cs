using System.Text.RegularExpressions;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Docs;

/// <summary>
/// Users clone the repository and nothing else: README.md is a short front door over the docs/ manual, and every
/// link they make resolves inside the repository (a file, and a heading of it when the link names one), or is an
/// absolute web address.
/// </summary>
public sealed partial class DocsLinkTests : IDisposable
{
    private const int ReadmeMaxLines = 200;

    private static readonly string Root = ExternalTool.RepositoryRoot;

    /// <summary>Where code and scripts may name a docs page to users (an error message, a comment).</summary>
    private static readonly string[] CodeFolders = ["src", "tests", ".ci"];

    private readonly string scratch = Path.Combine(Path.GetTempPath(), "credentialsummaries-tests", Guid.NewGuid().ToString("N"));

    private static string[] DocsPages() =>
        Directory.GetFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Root, p).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();

    [Fact]
    public void Every_link_of_the_readme_and_the_docs_resolves_to_a_file_and_a_heading_of_the_repository()
    {
        var files = DocsPages().Prepend("README.md").ToArray();

        files.Should().Contain("docs/README.md").And.HaveCountGreaterThan(10);
        MarkdownLinks.Check(Root, files).Should().BeEmpty("every relative link and #anchor must resolve inside the repository");
        files.Sum(f => MarkdownLinks.Links(File.ReadAllText(Path.Combine(Root, f))).Count(l => l.Contains('#', StringComparison.Ordinal)))
            .Should().BeGreaterThan(10, "the pages link to each other's headings, so the check has anchors to resolve");
        foreach (var file in files)
        {
            var text = File.ReadAllText(Path.Combine(Root, file));
            text.Should().NotContain("../shared", $"{file} is read by users who clone only this repository")
                .And.NotContain("DESIGN.md").And.NotContain("DESIGN §");
        }
    }

    [Fact]
    public void The_checker_reports_exactly_the_missing_file_the_missing_heading_and_the_missing_same_page_heading()
    {
        Directory.CreateDirectory(Path.Combine(scratch, "pages"));
        File.WriteAllText(Path.Combine(scratch, "pages", "a.md"), """
            # Start

            See [the other page](b.md#second-part), [a missing page](missing.md),
            [a missing heading](b.md#no-such-heading) and [a missing heading here](#nowhere).
            Back to [the start](#start), and the [repeated heading](b.md#second-part-1).

            Not links: `[in code](gone.md)` and

            ```bash
            [in a fence](gone-too.md)
            # not a heading
            ```
            """);
        File.WriteAllText(Path.Combine(scratch, "pages", "b.md"), """
            # Other

            ## Second part

            ## Second part
            """);

        var broken = MarkdownLinks.Check(scratch, ["pages/a.md", "pages/b.md"]);

        broken.Should().BeEquivalentTo(
        [
            new BrokenLink("pages/a.md", "missing.md", "no such file"),
            new BrokenLink("pages/a.md", "b.md#no-such-heading", "no such heading"),
            new BrokenLink("pages/a.md", "#nowhere", "no such heading"),
        ]);
    }

    [Fact]
    public void A_link_out_of_the_repository_is_broken_even_when_the_file_exists()
    {
        Directory.CreateDirectory(Path.Combine(scratch, "repo"));
        File.WriteAllText(Path.Combine(scratch, "outside.md"), "# Outside\n");
        File.WriteAllText(Path.Combine(scratch, "repo", "a.md"), "# A\n\n[outside](../outside.md) and [web](https://example.com/x#y).\n");

        MarkdownLinks.Check(Path.Combine(scratch, "repo"), ["a.md"]).Should().BeEquivalentTo(
            [new BrokenLink("a.md", "../outside.md", "leaves the repository")]);
    }

    [Theory]
    [InlineData("Minimal (4.0 §13.1.1 and 4.01 §13.2.1)", "minimal-40-1311-and-401-1321")]
    [InlineData("`$search`", "search")]
    [InlineData("OData `$batch`", "odata-batch")]
    [InlineData("Speed, side by side with a hand-written server", "speed-side-by-side-with-a-hand-written-server")]
    [InlineData("Upsert by tenantId", "upsert-by-tenantid")]
    [InlineData("Éléments _clés_ et [liens](x.md)", "éléments-_clés_-et-liens")]
    public void A_heading_gets_githubs_anchor(string heading, string anchor) =>
        MarkdownLinks.Slug(heading).Should().Be(anchor);

    [Fact]
    public void Repeated_headings_get_numbered_anchors_and_headings_in_code_get_none() =>
        MarkdownLinks.Anchors("# A\n\n## A\n\n```\n# A\n```\n\n### A\n").Should().Equal("a", "a-1", "a-2");

    [Fact]
    public void The_readme_is_a_short_front_door_that_links_every_docs_page_and_says_how_to_run_and_test()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md")).ReplaceLineEndings("\n");
        var links = MarkdownLinks.Links(readme).Select(l => l.Split('#')[0]).ToHashSet(StringComparer.Ordinal);

        readme.TrimEnd('\n').Split('\n').Should().HaveCountLessThanOrEqualTo(ReadmeMaxLines);
        readme.Should().Contain("dotnet run --project src/CredentialSummaries.Api").And.Contain("dotnet test")
            .And.Contain("dotnet tool restore").And.Contain("MIT — see [LICENSE](LICENSE)");
        File.Exists(Path.Combine(Root, "LICENSE")).Should().BeTrue();
        links.Should().Contain(DocsPages(), "the README's list of where to go next names every page of the manual");

        var index = MarkdownLinks.Links(File.ReadAllText(Path.Combine(Root, "docs", "README.md"))).Select(l => "docs/" + l.Split('#')[0]);
        index.Should().Contain(DocsPages().Where(p => p != "docs/README.md"), "the manual's index has a line for every page");
    }

    [Fact]
    public void Every_docs_page_starts_with_its_title_and_one_sentence_saying_what_it_covers()
    {
        foreach (var page in DocsPages())
        {
            var lines = File.ReadAllLines(Path.Combine(Root, page));
            lines[0].Should().StartWith("# ", $"{page} starts with its title");
            var first = lines.Skip(1).First(l => l.Trim().Length > 0);
            var because = $"{page}'s first line after its title says in one sentence what it covers: \"{first}\"";
            char.IsUpper(first[0]).Should().BeTrue(because);
            first.Should().EndWith(".", because);
            SentenceEnd().IsMatch(first.TrimEnd('.')).Should().BeFalse(because);
        }
    }

    [Fact]
    public void Every_docs_page_that_the_code_names_exists()
    {
        var named = CodeFolders
            .SelectMany(d => Directory.GetFiles(Path.Combine(Root, d), "*", SearchOption.AllDirectories))
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !p.Contains($"{Path.DirectorySeparatorChar}node{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && (p.EndsWith(".cs", StringComparison.Ordinal) || p.EndsWith(".csproj", StringComparison.Ordinal) || Path.GetFileName(p) == "run"))
            .SelectMany(p => DocsPath().Matches(File.ReadAllText(p)).Select(m => (File: p, Page: m.Value)))
            .ToArray();

        named.Should().Contain(n => n.Page == "docs/configuration.md", "the start-up error names the configuration page");
        foreach (var (file, page) in named)
        {
            File.Exists(Path.Combine(Root, page)).Should().BeTrue($"{Path.GetRelativePath(Root, file)} names {page}");
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(scratch, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // The test wrote nothing there.
        }
        catch (IOException)
        {
            // The OS temp cleaner takes it.
        }
    }

    /// <summary>A sentence's end before the last: a period, question or exclamation mark followed by a space.</summary>
    [GeneratedRegex(@"[.?!]\s")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"docs/[a-z0-9-]+\.md")]
    private static partial Regex DocsPath();
}
