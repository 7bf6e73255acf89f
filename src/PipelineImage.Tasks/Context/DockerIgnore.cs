using PipelineImage.Diagnostics;

namespace PipelineImage.Context;

/// <summary>
/// Reads a .dockerignore file the way the Docker CLI and BuildKit do (moby/patternmatcher's
/// <c>ignorefile.ReadAll</c> followed by <c>patternmatcher.New</c>).
/// </summary>
/// <remarks>
/// Per line: a UTF-8 byte order mark is dropped from the first line; a line whose first character is <c>#</c> is
/// a comment (an indented <c>#</c> is not: it starts a pattern); surrounding white space is trimmed and blank lines
/// are skipped; a leading <c>!</c> makes the line an exception, and white space after it is trimmed too; the rest
/// is cleaned like Go's <c>filepath.Clean</c> (so <c>./a</c>, <c>a/../a</c> and <c>a/</c> are all <c>a</c>) and
/// one leading <c>/</c> is dropped. There is no escape for a literal leading <c>!</c> or <c>#</c>: <c>\!x</c> is
/// the pattern <c>\!x</c>, in which <c>\!</c> matches <c>!</c>.
/// </remarks>
internal static class DockerIgnore
{
    /// <summary>The name of the ignore file at the root of a build context.</summary>
    public const string FileName = ".dockerignore";

    /// <summary>
    /// The pattern entries of an ignore file exactly as <c>ignorefile.ReadAll</c> returns them (exceptions keep
    /// their <c>!</c>; a bare <c>!</c> is returned as is and only rejected by <see cref="Parse"/>), with the 1-based
    /// line each came from.
    /// </summary>
    public static IReadOnlyList<(string Entry, int Line)> ReadAll(string text)
    {
        var entries = new List<(string, int)>();
        var lines = text.Split('\n');
        for (var index = 0; index < lines.Length; index++)
        {
            var line = lines[index];

            // bufio.ScanLines: a final empty "line" after the last newline is no line; one trailing \r is dropped.
            if (index == lines.Length - 1 && line.Length == 0)
            {
                break;
            }

            if (line.EndsWith('\r'))
            {
                line = line[..^1];
            }

            if (index == 0 && line.StartsWith('\uFEFF'))
            {
                line = line[1..];
            }

            if (line.StartsWith('#'))
            {
                continue;
            }

            var pattern = GoStandardLibrary.TrimSpace(line);
            if (pattern.Length == 0)
            {
                continue;
            }

            var isException = pattern[0] == '!';
            if (isException)
            {
                pattern = GoStandardLibrary.TrimSpace(pattern[1..]);
            }

            if (pattern.Length > 0)
            {
                // Relative to the context: "/a" is "a" (but "/" stays "/").
                pattern = GoStandardLibrary.Clean(pattern);
                if (pattern.Length > 1 && pattern[0] == '/')
                {
                    pattern = pattern[1..];
                }
            }

            entries.Add((isException ? "!" + pattern : pattern, index + 1));
        }

        return entries;
    }

    /// <summary>
    /// Parses the text of an ignore file into its patterns, in order. Invalid patterns are errors here, where
    /// Docker reports some of them (those its regexp engine rejects) only once it matches a path against them.
    /// </summary>
    /// <param name="text">The file's text (a leading byte order mark is allowed).</param>
    /// <param name="fileName">The file's name or path, for messages.</param>
    /// <exception cref="PipelineImageException">PIMG3001: a pattern is invalid.</exception>
    public static IReadOnlyList<DockerIgnorePattern> Parse(string text, string fileName = FileName)
    {
        var patterns = new List<DockerIgnorePattern>();
        foreach (var (entry, line) in ReadAll(text))
        {
            DockerIgnorePattern? pattern;
            try
            {
                pattern = DockerIgnorePattern.Create(entry, line);
            }
            catch (FormatException error)
            {
                throw new PipelineImageException(
                    error, DiagnosticCodes.InvalidDockerIgnorePattern, fileName, line, entry, error.Message);
            }

            if (pattern is not null)
            {
                patterns.Add(pattern);
            }
        }

        return patterns;
    }
}
