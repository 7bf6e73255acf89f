using PipelineImage.Context;
using PipelineImage.Diagnostics;

namespace PipelineImage.Tests.Context;

/// <summary>
/// Reading .dockerignore files: moby/patternmatcher's ignorefile_test.go (TestReadAll) and the pattern clean-up
/// tests of patternmatcher_test.go, plus the rules the Docker docs give for the file.
/// </summary>
public class DockerIgnoreTests
{
    [Fact]
    public void ReadAllOfMobysTestContent()
    {
        // ignorefile_test.go TestReadAll.
        const string content = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ";

        var entries = DockerIgnore.ReadAll(content).Select(e => e.Entry);

        Assert.Equal(["test1", "test2", "a/file/here", "lastfile", "!inverted/abs/path", "!", "!"], entries);
    }

    [Fact]
    public void ReadAllOfNothingIsEmpty() => Assert.Empty(DockerIgnore.ReadAll(""));

    [Theory]
    [InlineData("a", "a")]
    [InlineData("  a  ", "a")]
    [InlineData("\ta\t", "a")]
    [InlineData("a\r", "a")]
    [InlineData("\u00A0a\u3000", "a")]
    [InlineData("/a", "a")]
    [InlineData("//a", "a")]
    [InlineData("/a/b/", "a/b")]
    [InlineData("./a", "a")]
    [InlineData("a/./b", "a/b")]
    [InlineData("a//b", "a/b")]
    [InlineData("a/../b", "b")]
    [InlineData("a/..", ".")]
    [InlineData("../a", "../a")]
    [InlineData("/../a", "a")]
    [InlineData("/", "/")]
    [InlineData("!a", "!a")]
    [InlineData("! a", "!a")]
    [InlineData("!  /a/", "!a")]
    [InlineData("!./a/../b", "!b")]
    [InlineData("!", "!")]
    [InlineData(" # not a comment", "# not a comment")]
    [InlineData("\\!a", "\\!a")]
    [InlineData("\\#a", "\\#a")]
    [InlineData("a b", "a b")]
    [InlineData("*.md ", "*.md")]
    public void ReadAllCleansEachLine(string line, string expected)
    {
        var entry = Assert.Single(DockerIgnore.ReadAll(line));

        Assert.Equal(expected, entry.Entry);
    }

