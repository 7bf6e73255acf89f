namespace PipelineImage.Context;

/// <summary>
/// Decides which paths of a build context a .dockerignore excludes, with the semantics of moby/patternmatcher as
/// the Docker CLI and BuildKit use it. Paths are relative to the context root, <c>/</c>-separated and clean
/// (<c>src/app.cs</c>, no <c>./</c>, no trailing <c>/</c>), as a directory walk produces them.
/// </summary>
/// <remarks>
/// The patterns are applied in order and the last one that matches decides: an ordinary pattern excludes, an
/// exception (<c>!</c>) re-includes. A pattern that matches a directory also matches everything below it. Pure:
/// no file system access.
/// </remarks>
internal sealed class DockerIgnoreMatcher
{
    private readonly DockerIgnorePattern[] _patterns;

    public DockerIgnoreMatcher(IEnumerable<DockerIgnorePattern> patterns)
    {
        _patterns = patterns.ToArray();
        HasExceptions = _patterns.Any(p => p.IsException);
    }

    /// <summary>Parses <paramref name="text"/> (see <see cref="DockerIgnore.Parse"/>) and builds its matcher.</summary>
    /// <exception cref="Diagnostics.PipelineImageException">PIMG3001: a pattern is invalid.</exception>
    public static DockerIgnoreMatcher FromText(string text, string fileName = DockerIgnore.FileName) =>
        new(DockerIgnore.Parse(text, fileName));

    public IReadOnlyList<DockerIgnorePattern> Patterns => _patterns;

    /// <summary>True when some pattern is an exception (moby's <c>Exclusions()</c>).</summary>
    public bool HasExceptions { get; }

    /// <summary>
    /// Whether the path is excluded, given the result for its parent directory, as BuildKit evaluates paths while
    /// it walks the context (moby's <c>MatchesUsingParentResults</c>). Pass null for a path at the root, or when
    /// the parent's result is not at hand (then the last pattern that matches the path or one of its parent
    /// directories decides, as moby's <c>MatchesOrParentMatches</c>). Keep the result of a directory to pass for its
    /// children.
    /// </summary>
    /// <remarks>
    /// This can differ from the result without a parent: a pattern's match on a parent only carries over to the
    /// children if it was evaluated for the parent, which it is not when the order of patterns made it irrelevant
    /// there. The difference only shows below a directory that is excluded but still walked.
    /// </remarks>
    public DockerIgnoreResult Evaluate(string relativePath, DockerIgnoreResult? parent = null)
    {
        if (parent is not null && parent.PatternMatched.Length != _patterns.Length)
        {
            throw new ArgumentException("The parent result comes from a different matcher.", nameof(parent));
        }

        var matched = new bool[_patterns.Length];
        var excluded = false;
        for (var i = 0; i < _patterns.Length; i++)
        {
            var pattern = _patterns[i];
            var match = parent?.PatternMatched[i] ?? false;
            if (!match)
            {
                if (pattern.IsException != excluded)
                {
                    continue;
                }

                match = pattern.Matches(relativePath);
                if (!match && parent is null)
                {
                    var parentPath = GoStandardLibrary.Dir(relativePath);
                    match = parentPath != "." && MatchesAParent(pattern, parentPath.Split('/'));
                }
            }

            matched[i] = match;
            if (match)
            {
                excluded = !pattern.IsException;
            }
        }

        return new DockerIgnoreResult(excluded, matched);
    }

    /// <summary>
    /// For a directory that is excluded: whether a walk can skip everything below it, as the Docker CLI decides
    /// when it sends a context to the classic builder (moby's archive <c>TarWithOptions</c>). It can when there are
    /// no exceptions, or when no exception's text, followed by <c>/</c>, starts with the directory's path and a
    /// <c>/</c>. So <c>!**/keep.txt</c> does not keep an excluded <c>bin</c> from being skipped, although it
    /// matches <c>bin/keep.txt</c>: the CLI never sends that file, and neither do we. (BuildKit walks such
    /// directories when an exception holds a glob character; the classic builder is what we drive.)
    /// </summary>
    public bool CanSkipExcludedDirectory(string relativeDirectory)
    {
        var directoryWithSlash = relativeDirectory + "/";
        return !_patterns.Any(pattern =>
            pattern.IsException && (pattern.Text + "/").StartsWith(directoryWithSlash, StringComparison.Ordinal));
    }

    private static bool MatchesAParent(DockerIgnorePattern pattern, string[] parentDirectories)
    {
        for (var count = 1; count <= parentDirectories.Length; count++)
        {
            if (pattern.Matches(string.Join('/', parentDirectories, 0, count)))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// The outcome of <see cref="DockerIgnoreMatcher.Evaluate"/> for one path (moby's <c>MatchInfo</c> with the
/// answer): pass a directory's result when evaluating its children.
/// </summary>
internal sealed class DockerIgnoreResult
{
    internal DockerIgnoreResult(bool isExcluded, bool[] patternMatched)
    {
        IsExcluded = isExcluded;
        PatternMatched = patternMatched;
    }

    public bool IsExcluded { get; }

    internal bool[] PatternMatched { get; }
}
