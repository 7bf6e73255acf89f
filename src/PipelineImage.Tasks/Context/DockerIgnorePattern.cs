using System.Text;

namespace PipelineImage.Context;

/// <summary>
/// One pattern of a .dockerignore file as the Docker CLI and BuildKit use it (moby/patternmatcher's
/// <c>Pattern</c>): the cleaned pattern text without its <c>!</c>, whether it is an exception, and how it matches.
/// </summary>
/// <remarks>
/// Like moby, a pattern is turned into one of four kinds of match: a pattern without wildcards compares whole
/// paths; one that ends in <c>**</c> after plain text is a prefix test; one that starts with <c>**</c> followed by
/// plain text is a suffix test (so <c>**file</c> also matches <c>myfile</c>); anything else becomes a regular
/// expression in which <c>*</c> is <c>[^/]*</c>, <c>?</c> is <c>[^/]</c>, <c>**</c> is <c>(.*/)?</c> (or <c>.*</c>
/// at the end), <c>[</c>, <c>]</c> and <c>\x</c> pass through to Go's regexp engine unchanged, and
/// <c>.+()|{}$</c> are escaped.
/// </remarks>
internal sealed class DockerIgnorePattern
{
    private readonly string? _prefix;
    private readonly string? _suffix;
    private readonly GoRegex? _regex;

    private DockerIgnorePattern(string text, bool isException, int line, PatternKind kind, string? regex, GoRegex? compiled)
    {
        Text = text;
        IsException = isException;
        Line = line;
        Kind = kind;
        RegexText = regex;
        _regex = compiled;
        if (kind == PatternKind.Prefix)
        {
            _prefix = text[..^2];
        }
        else if (kind == PatternKind.Suffix)
        {
            _suffix = text[2..];
        }
    }

    /// <summary>The cleaned pattern without its leading <c>!</c> (moby's <c>Pattern.String()</c>).</summary>
    public string Text { get; }

    /// <summary>True for a <c>!</c> line, which re-includes what earlier patterns excluded.</summary>
    public bool IsException { get; }

    /// <summary>The 1-based line of the ignore file the pattern came from (0 when not from a file).</summary>
    public int Line { get; }

    internal PatternKind Kind { get; }

    /// <summary>The Go regular expression moby generates, for <see cref="PatternKind.Regex"/> patterns.</summary>
    internal string? RegexText { get; }

    public override string ToString() => IsException ? "!" + Text : Text;

    /// <summary>
    /// Builds a pattern from one entry as moby's <c>patternmatcher.New</c> receives it (for example a line that
    /// <see cref="DockerIgnore.ReadAll"/> returned): trims it, cleans it, splits off a leading <c>!</c>, checks the
    /// syntax with Go's <c>filepath.Match</c> rules and compiles it. Returns null for an entry that is blank.
    /// </summary>
    /// <exception cref="FormatException">The entry is not a valid pattern; the message says why.</exception>
    internal static DockerIgnorePattern? Create(string entry, int line)
    {
        var text = GoStandardLibrary.TrimSpace(entry);
        if (text.Length == 0)
        {
            return null;
        }

        text = GoStandardLibrary.Clean(text);
        var isException = text[0] == '!';
        if (isException)
        {
            if (text.Length == 1)
            {
                throw new FormatException("'!' must be followed by the pattern to make an exception for");
            }

            text = text[1..];
        }

        var syntaxError = GoStandardLibrary.GlobSyntaxError(text);
        if (syntaxError is not null)
        {
            throw new FormatException(syntaxError);
        }

        var (kind, regex) = Translate(text);
        GoRegex? compiled = null;
        if (kind == PatternKind.Regex)
        {
            try
            {
                compiled = GoRegex.Compile(regex!);
            }
            catch (FormatException error)
            {
                // moby only finds this when it first matches a path against the pattern, and then fails the build.
                throw new FormatException($"Go's regexp engine rejects its translation '{regex}': {error.Message}");
            }
        }

        return new DockerIgnorePattern(text, isException, line, kind, regex, compiled);
    }

    /// <summary>moby's <c>Pattern.match</c>: whether this pattern, on its own, matches the path.</summary>
    internal bool Matches(string path) => Kind switch
    {
        PatternKind.Exact => path == Text,
        PatternKind.Prefix => path.StartsWith(_prefix!, StringComparison.Ordinal),
        // "**/foo" also matches "foo" itself.
        PatternKind.Suffix => path.EndsWith(_suffix!, StringComparison.Ordinal)
            || (_suffix!.Length > 0 && _suffix[0] == '/' && path == _suffix[1..]),
        _ => _regex!.IsMatch(path),
    };

    /// <summary>
    /// moby's <c>Pattern.compile</c> for a Unix host: the kind of match and, for <see cref="PatternKind.Regex"/>,
    /// the Go regular expression text.
    /// </summary>
    internal static (PatternKind Kind, string? Regex) Translate(string pattern)
    {
        var p = GoStandardLibrary.CodePoints(pattern);
        var regex = new StringBuilder("^");
        var kind = PatternKind.Exact;

        // Go's text/scanner skips a byte order mark at the very start.
        var at = p.Length > 0 && p[0] == 0xFEFF ? 1 : 0;
        for (var step = 0; at < p.Length; step++)
        {
            var c = p[at++];
            switch (c)
            {
                case '*' when at < p.Length && p[at] == '*':
                    at++;
                    if (at < p.Length && p[at] == '/')
                    {
                        at++; // "**/" is treated as "**"
                    }

                    if (at == p.Length)
                    {
                        // A trailing "**" matches everything below, like .gitignore.
                        if (kind == PatternKind.Exact)
                        {
                            kind = PatternKind.Prefix;
                        }
                        else
                        {
                            regex.Append(".*");
                            kind = PatternKind.Regex;
                        }
                    }
                    else
                    {
                        // Any number of directories, including none.
                        regex.Append("(.*/)?");
                        kind = PatternKind.Regex;
                    }

                    if (step == 0)
                    {
                        kind = PatternKind.Suffix;
                    }

                    break;
                case '*':
                    regex.Append("[^/]*");
                    kind = PatternKind.Regex;
                    break;
                case '?':
                    regex.Append("[^/]");
                    kind = PatternKind.Regex;
                    break;
                case '.' or '+' or '(' or ')' or '|' or '{' or '}' or '$':
                    regex.Append('\\').Append((char)c);
                    break;
                case '\\':
                    if (at < p.Length)
                    {
                        regex.Append('\\').Append(char.ConvertFromUtf32(p[at++]));
                        kind = PatternKind.Regex;
                    }
                    else
                    {
                        regex.Append('\\');
                    }

                    break;
                case '[' or ']':
                    regex.Append((char)c);
                    kind = PatternKind.Regex;
                    break;
                default:
                    regex.Append(char.ConvertFromUtf32(c));
                    break;
            }
        }

        return kind == PatternKind.Regex ? (kind, regex.Append('$').ToString()) : (kind, null);
    }
}

/// <summary>How a <see cref="DockerIgnorePattern"/> matches (moby's <c>matchType</c>).</summary>
internal enum PatternKind
{
    Exact,
    Prefix,
    Suffix,
    Regex,
}
