using PipelineImage.Context;

namespace PipelineImage.Tests.Context;

/// <summary>
/// Matching paths against .dockerignore patterns. The tables are moby/patternmatcher's patternmatcher_test.go
/// (TestMatches, TestMatch, TestCompile and the single-case tests), then the examples of the Docker docs, then the
/// consequences of moby handing parts of a pattern straight to Go's regexp engine, then BuildKit's directory pruning.
/// </summary>
public class DockerIgnoreMatcherTests
{
    // patternmatcher.New on these entries (no ReadAll clean-up in between, as in moby's tests).
    private static DockerIgnoreMatcher Matcher(params string[] entries) =>
        new(entries.Select((entry, index) => DockerIgnorePattern.Create(entry, index + 1)).OfType<DockerIgnorePattern>());

    // TestMatches: pattern, text, pass.
    public static TheoryData<string, string, bool> MobyMatches => new()
    {
        { "**", "file", true },
        { "**", "file/", true },
        { "**/", "file", true },
        { "**/", "file/", true },
        { "**", "/", true },
        { "**/", "/", true },
        { "**", "dir/file", true },
        { "**/", "dir/file", true },
        { "**", "dir/file/", true },
        { "**/", "dir/file/", true },
        { "**/**", "dir/file", true },
        { "**/**", "dir/file/", true },
        { "dir/**", "dir/file", true },
        { "dir/**", "dir/file/", true },
        { "dir/**", "dir/dir2/file", true },
        { "dir/**", "dir/dir2/file/", true },
        { "**/dir", "dir", true },
        { "**/dir", "dir/file", true },
        { "**/dir2/*", "dir/dir2/file", true },
        { "**/dir2/*", "dir/dir2/file/", true },
        { "**/dir2/**", "dir/dir2/dir3/file", true },
        { "**/dir2/**", "dir/dir2/dir3/file/", true },
        { "**file", "file", true },
        { "**file", "dir/file", true },
        { "**/file", "dir/file", true },
        { "**file", "dir/dir/file", true },
        { "**/file", "dir/dir/file", true },
        { "**/file*", "dir/dir/file", true },
        { "**/file*", "dir/dir/file.txt", true },
        { "**/file*txt", "dir/dir/file.txt", true },
        { "**/file*.txt", "dir/dir/file.txt", true },
        { "**/file*.txt*", "dir/dir/file.txt", true },
        { "**/**/*.txt", "dir/dir/file.txt", true },
        { "**/**/*.txt2", "dir/dir/file.txt", false },
        { "**/*.txt", "file.txt", true },
        { "**/**/*.txt", "file.txt", true },
        { "a**/*.txt", "a/file.txt", true },
        { "a**/*.txt", "a/dir/file.txt", true },
        { "a**/*.txt", "a/dir/dir/file.txt", true },
        { "a/*.txt", "a/dir/file.txt", false },
        { "a/*.txt", "a/file.txt", true },
        { "a/*.txt**", "a/file.txt", true },
        { "a[b-d]e", "ae", false },
        { "a[b-d]e", "ace", true },
        { "a[b-d]e", "aae", false },
        { "a[^b-d]e", "aze", true },
        { ".*", ".foo", true },
        { ".*", "foo", false },
        { "abc.def", "abcdef", false },
        { "abc.def", "abc.def", true },
        { "abc.def", "abcZdef", false },
        { "abc?def", "abcZdef", true },
        { "abc?def", "abcdef", false },
        { "a\\\\", "a\\", true },
        { "**/foo/bar", "foo/bar", true },
        { "**/foo/bar", "dir/foo/bar", true },
        { "**/foo/bar", "dir/dir2/foo/bar", true },
        { "abc/**", "abc", false },
        { "abc/**", "abc/def", true },
        { "abc/**", "abc/def/ghi", true },
        { "**/.foo", ".foo", true },
        { "**/.foo", "bar.foo", false },
        { "a(b)c/def", "a(b)c/def", true },
        { "a(b)c/def", "a(b)c/xyz", false },
        { "a.|)$(}+{bc", "a.|)$(}+{bc", true },
        { "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true },
        { "dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true },
        { "a\\*b", "a*b", true }, // Unix only in moby's table
    };

    // TestMatches' multiPatternTests.
    public static TheoryData<string[], string, bool> MobyMultiPatternMatches => new()
    {
        { ["**", "!util/docker/web"], "util/docker/web/foo", false },
        { ["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", true },
        { ["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false },
        { ["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false },
    };

    [Theory]
    [MemberData(nameof(MobyMatches))]
    public void MatchesOrParentMatches(string pattern, string text, bool excluded) =>
        Assert.Equal(excluded, Matcher(pattern).Evaluate(text).IsExcluded);

    [Theory]
    [MemberData(nameof(MobyMultiPatternMatches))]
    public void MatchesOrParentMatchesWithSeveralPatterns(string[] patterns, string text, bool excluded) =>
        Assert.Equal(excluded, Matcher(patterns).Evaluate(text).IsExcluded);

    [Theory]
    [MemberData(nameof(MobyMatches))]
    public void MatchesUsingParentResults(string pattern, string text, bool excluded) =>
        Assert.Equal(excluded, EvaluateWalkingDown(Matcher(pattern), text));

    [Theory]
    [MemberData(nameof(MobyMultiPatternMatches))]
    public void MatchesUsingParentResultsWithSeveralPatterns(string[] patterns, string text, bool excluded) =>
        Assert.Equal(excluded, EvaluateWalkingDown(Matcher(patterns), text));

    [Theory]
    [MemberData(nameof(MobyMatches))]
    public void MatchesUsingParentResultsNoContext(string pattern, string text, bool excluded) =>
        Assert.Equal(excluded, Matcher(pattern).Evaluate(text).IsExcluded);

    [Theory]
    [MemberData(nameof(MobyMultiPatternMatches))]
    public void MatchesUsingParentResultsNoContextWithSeveralPatterns(string[] patterns, string text, bool excluded) =>
        Assert.Equal(excluded, Matcher(patterns).Evaluate(text).IsExcluded);

    // As moby's test does it: evaluate each parent directory in turn, handing its result down.
    private static bool EvaluateWalkingDown(DockerIgnoreMatcher matcher, string text)
    {
        var parentPath = GoStandardLibrary.Dir(text);
        DockerIgnoreResult? parent = null;
        if (parentPath != ".")
        {
            var directories = parentPath.Split('/');
            for (var count = 1; count <= directories.Length; count++)
            {
                parent = matcher.Evaluate(string.Join('/', directories, 0, count), parent);
            }
        }

        return matcher.Evaluate(text, parent).IsExcluded;
    }

    // TestMatch: Go's filepath.Match tests run through patternmatcher.Matches (which cleans the path and never
    // excludes "."). Null for the patterns that are errors.
    public static TheoryData<string, string, bool?> GoFilepathMatchTests => new()
    {
        { "abc", "abc", true },
        { "*", "abc", true },
        { "*c", "abc", true },
        { "a*", "a", true },
        { "a*", "abc", true },
        { "a*", "ab/c", true },
        { "a*/b", "abc/b", true },
        { "a*/b", "a/c/b", false },
        { "a*b*c*d*e*/f", "axbxcxdxe/f", true },
        { "a*b*c*d*e*/f", "axbxcxdxexxx/f", true },
        { "a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false },
        { "a*b*c*d*e*/f", "axbxcxdxexxx/fff", false },
        { "a*b?c*x", "abxbbxdbxebxczzx", true },
        { "a*b?c*x", "abxbbxdbxebxczzy", false },
        { "ab[c]", "abc", true },
        { "ab[b-d]", "abc", true },
        { "ab[e-g]", "abc", false },
        { "ab[^c]", "abc", false },
        { "ab[^b-d]", "abc", false },
        { "ab[^e-g]", "abc", true },
        { "a\\*b", "a*b", true },
        { "a\\*b", "ab", false },
        { "a?b", "a☺b", true },
        { "a[^a]b", "a☺b", true },
        { "a???b", "a☺b", false },
        { "a[^a][^a][^a]b", "a☺b", false },
        { "[a-ζ]*", "α", true },
        { "*[a-ζ]", "A", false },
        { "a?b", "a/b", false },
        { "a*b", "a/b", false },
        { "[\\]a]", "]", true },
        { "[\\-]", "-", true },
        { "[x\\-]", "x", true },
        { "[x\\-]", "-", true },
        { "[x\\-]", "z", false },
        { "[\\-x]", "x", true },
        { "[\\-x]", "-", true },
        { "[\\-x]", "a", false },
        { "[]a]", "]", null },
        { "[-]", "-", null },
        { "[x-]", "x", null },
        { "[x-]", "-", null },
        { "[x-]", "z", null },
        { "[-x]", "x", null },
        { "[-x]", "-", null },
        { "[-x]", "a", null },
        { "\\", "a", null },
        { "[a-b-c]", "a", null },
        { "[", "a", null },
        { "[^", "a", null },
        { "[^bc", "a", null },
        { "a[", "a", null },
        { "a[", "ab", null },
        { "*x", "xxx", true },
    };

    [Theory]
    [MemberData(nameof(GoFilepathMatchTests))]
    public void GoFilepathMatchCases(string pattern, string text, bool? excluded)
    {
        if (excluded is null)
        {
            Assert.Throws<FormatException>(() => DockerIgnorePattern.Create(pattern, 1));
            return;
        }

        Assert.Equal(excluded, MatchesCleaned(Matcher(pattern), text));
    }

    private static bool MatchesCleaned(DockerIgnoreMatcher matcher, string file)
    {
        file = GoStandardLibrary.Clean(file);
        return file != "." && matcher.Evaluate(file).IsExcluded;
    }

    // TestCompile: how each pattern is matched, and the Go regexp it becomes.
    [Theory]
    [InlineData("*", "Regex", "^[^/]*$")]
    [InlineData("file*", "Regex", "^file[^/]*$")]
    [InlineData("*file", "Regex", "^[^/]*file$")]
    [InlineData("a*/b", "Regex", "^a[^/]*/b$")]
    [InlineData("**", "Suffix", null)]
    [InlineData("**/**", "Regex", "^(.*/)?.*$")]
    [InlineData("dir/**", "Prefix", null)]
    [InlineData("**/dir", "Suffix", null)]
    [InlineData("**/dir2/*", "Regex", "^(.*/)?dir2/[^/]*$")]
    [InlineData("**/dir2/**", "Regex", "^(.*/)?dir2/.*$")]
    [InlineData("**file", "Suffix", null)]
    [InlineData("**/file*txt", "Regex", "^(.*/)?file[^/]*txt$")]
    [InlineData("**/**/*.txt", "Regex", "^(.*/)?(.*/)?[^/]*\\.txt$")]
    [InlineData("a[b-d]e", "Regex", "^a[b-d]e$")]
    [InlineData(".*", "Regex", "^\\.[^/]*$")]
    [InlineData("abc.def", "Exact", null)]
    [InlineData("abc?def", "Regex", "^abc[^/]def$")]
    [InlineData("**/foo/bar", "Suffix", null)]
    [InlineData("a(b)c/def", "Exact", null)]
    [InlineData("a.|)$(}+{bc", "Exact", null)]
    [InlineData("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", "Exact", null)]
    public void Compile(string pattern, string kind, string? regex)
    {
        var pattern1 = DockerIgnorePattern.Create(pattern, 1)!;

        Assert.Equal(kind, pattern1.Kind.ToString());
        Assert.Equal(regex, pattern1.RegexText);
    }

    [Fact]
    public void WildcardMatches() => Assert.True(MatchesCleaned(Matcher("*"), "fileutils.go"));

    [Fact]
    public void PatternMatches() => Assert.True(MatchesCleaned(Matcher("*.go"), "fileutils.go"));

    [Fact]
    public void ExclusionPatternMatchesPatternBefore() =>
        Assert.True(MatchesCleaned(Matcher("!fileutils.go", "*.go"), "fileutils.go"));

    [Theory]
    [InlineData("docs")]
    [InlineData("docs/")]
    [InlineData("docs/*")]
    public void PatternMatchesFolderExclusions(string folder) =>
        Assert.False(MatchesCleaned(Matcher(folder, "!docs/README.md"), "docs/README.md"));

    [Fact]
    public void ExclusionPatternMatchesPatternAfter() =>
        Assert.False(MatchesCleaned(Matcher("*.go", "!fileutils.go"), "fileutils.go"));

    [Fact]
    public void ExclusionPatternMatchesWholeDirectory() => Assert.False(MatchesCleaned(Matcher("*.go"), "."));

    [Fact]
    public void MatchesWithNoPatterns() => Assert.False(MatchesCleaned(Matcher(), "/any/path/there"));

    // The Docker docs' .dockerignore section ("Build context" > ".dockerignore files").
    [Theory]
    [InlineData("somedir/temporary.txt", true)]
    [InlineData("somedir/temp", true)]
    [InlineData("somedir/temp/file", true)]
    [InlineData("temporary.txt", false)]
    [InlineData("somedir/subdir/temporary.txt", false)]
    public void DocsExampleOneLevelDown(string path, bool excluded) =>
        Assert.Equal(excluded, DockerIgnoreMatcher.FromText("# comment\n*/temp*").Evaluate(path).IsExcluded);

    [Theory]
    [InlineData("somedir/subdir/temporary.txt", true)]
    [InlineData("somedir/temporary.txt", false)]
    public void DocsExampleTwoLevelsDown(string path, bool excluded) =>
        Assert.Equal(excluded, DockerIgnoreMatcher.FromText("*/*/temp*").Evaluate(path).IsExcluded);

    [Theory]
    [InlineData("tempa", true)]
    [InlineData("tempb", true)]
    [InlineData("temp", false)]
    [InlineData("tempab", false)]
    [InlineData("dir/tempa", false)]
    public void DocsExampleQuestionMark(string path, bool excluded) =>
        Assert.Equal(excluded, DockerIgnoreMatcher.FromText("temp?").Evaluate(path).IsExcluded);

    [Theory]
    [InlineData("main.go", true)]
    [InlineData("a/b/c/main.go", true)]
    [InlineData("main.gox", false)]
    public void DocsExampleDoubleStar(string path, bool excluded) =>
        Assert.Equal(excluded, DockerIgnoreMatcher.FromText("**/*.go").Evaluate(path).IsExcluded);

    [Theory]
    [InlineData("/foo/bar")]
    [InlineData("foo/bar")]
    [InlineData("./foo/bar/")]
    [InlineData("foo/baz/../bar")]
    public void DocsExampleRootIsTheContext(string line)
    {
        var matcher = DockerIgnoreMatcher.FromText(line);

        Assert.True(matcher.Evaluate("foo/bar").IsExcluded);
        Assert.True(matcher.Evaluate("foo/bar/x").IsExcluded);
        Assert.False(matcher.Evaluate("x/foo/bar").IsExcluded);
    }

    [Theory]
    [InlineData("*.md\n!README.md", "CHANGES.md", true)]
    [InlineData("*.md\n!README.md", "README.md", false)]
    [InlineData("*.md\n!README*.md\nREADME-secret.md", "README-secret.md", true)]
    [InlineData("*.md\n!README*.md\nREADME-secret.md", "README-public.md", false)]
    [InlineData("*.md\n!README*.md\nREADME-secret.md", "CHANGES.md", true)]
    [InlineData("*.md\nREADME-secret.md\n!README*.md", "README-secret.md", false)]
    [InlineData("*.md\nREADME-secret.md\n!README*.md", "CHANGES.md", true)]
    public void DocsExamplesExceptions(string text, string path, bool excluded) =>
        Assert.Equal(excluded, DockerIgnoreMatcher.FromText(text).Evaluate(path).IsExcluded);

    [Theory]
    [InlineData("a.txt", false)]
    [InlineData("a.md", true)]
    [InlineData("docs/a.md", false)] // "*.md" only looks at the root
    public void PatternsAreRelativeToTheRoot(string path, bool excluded) =>
        Assert.Equal(excluded, DockerIgnoreMatcher.FromText("*.md").Evaluate(path).IsExcluded);

    [Theory]
    [InlineData("bin", true)]
    [InlineData("bin/a/b", true)]
    [InlineData("bin/keep/x", false)]
    [InlineData("bin/keep", false)]
    [InlineData("bin/keep/secret", true)]
    [InlineData("binary", false)]
    public void TheLastMatchingPatternWins(string path, bool excluded) =>
        Assert.Equal(excluded, DockerIgnoreMatcher.FromText("bin\n!bin/keep\nbin/keep/secret").Evaluate(path).IsExcluded);

    // Moby passes '[', ']' and backslash escapes through to Go's regexp engine, so RE2 syntax leaks into patterns.
    [Theory]
    [InlineData("[!a]x", "!x", true)] // '!' does not negate a class (Go's filepath.Match only knows '^')
    [InlineData("[!a]x", "ax", true)]
    [InlineData("[!a]x", "bx", false)]
    [InlineData("[^a]x", "bx", true)]
    [InlineData("[^a]x", "/x", true)] // a negated class also matches '/'
    [InlineData("[[:alpha:]]", "q", true)] // POSIX classes
    [InlineData("[[:alpha:]]", "1", false)]
    [InlineData("[[:^digit:]]", "q", true)]
    [InlineData("[*]", "]", true)] // '*' inside a class becomes "[^/]*": the class ends early
    [InlineData("[*]", "a]", false)]
    [InlineData("[*]", "[^/]", true)]
    [InlineData("[*]", "*", false)]
    [InlineData("[?]", "^]", true)]
    [InlineData("[?]", "?", false)]
    [InlineData("^a*", "abc", true)] // '^' is the start anchor
    [InlineData("^a*", "^abc", false)]
    [InlineData("a^b*", "a^b", false)] // an anchor in the middle never matches...
    [InlineData("a^b", "a^b", true)] // ...but without a wildcard the pattern is compared literally
    [InlineData("a\\b", "a", true)] // "\b" is RE2's word boundary
    [InlineData("a\\b", "ab", false)]
    [InlineData("x\\d", "x7", true)] // "\d" is an ASCII digit
    [InlineData("x\\d", "x٧", false)]
    [InlineData("x\\w", "x_", true)]
    [InlineData("x\\S", "x/", true)]
    [InlineData("x\\s", "x ", true)]
    [InlineData("\\pL", "é", true)] // Unicode classes with one-letter names
    [InlineData("\\pL", "1", false)]
    [InlineData("\\PL", "1", true)]
    [InlineData("a\\12", "a\n", true)] // octal escape
    [InlineData("a\\0", "a\0", true)]
    [InlineData("\\x41", "A", true)] // hex escape
    [InlineData("a\\t", "a\t", true)]
    [InlineData("a\\n", "an", false)]
    [InlineData("\\Qa*", "a[^/]*$", true)] // \Q quotes the rest, including moby's own "$"...
    [InlineData("\\Qa*", "a[^/]*$/more", true)] // ...so the match is no longer anchored at the end
    [InlineData("\\Qa*", "abc", false)]
    [InlineData("\\Q*\\E", "[^/]*", true)]
    [InlineData("a\\.b*", "a.bc", true)]
    [InlineData("a\\.b*", "axbc", false)]
    [InlineData("a\\Ab*", "ab", false)] // \A is the start of the text
    [InlineData("a*\\z", "ab", true)]
    public void RegexpSyntaxLeaksThrough(string pattern, string path, bool excluded) =>
        Assert.Equal(excluded, Matcher(pattern).Evaluate(path).IsExcluded);

    // Differences between Go's regexp and .NET's Regex that the port must not inherit.
    [Theory]
    [InlineData("*.txt", "a.txt\n", false)] // '$' is the end of the text, not "before a final newline"
    [InlineData("*", "a\nb", true)] // "[^/]" matches a newline...
    [InlineData("a/**", "a/b\nc", true)]
    [InlineData("x**/y", "x\n/y", false)] // ...but '.' in "(.*/)?" does not
    [InlineData("a?b", "a😀b", true)] // '?' is one code point, even outside the BMP
    [InlineData("a??b", "a😀b", false)]
    [InlineData("a[😀]b", "a😀b", true)]
    [InlineData("x\\pS", "x😀", true)]
    [InlineData("x\\d", "x١", false)] // .NET's \d would accept an Arabic-Indic digit
    [InlineData("*.TXT", "a.txt", false)] // case-sensitive
    public void GoRegexpSemanticsNotDotNets(string pattern, string path, bool excluded) =>
        Assert.Equal(excluded, Matcher(pattern).Evaluate(path).IsExcluded);

    [Theory]
    [InlineData("**file", "myfile", true)] // a leading "**" is a plain suffix test
    [InlineData("**/file", "myfile", false)]
    [InlineData("abc**", "abcdef", true)] // a trailing "**" after plain text is a plain prefix test
    [InlineData("abc**", "abc", true)]
    [InlineData("/", "a", false)] // "/" matches no relative path
    public void PrefixAndSuffixPatterns(string pattern, string path, bool excluded) =>
        Assert.Equal(excluded, Matcher(pattern).Evaluate(path).IsExcluded);

    [Fact]
    public void ParentResultsDifferFromParentMatchingWhenAPatternWasSkippedForTheParent()
    {
        // "!a" is not evaluated for "a" (nothing is excluded yet there), so BuildKit's walk does not carry its
        // match down to "a/b/c", while matching every parent does find it.
        var matcher = Matcher("a/b", "!a");
        var a = matcher.Evaluate("a");
        var ab = matcher.Evaluate("a/b", a);

        Assert.True(matcher.Evaluate("a/b/c", ab).IsExcluded);
        Assert.False(matcher.Evaluate("a/b/c").IsExcluded);
    }

    // BuildKit's pruning of excluded directories (fsutil filterFS.Walk).
    [Theory]
    [InlineData("node_modules", "node_modules", true)] // no exceptions
    [InlineData("bin\n!bin/keep.txt", "bin", false)] // an exception inside
    [InlineData("bin\n!bin/sub/keep.txt", "bin/sub", false)]
    [InlineData("bin\n!bin/sub/keep.txt", "bin/other", true)]
    [InlineData("bin\n!obj/keep.txt", "bin", true)]
    [InlineData("bin\n!bin", "bin", false)] // "bin/" starts with "bin/"
    [InlineData("bin\n!binary", "bin", true)]
    [InlineData("bin\n!bin/keep/*", "bin", false)] // the exception's text starts with "bin/"
    [InlineData("bin\n!bin/keep/**", "bin/keep", false)]
    [InlineData("bin\n!other/**", "bin", true)]
    [InlineData("bin\n!**/keep.txt", "bin", true)] // matches bin/keep.txt, yet the docker CLI skips bin
    [InlineData("bin\n!obj/*.txt", "bin", true)]
    [InlineData("bin\n!b*", "bin", true)]
    [InlineData("bin\n!bin/a\\b", "bin", false)]
    public void CanSkipExcludedDirectory(string text, string directory, bool canSkip) =>
        Assert.Equal(canSkip, DockerIgnoreMatcher.FromText(text).CanSkipExcludedDirectory(directory));

    [Fact]
    public void AParentResultFromAnotherMatcherIsRejected()
    {
        var parent = Matcher("a", "b").Evaluate("a");

        Assert.Throws<ArgumentException>(() => Matcher("a").Evaluate("a/b", parent));
    }
}
