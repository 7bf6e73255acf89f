using PipelineImage.Diagnostics;
using PipelineImage.Engine;

namespace PipelineImage.Tests.Engine;

public class BuildOptionTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData(" host ", "host")]
    [InlineData("none", "none")]
    [InlineData("my-net_1.a", "my-net_1.a")]
    [InlineData("container:builder", "container:builder")]
    public void NetworkModes(string value, string expected) => Assert.Equal(expected, BuildNetwork.Validate(value));

    [Theory]
    [InlineData("host network")]
    [InlineData("-host")]
    [InlineData("host;rm")]
    [InlineData("container:")]
    public void BadNetworkModesArePimg2011(string value) =>
        Assert.StartsWith("PIMG2011: ", Assert.Throws<PipelineImageException>(() => BuildNetwork.Validate(value)).Message);

    [Theory]
    [InlineData("", "")]
    [InlineData("linux/amd64", "linux/amd64")]
    [InlineData(" Linux/ARM64/v8 ", "linux/arm64/v8")]
    public void Platforms(string value, string expected) => Assert.Equal(expected, BuildPlatform.Validate(value));

    [Theory]
    [InlineData("amd64")]
    [InlineData("linux/")]
    [InlineData("linux/amd64/v3/x")]
    [InlineData("linux amd64")]
    [InlineData("linux/amd64,linux/arm64")]
    public void BadPlatformsArePimg2019(string value) =>
        Assert.StartsWith("PIMG2019: ", Assert.Throws<PipelineImageException>(() => BuildPlatform.Validate(value)).Message);

    [Theory]
    [InlineData("linux/amd64", "linux/amd64", true)]
    [InlineData("linux/amd64", "linux/x86_64", true)]
    [InlineData("linux/arm64", "linux/aarch64", true)]
    [InlineData("linux/amd64", "linux/arm64", false)]
    [InlineData("linux/amd64", "windows/amd64", false)]
    [InlineData("linux/arm64", "linux/arm64/v8", true)]
    public void TheClassicBuilderBuildsOnlyForItsOwnPlatform(string engine, string platform, bool expected) =>
        Assert.Equal(expected, BuildPlatform.CanBuild(engine, platform));

    [Theory]
    [InlineData("", nameof(PullPolicy.Missing))]
    [InlineData("missing", nameof(PullPolicy.Missing))]
    [InlineData("Always", nameof(PullPolicy.Always))]
    [InlineData(" never ", nameof(PullPolicy.Never))]
    public void PullPolicyNames(string value, string expected) => Assert.Equal(Enum.Parse<PullPolicy>(expected), PullPolicies.Parse(value));

    [Theory]
    [InlineData("true")]
    [InlineData("if-not-present")]
    public void BadPullPoliciesArePimg2020(string value) =>
        Assert.StartsWith("PIMG2020: ", Assert.Throws<PipelineImageException>(() => PullPolicies.Parse(value)).Message);
}
