using PipelineImage.Builders;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Planning;

namespace PipelineImage.Tests.Engine;

public sealed class ImageBuilderTests
{
    private static EngineInfo Docker(string? builderVersion = null, string api = "1.41", string platform = "linux/amd64") =>
        new("unix:///var/run/docker.sock", "27.0.0", api, platform, builderVersion);

    [Theory]
    [InlineData("", null, nameof(ImageBuilder.Classic))]
    [InlineData("auto", "2", nameof(ImageBuilder.BuildKit))]
    [InlineData("Auto", "1", nameof(ImageBuilder.Classic))]
    [InlineData("buildkit", null, nameof(ImageBuilder.BuildKit))]
    [InlineData("classic", "2", nameof(ImageBuilder.Classic))]
    public void AutoFollowsTheEnginesBuilderVersionAndAnExplicitChoiceWins(string setting, string? builderVersion, string expected)
    {
        Assert.Equal(Enum.Parse<ImageBuilder>(expected), ImageBuilders.Choose(BuilderSettings.Parse(setting), Docker(builderVersion)).Builder);
    }

    [Fact]
    public void PodmanBuildsWithItsOwnBuilderAndRefusesBuildKit()
    {
        var podman = Docker() with { IsPodman = true };

        Assert.Equal(ImageBuilder.Podman, ImageBuilders.Choose(BuilderSettings.Parse("auto"), podman).Builder);
        Assert.Equal(ImageBuilder.Podman, ImageBuilders.Choose(BuilderSettings.Parse("classic"), podman).Builder);
        Assert.Equal("BuilderNotSupported", Assert.Throws<PipelineImageException>(() => ImageBuilders.Choose(BuilderSettings.Parse("buildkit"), podman)).ResourceName);
    }

    [Fact]
    public void PodmanPassesSecretsFromVersion4On()
    {
        var podman = Docker() with { IsPodman = true, ServerVersion = "4.3.1" };

        Assert.Equal(ImageBuilder.Podman, ImageBuilders.Choose(BuilderSettings.Parse("auto"), podman, ["pip-index"]).Builder);
        Assert.Equal(ImageBuilder.Podman, ImageBuilders.Choose(BuilderSettings.Parse("classic"), podman, ["pip-index"]).Builder);
        var e = Assert.Throws<PipelineImageException>(() => ImageBuilders.Choose(BuilderSettings.Parse("auto"), podman with { ServerVersion = "3.4.4" }, ["pip-index"]));
        Assert.Equal("SecretsNeedSession", e.ResourceName);
        Assert.Contains("Podman 3.4.4", (string)e.Arguments[2], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.38", "linux/amd64")]
    [InlineData("1.41", "windows/amd64")]
    public void BuildKitOnAnEngineWithoutItIsPimg1012(string api, string platform)
    {
        var e = Assert.Throws<PipelineImageException>(() => ImageBuilders.Choose(BuilderSettings.Parse("buildkit"), Docker(api: api, platform: platform)));

        Assert.Equal("BuilderNotSupported", e.ResourceName);
    }

    [Fact]
    public void AnythingElseIsPimg2030()
    {
        Assert.Equal("InvalidBuilder", Assert.Throws<PipelineImageException>(() => BuilderSettings.Parse("kaniko")).ResourceName);
    }

    [Fact]
    public void SecretsTakeBuildKitUnderAutoEvenWhereTheEngineDoesNotAdvertiseIt()
    {
        var choice = ImageBuilders.Choose(BuilderSettings.Parse("auto"), Docker(), ["pip-index"]);

        Assert.Equal(ImageBuilder.BuildKit, choice.Builder);
        Assert.Contains("secrets", choice.Reason, StringComparison.Ordinal);
        Assert.Equal(ImageBuilder.BuildKit, ImageBuilders.Choose(BuilderSettings.Parse("buildkit"), Docker(), ["pip-index"]).Builder);
        Assert.Equal(ImageBuilder.Classic, ImageBuilders.Choose(BuilderSettings.Parse("auto"), Docker(), []).Builder);
    }

    [Theory]
    [InlineData("classic", "1.41", "linux/amd64", "PipelineImageBuilder=classic")]
    [InlineData("auto", "1.38", "linux/amd64", "older than 1.39")]
    [InlineData("", "1.41", "windows/amd64", "windows/amd64")]
    public void SecretsWhereTheBuilderWouldBeClassicArePimg1013NamingThem(string setting, string api, string platform, string reason)
    {
        var e = Assert.Throws<PipelineImageException>(() => ImageBuilders.Choose(BuilderSettings.Parse(setting), Docker(api: api, platform: platform), ["pip-index", "netrc"]));

        Assert.Equal("SecretsNeedSession", e.ResourceName);
        Assert.Equal("pip-index, netrc", e.Arguments[0]);
        Assert.Contains(reason, (string)e.Arguments[2], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("auto", null, false, nameof(ImageBuilder.BuildKit))]
    [InlineData("auto", "2", false, nameof(ImageBuilder.BuildKit))]
    [InlineData("buildkit", null, false, nameof(ImageBuilder.BuildKit))]
    [InlineData("auto", null, true, nameof(ImageBuilder.Podman))]
    [InlineData("classic", null, true, nameof(ImageBuilder.Podman))]
    public void AnotherArchitectureIsBuiltByBuildKitOrPodmanUnderEmulation(string setting, string? builderVersion, bool podman, string expected)
    {
        var engine = Docker(builderVersion) with { IsPodman = podman };

        var choice = ImageBuilders.Choose(BuilderSettings.Parse(setting), engine, platform: "linux/arm64");

        Assert.Equal(Enum.Parse<ImageBuilder>(expected), choice.Builder);
        Assert.True(setting != "auto" || podman || builderVersion is not null || choice.Reason.Contains("linux/arm64", StringComparison.Ordinal), choice.Reason);
    }

    [Theory]
    [InlineData("classic", "1.41", "linux/arm64")]
    [InlineData("auto", "1.38", "linux/arm64")]
    [InlineData("auto", "1.41", "windows/amd64")]
    [InlineData("buildkit", "1.41", "windows/amd64")]
    public void ClassicForAnotherArchitectureAndAnyBuilderForAnotherOsArePimg1005(string setting, string api, string platform)
    {
        var e = Assert.Throws<PipelineImageException>(() => ImageBuilders.Choose(BuilderSettings.Parse(setting), Docker(api: api), platform: platform));

        Assert.Equal(DiagnosticCodes.PlatformNotSupported, e.ResourceName);
        Assert.Equal(platform, e.Arguments[2]);
    }
}