    [Theory]
    [InlineData("# comment")]
    [InlineData("#")]
    [InlineData("#!a")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\r")]
    public void ReadAllSkipsCommentsAndBlankLines(string line) => Assert.Empty(DockerIgnore.ReadAll(line));

    [Fact]
    public void ReadAllDropsAByteOrderMarkOnlyOnTheFirstLine()
    {
        var entries = DockerIgnore.ReadAll("\uFEFF# comment\n\uFEFFb\n").Select(e => e.Entry);

        Assert.Equal(["\uFEFFb"], entries);
    }

    [Fact]
    public void ReadAllDropsAByteOrderMarkBeforeTheFirstPattern()
    {
        var entries = DockerIgnore.ReadAll("\uFEFFa\r\nb").Select(e => e.Entry);

        Assert.Equal(["a", "b"], entries);
    }

    [Fact]
    public void ReadAllSplitsOnlyOnLineFeeds()
    {
        var entries = DockerIgnore.ReadAll("a\rb\r\nc\n\nd").Select(e => (e.Entry, e.Line));

        Assert.Equal([("a\rb", 1), ("c", 2), ("d", 4)], entries);
    }

    [Fact]
    public void ParseKeepsOrderLinesAndExceptions()
    {
        var patterns = DockerIgnore.Parse("# build output\nbin/\n\n!bin/keep.txt\n*.md\n");

        Assert.Equal(["bin", "!bin/keep.txt", "*.md"], patterns.Select(p => p.ToString()));
        Assert.Equal([2, 4, 5], patterns.Select(p => p.Line));
        Assert.Equal([false, true, false], patterns.Select(p => p.IsException));
        Assert.Equal(["bin", "bin/keep.txt", "*.md"], patterns.Select(p => p.Text));
    }

    [Fact]
    public void CleanPatterns() // TestCleanPatterns
    {
        Assert.Equal(2, DockerIgnore.Parse("docs\nconfig").Count);
    }

    [Fact]
    public void CleanPatternsStripEmptyPatterns() // TestCleanPatternsStripEmptyPatterns
    {
        Assert.Equal(2, DockerIgnore.Parse("docs\nconfig\n").Count);
    }

    [Theory] // TestCleanPatternsExceptionFlag, ...LeadingSpaceTrimmed, ...TrailingSpaceTrimmed
    [InlineData("docs\n!docs/README.md")]
    [InlineData("docs\n  !docs/README.md")]
    [InlineData("docs\n!docs/README.md  ")]
    public void CleanPatternsExceptionFlag(string text)
    {
        var matcher = DockerIgnoreMatcher.FromText(text);

        Assert.True(matcher.HasExceptions);
        Assert.Equal("docs/README.md", matcher.Patterns[1].Text);
    }

    [Fact]
    public void NoExceptionsWithoutBang() => Assert.False(DockerIgnoreMatcher.FromText("docs\n\\!x").HasExceptions);

    [Fact]
    public void AnEscapedBangIsALiteralPatternNotAnException()
    {
        var pattern = Assert.Single(DockerIgnore.Parse("\\!important"));

        Assert.False(pattern.IsException);
        Assert.Equal("\\!important", pattern.Text);
        var matcher = new DockerIgnoreMatcher([pattern]);
        Assert.True(matcher.Evaluate("!important").IsExcluded);
        Assert.False(matcher.Evaluate("\\!important").IsExcluded);
    }

    [Fact]
    public void ATrailingSlashAfterSpaceIsTrimmedAgainByTheMatcher()
    {
        // ReadAll cleans "a /" to "a ", and patternmatcher.New trims it again.
        Assert.Equal("a ", Assert.Single(DockerIgnore.ReadAll("a /")).Entry);
        Assert.Equal("a", Assert.Single(DockerIgnore.Parse("a /")).Text);
    }

    [Theory]
    [InlineData("!", "!")] // TestSingleExclamationError, TestCleanPatternsErrorSingleException
    [InlineData("! ", "!")]
    [InlineData("!/", "!/")] // ReadAll keeps "!/"; patternmatcher.New cleans it to "!"
    [InlineData("[", "[")] // TestMatchesWithMalformedPatterns
    [InlineData("a[", "a[")]
    [InlineData("[^", "[^")]
    [InlineData("[^bc", "[^bc")]
    [InlineData("[]a]", "[]a]")]
    [InlineData("[-]", "[-]")]
    [InlineData("[x-]", "[x-]")]
    [InlineData("[-x]", "[-x]")]
    [InlineData("[a-b-c]", "[a-b-c]")]
    [InlineData("\\", "\\")]
    [InlineData("a\\", "a\\")]
    [InlineData("[Local-Only]/", "[Local-Only]")] // regexp range l-O is reversed (moby/moby#52203)
    [InlineData("[z-a]x", "[z-a]x")] // Go's glob syntax accepts a reversed range, RE2 does not
    [InlineData("[a-*]", "[a-*]")] // '*' becomes "[^/]*", so the regexp has the reversed range a-[
    [InlineData("\\é", "\\é")] // RE2 rejects escaped non-ASCII
    [InlineData("a\\q", "a\\q")] // RE2 rejects unknown letter escapes
    [InlineData("\\1x", "\\1x")] // a backreference, unsupported
    [InlineData("\\x4", "\\x4")]
    [InlineData("\\p{Greek}", "\\p{Greek}")] // '{' is escaped, so RE2 sees "\p\{"
    [InlineData("\\pX", "\\pX")]
    [InlineData("[[:foo:]]", "[[:foo:]]")]
    [InlineData("[\\b]", "[\\b]")]
    public void InvalidPatternsArePimg3001(string line, string entry)
    {
        var error = Assert.Throws<PipelineImageException>(
            () => DockerIgnore.Parse("ok\n" + line + "\n", "ctx/.dockerignore"));

        Assert.Equal(DiagnosticCodes.InvalidDockerIgnorePattern, error.ResourceName);
        Assert.StartsWith("PIMG3001: Line 2 of 'ctx/.dockerignore' has the pattern '" + entry + "'", error.Message);
    }

    [Fact]
    public void TheMessageSaysWhatIsWrong()
    {
        var error = Assert.Throws<PipelineImageException>(() => DockerIgnore.Parse("src/[abc"));

        Assert.Contains("not closed with ']'", error.Message);
        Assert.Contains("'.dockerignore'", error.Message);
    }

    [Theory]
    [InlineData("[\\]a]")]
    [InlineData("[\\-]")]
    [InlineData("[x\\-]")]
    [InlineData("[\\-x]")]
    [InlineData("a[b-d]e")]
    [InlineData("[a-ζ]*")]
    [InlineData("a\\*b")]
    [InlineData("**/")]
    [InlineData("a.|)$(}+{bc")]
    [InlineData("[[:alpha:]]")]
    [InlineData("\\Q*")]
    public void ValidPatternsParse(string line) => Assert.Single(DockerIgnore.Parse(line));
}
