using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CredentialSummaries.Api.Tests.Docs;

/// <summary>A link that does not resolve: the file it is in (relative to the root, with '/'), the link as written, and why.</summary>
public sealed record BrokenLink(string File, string Link, string Reason);

/// <summary>
/// Checks the links of markdown files as GitHub renders them: a relative link must name a file or folder inside the
/// root, and its <c>#anchor</c> (or a bare <c>#anchor</c> on the same page) a heading of that markdown file. Absolute
/// http(s) links are not followed. Links in fenced code blocks and inline code are not links.
/// </summary>
public static partial class MarkdownLinks
{
    public static IReadOnlyList<BrokenLink> Check(string root, IEnumerable<string> files)
    {
        root = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        var anchorsByFile = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        HashSet<string> AnchorsOf(string path)
        {
            if (!anchorsByFile.TryGetValue(path, out var anchors))
            {
                anchors = Anchors(File.ReadAllText(path)).ToHashSet(StringComparer.Ordinal);
                anchorsByFile[path] = anchors;
            }

            return anchors;
        }

        var broken = new List<BrokenLink>();
        foreach (var file in files.Select(f => Path.GetFullPath(Path.Combine(root, f))))
        {
            var name = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
            foreach (var link in Links(File.ReadAllText(file)))
            {
                var reason = Resolve(root, file, link, AnchorsOf);
                if (reason is not null)
                {
                    broken.Add(new BrokenLink(name, link, reason));
                }
            }
        }

        return broken;
    }

    /// <summary>Why the link does not resolve, or null when it does.</summary>
    private static string? Resolve(string root, string file, string link, Func<string, HashSet<string>> anchorsOf)
    {
        if (link.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || link.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (Scheme().IsMatch(link))
        {
            return "not a relative link nor an http(s) address";
        }

        var hash = link.IndexOf('#', StringComparison.Ordinal);
        var path = Uri.UnescapeDataString(hash < 0 ? link : link[..hash]);
        var anchor = hash < 0 ? null : Uri.UnescapeDataString(link[(hash + 1)..]);
        var target = path.Length == 0
            ? file
            : Path.GetFullPath(path.StartsWith('/') ? Path.Combine(root, path.TrimStart('/')) : Path.Combine(Path.GetDirectoryName(file)!, path));
        if (target != root && !target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return "leaves the repository";
        }

        if (!File.Exists(target))
        {
            return Directory.Exists(target) && anchor is null ? null : "no such file";
        }

        if (anchor is null || !target.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return anchorsOf(target).Contains(anchor) ? null : "no such heading";
    }

    /// <summary>The targets of the inline links and images outside code, in order.</summary>
    public static IReadOnlyList<string> Links(string markdown) =>
        Paragraphs(markdown)
            .Select(p => InlineCode().Replace(p, ""))
            .SelectMany(p => Link().Matches(p).Select(m => m.Groups["target"].Value))
            .ToList();

    /// <summary>The anchors GitHub gives the headings outside code, in order: a repeated heading gets -1, -2, ….</summary>
    public static IReadOnlyList<string> Anchors(string markdown)
    {
        var occurrences = new Dictionary<string, int>(StringComparer.Ordinal);
        var anchors = new List<string>();
        foreach (var line in ProseLines(markdown))
        {
            var heading = Heading().Match(line);
            if (!heading.Success)
            {
                continue;
            }

            var original = Slug(heading.Groups["text"].Value);
            var slug = original;
            while (occurrences.ContainsKey(slug))
            {
                occurrences[original]++;
                slug = $"{original}-{occurrences[original].ToString(CultureInfo.InvariantCulture)}";
            }

            occurrences[slug] = 0;
            anchors.Add(slug);
        }

        return anchors;
    }

    /// <summary>
    /// GitHub's anchor for a heading: the text as rendered (links by their text, code without its backticks),
    /// lowercased, each space a '-', and every character but letters, digits, '-' and '_' dropped.
    /// </summary>
    public static string Slug(string heading)
    {
        var text = HeadingLink().Replace(heading.Trim(), "${text}").Replace("`", "", StringComparison.Ordinal);
        var slug = new StringBuilder();
        foreach (var c in text.ToLowerInvariant())
        {
            if (c == ' ')
            {
                slug.Append('-');
            }
            else if (char.IsLetterOrDigit(c) || c is '-' or '_'
                || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
            {
                slug.Append(c);
            }
        }

        return slug.ToString();
    }

    /// <summary>The lines outside fenced code blocks.</summary>
    private static IEnumerable<string> ProseLines(string markdown)
    {
        string? fence = null;
        foreach (var line in markdown.ReplaceLineEndings("\n").Split('\n'))
        {
            var match = Fence().Match(line);
            if (fence is null && match.Success)
            {
                fence = match.Groups["fence"].Value;
            }
            else if (fence is not null)
            {
                if (match.Success && match.Groups["fence"].Value.StartsWith(fence, StringComparison.Ordinal) && match.Groups["info"].Value.Trim().Length == 0)
                {
                    fence = null;
                }
            }
            else
            {
                yield return line;
            }
        }
    }

    /// <summary>Runs of non-blank prose lines, so that inline code and links may wrap but never cross a paragraph.</summary>
    private static IEnumerable<string> Paragraphs(string markdown)
    {
        var paragraph = new List<string>();
        foreach (var line in ProseLines(markdown).Append(""))
        {
            if (line.Trim().Length > 0)
            {
                paragraph.Add(line);
            }
            else if (paragraph.Count > 0)
            {
                yield return string.Join('\n', paragraph);
                paragraph.Clear();
            }
        }
    }

    [GeneratedRegex(@"^ {0,3}(?<fence>`{3,}|~{3,})(?<info>.*)$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"(?<!`)(?<ticks>`+)(?!`)[\s\S]*?(?<!`)\k<ticks>(?!`)")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"!?\[[^\]]*\]\(\s*<?(?<target>[^)\s>]+)>?(?:\s+""[^""]*"")?\s*\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"!?\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex HeadingLink();

    [GeneratedRegex(@"^ {0,3}#{1,6}[ \t]+(?<text>.*?)(?:[ \t]+#+)?[ \t]*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.-]*:")]
    private static partial Regex Scheme();
}
