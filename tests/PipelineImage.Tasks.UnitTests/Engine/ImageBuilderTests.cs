using PipelineImage.Diagnostics;
using PipelineImage.Engine;

namespace PipelineImage.Tests.Engine;

public sealed class ImageBuilderTests
{
    private static EngineInfo Docker(string? builderVersion = null, string api = "1.41", string platform = "linux/amd64") =>
        new("unix:///var/run/docker.sock", "27.0.0", api, platform, builderVersion);

    [Theory]
    [InlineData("", null, ImageBuilder.Classic)]
    [InlineData("auto", "2", ImageBuilder.BuildKit)]
    [InlineData("Auto", "1", ImageBuilder.Classic)]
    [InlineData("buildkit", null, ImageBuilder.BuildKit)]
    [InlineData("classic", "2", ImageBuilder.Classic)]
    public void AutoFollowsTheEnginesBuilderVersionAndAnExplicitChoiceWins(string setting, string? builderVersion, ImageBuilder expected)
    {
        Assert.Equal(expected, ImageBuilders.Choose(setting, Docker(builderVersion)).Builder);
    }

    [Fact]
    public void PodmanBuildsWithItsOwnBuilderAndRefusesBuildKit()
    {
        var podman = Docker() with { IsPodman = true };

        Assert.Equal(ImageBuilder.Podman, ImageBuilders.Choose("auto", podman).Builder);
        Assert.Equal(ImageBuilder.Podman, ImageBuilders.Choose("classic", podman).Builder);
        Assert.Equal("BuilderNotSupported", Assert.Throws<PipelineImageException>(() => ImageBuilders.Choose("buildkit", podman)).ResourceName);
    }

    [Theory]
    [InlineData("1.38", "linux/amd64")]
    [InlineData("1.41", "windows/amd64")]
    public void BuildKitOnAnEngineWithoutItIsPimg1012(string api, string platform)
    {
        var e = Assert.Throws<PipelineImageException>(() => ImageBuilders.Choose("buildkit", Docker(api: api, platform: platform)));

        Assert.Equal("BuilderNotSupported", e.ResourceName);
    }

    [Fact]
    public void AnythingElseIsPimg2030()
    {
        Assert.Equal("InvalidBuilder", Assert.Throws<PipelineImageException>(() => ImageBuilders.Validate("kaniko")).ResourceName);
    }
}
