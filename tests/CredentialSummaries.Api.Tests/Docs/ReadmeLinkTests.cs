using System.Text.RegularExpressions;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Docs;

/// <summary>
/// Users clone the repository and nothing else: every link the README makes resolves inside it (a file of the
/// repository or a heading of the README), or is an absolute web address.
/// </summary>
public sealed partial class ReadmeLinkTests
{
    private static readonly string Root = ExternalTool.RepositoryRoot;

    [Fact]
    public void Every_link_in_the_readme_resolves_inside_the_repository()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var anchors = Heading().Matches(readme).Select(m => Anchor(m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
        var links = Link().Matches(readme).Select(m => m.Groups[1].Value).ToArray();

        links.Should().NotBeEmpty();
        readme.Should().NotContain("../shared").And.NotContain("DESIGN.md").And.NotContain("DESIGN §");
        foreach (var link in links.Where(l => !l.StartsWith("http://", StringComparison.Ordinal) && !l.StartsWith("https://", StringComparison.Ordinal)))
        {
            if (link.StartsWith('#'))
            {
                anchors.Should().Contain(link[1..], $"the README links to the heading '{link}'");
                continue;
            }

            var target = Path.GetFullPath(Path.Combine(Root, link.Split('#')[0]));
            target.Should().StartWith(Root + Path.DirectorySeparatorChar, $"'{link}' must stay inside the repository");
            (File.Exists(target) || Directory.Exists(target)).Should().BeTrue($"'{link}' must exist in the repository");
        }
    }

    // GitHub's heading anchors: lowercase, spaces to hyphens, punctuation other than '-' and '_' dropped.
    private static string Anchor(string heading) =>
        new string(heading.Trim().ToLowerInvariant().Replace(' ', '-').Where(c => char.IsLetterOrDigit(c) || c is '-' or '_').ToArray());

    [GeneratedRegex(@"^#{1,6} (.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();
}
