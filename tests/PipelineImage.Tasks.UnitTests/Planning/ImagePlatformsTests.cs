using PipelineImage.Diagnostics;
using PipelineImage.Planning;

namespace PipelineImage.Tests.Planning;

/// <summary>PipelineImagePlatforms: what the list may hold, and which publishes can serve every platform (<see cref="ImagePlatforms"/>).</summary>
public sealed class ImagePlatformsTests
{
    [Theory]
    [InlineData("", "", "", "")]
    [InlineData("linux/arm64", "", "linux/arm64", "")]
    [InlineData("", " Linux/ARM64 ; ", "linux/arm64", "")]
    [InlineData("", "linux/amd64;linux/arm64", "", "linux/amd64;linux/arm64")]
    [InlineData("", "linux/arm64/v8; linux/amd64;", "", "linux/arm64/v8;linux/amd64")]
    public void OnePlatformIsOneImageAndSeveralAreAnIndexInTheOrderGiven(string platform, string platforms, string expectedPlatform, string expectedPlatforms)
    {
        var (resolved, list) = ImagePlatforms.Resolve(platform, platforms);

        Assert.Equal(expectedPlatform, resolved);
        Assert.Equal(expectedPlatforms, string.Join(";", list));
    }

    [Theory]
    [InlineData("", "linux/amd64;arm64", "names 'arm64', which is not a platform")]
    [InlineData("", "linux/amd64;linux/amd64", "names linux/amd64 twice")]
    [InlineData("linux/amd64", "linux/amd64;linux/arm64", "is set with PipelineImagePlatform 'linux/amd64'")]
    public void AListThatIsNotOneOfDistinctPlatformsIsPimg2049(string platform, string platforms, string detail)
    {
        var e = Assert.Throws<PipelineImageException>(() => ImagePlatforms.Resolve(platform, platforms));

        Assert.Equal(DiagnosticCodes.InvalidPlatforms, e.ResourceName);
        Assert.StartsWith("PIMG2049: PipelineImagePlatforms '", e.Message, StringComparison.Ordinal);
        Assert.Contains(detail, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, null)]
    [InlineData(true, "oci")]
    [InlineData(false, "oci")]
    public void AFrameworkDependentAppWithoutARuntimeIdentifierThatIsPushedOrWrittenToAnOciArchiveServesEveryPlatform(bool push, string? archive)
    {
        ImagePlatforms.Check(["linux/amd64", "linux/arm64"], PlannerTestData.App(), NoOwnPublishes, push, Archive(archive), parentDockerfile: false);
    }

    [Theory]
    [InlineData("linux-x64", true, false, false, true, null, false, "published self-contained for the runtime identifier 'linux-x64', whose native code runs on linux/amd64 only, not on linux/arm64")]
    [InlineData("linux-arm64", false, true, false, true, null, false, "published native AOT for the runtime identifier 'linux-arm64', whose native code runs on linux/arm64 only, not on linux/amd64")]
    [InlineData("linux-x64", false, false, true, true, null, false, "published single-file")]
    [InlineData("linux-x64", false, false, false, true, null, false, "published framework-dependent for the runtime identifier 'linux-x64'")]
    [InlineData("", false, false, false, false, null, false, "set PipelineImagePush=true (and PipelineImageRegistry), or PipelineImageArchiveOutputPath with PipelineImageArchiveFormat=oci")]
    [InlineData("", false, false, false, true, "docker", false, "a docker-archive (PipelineImageArchiveFormat=docker, the default) holds one image: set PipelineImageArchiveFormat=oci")]
    [InlineData("", false, false, false, false, "docker", false, "a docker-archive (PipelineImageArchiveFormat=docker, the default) holds one image")]
    [InlineData("", false, false, false, true, null, true, "a parent Dockerfile (PipelineImageParentDockerfile)")]
    [InlineData("", false, false, false, false, "oci", true, "a parent Dockerfile (PipelineImageParentDockerfile)")]
    public void WhatCannotServeEveryPlatformIsPimg2050SayingWhy(
        string runtimeIdentifier, bool selfContained, bool aot, bool singleFile, bool push, string? archive, bool parent, string detail)
    {
        var app = PlannerTestData.App() with { RuntimeIdentifier = runtimeIdentifier, SelfContained = selfContained, PublishAot = aot, SingleFile = singleFile };

        var e = Assert.Throws<PipelineImageException>(() => ImagePlatforms.Check(["linux/amd64", "linux/arm64"], app, NoOwnPublishes, push, Archive(archive), parent));

        Assert.Equal(DiagnosticCodes.PlatformsUnsupported, e.ResourceName);
        Assert.StartsWith("PIMG2050: PipelineImagePlatforms 'linux/amd64;linux/arm64' makes an image for each platform and an index over them, and ", e.Message, StringComparison.Ordinal);
        Assert.Contains(detail, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(false, false, true)]
    public void AnAppPublishedForEachPlatformsRuntimeIdentifierServesEveryPlatform(bool selfContained, bool aot, bool singleFile)
    {
        var app = PlannerTestData.App() with { RuntimeIdentifier = "linux-x64", SelfContained = selfContained, PublishAot = aot, SingleFile = singleFile };
        var own = new Dictionary<string, PublishedApp> { ["linux/amd64"] = app, ["linux/arm64"] = app with { RuntimeIdentifier = "linux-arm64" } };

        ImagePlatforms.Check(["linux/amd64", "linux/arm64"], app, own, push: true, archive: null, parentDockerfile: false);
    }

    [Fact]
    public void APlatformWithoutItsOwnPublishAmongOwnPublishesIsPimg2050NamingIt()
    {
        var app = PlannerTestData.App() with { RuntimeIdentifier = "linux-x64", SelfContained = true };

        var e = Assert.Throws<PipelineImageException>(() => ImagePlatforms.Check(["linux/amd64", "linux/arm64"], app,
            new Dictionary<string, PublishedApp> { ["linux/amd64"] = app }, push: true, archive: null, parentDockerfile: false));

        Assert.Equal(DiagnosticCodes.PlatformsUnsupported, e.ResourceName);
        Assert.Contains("published for linux/amd64 and not for linux/arm64", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("registry.example.com/team/app", false)]
    [InlineData("localhost:5000/app", false)]
    [InlineData("docker.io/team/app", false)]
    [InlineData("app", true)]
    [InlineData("team/app", true)]
    public void TheRequirementsBasesGoToTheRegistryOfTheNameWhichWithoutAPushMustNameOne(string name, bool push)
    {
        ImagePlatforms.CheckRequirementsBases(["linux/amd64", "linux/arm64"], name, push);
    }

    [Theory]
    [InlineData("app")]
    [InlineData("team/app")]
    public void RequirementsBasesWithoutAPushAndWithoutARegistryInTheNameArePimg2050NamingPipelineImageRegistry(string name)
    {
        var e = Assert.Throws<PipelineImageException>(() => ImagePlatforms.CheckRequirementsBases(["linux/amd64", "linux/arm64"], name, push: false));

        Assert.Equal(DiagnosticCodes.PlatformsUnsupported, e.ResourceName);
        Assert.Contains($"'{name}' names none: set PipelineImageRegistry", e.Message, StringComparison.Ordinal);
    }

    private static readonly IReadOnlyDictionary<string, PublishedApp> NoOwnPublishes = new Dictionary<string, PublishedApp>();

    // PipelineImageArchiveFormat as the planner has it when PipelineImageArchiveOutputPath is set; null: no archive.
    private static ArchiveFormat? Archive(string? format) => format is null ? null : ArchiveFormats.Parse(format);
}
