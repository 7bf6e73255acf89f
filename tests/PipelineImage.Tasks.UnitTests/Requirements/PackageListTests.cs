using PipelineImage.Diagnostics;
using PipelineImage.Requirements;
using static PipelineImage.Tests.Requirements.RequirementTestData;

namespace PipelineImage.Tests.Requirements;

public class PackageListTests
{
    [Fact]
    public void OnePackageALineWithCommentsBlankLinesAndVersions()
    {
        var entries = RequirementPlanner.ParsePackageList(
            "\uFEFF# OS packages\n\ncurl\r\n  ffmpeg  # for video\n\ttzdata=2024a-0+deb12u1\n#ca-certificates\n   \n", "packages.txt");

        Assert.Equal(
            [new PackageListEntry(3, "curl", ""), new PackageListEntry(4, "ffmpeg", ""), new PackageListEntry(5, "tzdata", "2024a-0+deb12u1")],
            entries);
    }

    [Fact]
    public void EmptyAndCommentOnlyListsHaveNoPackages()
    {
        Assert.Empty(RequirementPlanner.ParsePackageList("", "packages.txt"));
        Assert.Empty(RequirementPlanner.ParsePackageList("# nothing yet\n\n", "packages.txt"));
    }

    [Theory]
    [InlineData("curl wget", 1, "more than one word")]
    [InlineData("ok\ncurl\twget", 2, "more than one word")]
    [InlineData("=1.0", 1, "no package name")]
    [InlineData("\n\ncurl=", 3, "no version")]
    [InlineData("curl; rm -rf /", 1, "more than one word")]
    public void SyntaxErrorsNameTheFileAndLine(string text, int line, string reason)
    {
        var error = Assert.Throws<PipelineImageException>(() => RequirementPlanner.ParsePackageList(text, "packages.txt"));

        Assert.Equal(DiagnosticCodes.InvalidPackageListLine, error.ResourceName);
        Assert.StartsWith($"PIMG5013: Line {line} of the package list 'packages.txt'", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Theory]
    [InlineData("curl;id", "';'")]
    [InlineData("$(id)", "'$'")]
    [InlineData("curl\rid", "U+000D")]
    [InlineData("\u0441url", "U+0441")]
    [InlineData("curl=`id`", "'`'")]
    [InlineData("curl=1.0=2", "'='")]
    public void EntriesAreCheckedAgainstTheManagersGrammar(string line, string named)
    {
        var error = Assert.Throws<PipelineImageException>(() =>
            Plan([Item("packages.txt")], files: Files(("/src/App/packages.txt", "curl\n" + line + "\n"))));

        Assert.True(error.ResourceName is DiagnosticCodes.InvalidOsPackageName or DiagnosticCodes.InvalidOsPackageVersion, error.Message);
        Assert.Contains($"(line 2 of PipelineRequirement 'packages.txt' in {ProjectFile})", error.Message);
        Assert.Contains(named, error.Message);
    }
}
