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

    [Fact]
    public void AFrameworkDependentAppWithoutARuntimeIdentifierThatIsPushedServesEveryPlatform()
    {
        ImagePlatforms.Check(["linux/amd64", "linux/arm64"], PlannerTestData.App(), push: true, archive: false, parentDockerfile: false);
    }

    [Theory]
    [InlineData("linux-x64", true, false, false, true, false, false, "published self-contained for the runtime identifier 'linux-x64', whose native code runs on linux/amd64 only, not on linux/arm64")]
    [InlineData("linux-arm64", false, true, false, true, false, false, "published native AOT for the runtime identifier 'linux-arm64', whose native code runs on linux/arm64 only, not on linux/amd64")]
    [InlineData("linux-x64", false, false, true, true, false, false, "published single-file")]
    [InlineData("linux-x64", false, false, false, true, false, false, "published framework-dependent for the runtime identifier 'linux-x64'")]
    [InlineData("", false, false, false, false, false, false, "set PipelineImagePush=true")]
    [InlineData("", false, false, false, true, true, false, "PipelineImageArchiveOutputPath writes one image")]
    [InlineData("", false, false, false, true, false, true, "a parent Dockerfile (PipelineImageParentDockerfile)")]
    public void WhatCannotServeEveryPlatformIsPimg2050SayingWhy(
        string runtimeIdentifier, bool selfContained, bool aot, bool singleFile, bool push, bool archive, bool parent, string detail)
    {
        var app = PlannerTestData.App() with { RuntimeIdentifier = runtimeIdentifier, SelfContained = selfContained, PublishAot = aot, SingleFile = singleFile };

        var e = Assert.Throws<PipelineImageException>(() => ImagePlatforms.Check(["linux/amd64", "linux/arm64"], app, push, archive, parent));

        Assert.Equal(DiagnosticCodes.PlatformsUnsupported, e.ResourceName);
        Assert.StartsWith("PIMG2050: PipelineImagePlatforms 'linux/amd64;linux/arm64' makes an image for each platform and an index over them, and ", e.Message, StringComparison.Ordinal);
        Assert.Contains(detail, e.Message, StringComparison.Ordinal);
    }
}
