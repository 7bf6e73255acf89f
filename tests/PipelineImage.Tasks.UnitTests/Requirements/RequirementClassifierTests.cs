using PipelineImage.Diagnostics;
using PipelineImage.Requirements;
using static PipelineImage.Tests.Requirements.RequirementTestData;

namespace PipelineImage.Tests.Requirements;

public class RequirementClassifierTests
{
    [Theory]
    [InlineData("ffmpeg", "", typeof(OsPackageRequirement))]
    [InlineData("ffmpeg", "APT", typeof(OsPackageRequirement))]
    [InlineData("packages.txt", "", typeof(OsPackageListFile))]
    [InlineData("packages.TXT", "apk", typeof(OsPackageListFile))]
    [InlineData("deps/os-packages", "tdnf", typeof(OsPackageListFile))]
    [InlineData("deps\\os-packages", "", typeof(OsPackageListFile))]
    [InlineData("pandas>=2.0", "pip", typeof(PipSpecifierRequirement))]
    [InlineData("requirements.txt", "pip", typeof(PipRequirementsFile))]
    [InlineData("requirements.TXT", "Pip", typeof(PipRequirementsFile))]
    [InlineData("ml/requirements-lock", "pip", typeof(PipRequirementsFile))]
    [InlineData("../shared/reqs.in", "pip", typeof(PipRequirementsFile))]
    public void TellsFilesFromPackages(string include, string manager, Type expected) =>
        Assert.IsType(expected, RequirementClassifier.Classify(Item(include, manager)));

    [Fact]
    public void UrlsAreNeverFiles()
    {
        var error = Assert.Throws<PipelineImageException>(() => RequirementClassifier.Classify(Pip("https://example.com/requirements.txt")));

        Assert.Equal(DiagnosticCodes.InvalidPipRequirement, error.ResourceName);
        Assert.Contains("direct references", error.Message);
    }

    [Fact]
    public void ItemManagerIsKeptForOsPackages()
    {
        var package = Assert.IsType<OsPackageRequirement>(RequirementClassifier.Classify(Item("tzdata", " apk ", "2024a-r0")));

        Assert.Equal(OsPackageManager.Apk, package.Manager);
        Assert.Equal("2024a-r0", package.Version);
        Assert.Null(Assert.IsType<OsPackageRequirement>(RequirementClassifier.Classify(Item("tzdata"))).Manager);
    }

    [Theory]
    [InlineData("yum")]
    [InlineData("conda")]
    [InlineData("pip3")]
    [InlineData("apt;id")]
    public void UnknownManagersAreAnError(string manager)
    {
        var error = Assert.Throws<PipelineImageException>(() => RequirementClassifier.Classify(Item("ffmpeg", manager)));

        Assert.Equal(DiagnosticCodes.UnknownRequirementManager, error.ResourceName);
        Assert.StartsWith($"PIMG5001: PipelineRequirement 'ffmpeg' in {ProjectFile} has Manager '{manager}'", error.Message);
    }

    [Theory]
    [InlineData("requirements.txt", "pip")]
    [InlineData("packages.txt", "")]
    public void VersionOnAFileIsAnError(string include, string manager)
    {
        var error = Assert.Throws<PipelineImageException>(() => RequirementClassifier.Classify(Item(include, manager, "1.0")));

        Assert.Equal(DiagnosticCodes.VersionOnRequirementFile, error.ResourceName);
        Assert.Contains($"PipelineRequirement '{include}' in {ProjectFile}", error.Message);
    }

    [Fact]
    public void InvalidPipSpecifiersFailAtOnceNamingTheItem()
    {
        var error = Assert.Throws<PipelineImageException>(() => RequirementClassifier.Classify(Pip("pandas; python_version>'3'")));

        Assert.Equal(DiagnosticCodes.InvalidPipRequirement, error.ResourceName);
        Assert.StartsWith($"PIMG5009: PipelineRequirement 'pandas; python_version>'3'' in {ProjectFile}", error.Message);
    }

    [UnixFact]
    public void FilesResolveAgainstTheProjectDirectory()
    {
        var file = Assert.IsType<PipRequirementsFile>(RequirementClassifier.Classify(Pip("../shared/./requirements.txt")));

        Assert.Equal("/src/shared/requirements.txt", file.SourcePath);
    }
}
