using PipelineImage.Builders;
using PipelineImage.Context;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Engine.BuildKit;
using PipelineImage.Naming;
using PipelineImage.Planning;

namespace PipelineImage.Tests.Engine;

/// <summary>PipelineImageBuildKitHost and the Solve request a build becomes.</summary>
public sealed class BuildKitControlTests
{
    [Theory]
    [InlineData("unix:///run/buildkit/buildkitd.sock", "", "unix:///run/buildkit/buildkitd.sock", false)]
    [InlineData(" tcp://buildkitd:1234 ", "", "tcp://buildkitd:1234/", false)]
    [InlineData("tcp://buildkitd:1234", "/certs", "tcp://buildkitd:1234/", true)]
    public void AnAddressIsAUnixSocketOrTcpWithTlsFromTheCertificatePath(string value, string certPath, string endpoint, bool tls)
    {
        var host = BuildKitHost.Parse(value, certPath)!;

        Assert.Equal(endpoint, host.Endpoint.ToString());
        Assert.Equal(tls, host.Tls is not null);
        if (tls)
        {
            Assert.Equal(("/certs/ca.pem", "/certs/cert.pem", "/certs/key.pem", true), (host.Tls!.CaFile, host.Tls.CertFile, host.Tls.KeyFile, host.Tls.Verify));
            Assert.Equal("PipelineImageBuildKitHost with TLS from /certs", host.Source);
        }
    }

    [Theory]
    [InlineData("http://buildkitd:1234", "")]
    [InlineData("docker-container://buildx_buildkit_default", "")]
    [InlineData("tcp://buildkitd", "")]
    [InlineData("buildkitd:1234", "")]
    [InlineData("unix:///run/buildkit/buildkitd.sock", "/certs")]
    public void AnythingElseIsPimg2034(string value, string certPath)
    {
        var e = Assert.Throws<PipelineImageException>(() => BuildKitHost.Parse(value, certPath));

        Assert.Equal(DiagnosticCodes.InvalidBuildKitHost, e.ResourceName);
        Assert.StartsWith($"PIMG2034: PipelineImageBuildKitHost '{value}' cannot be used", e.Message);
    }

    [Fact]
    public void AnEmptyAddressIsNoneAndTheClassicBuilderCannotGoWithOne()
    {
        Assert.Null(BuildKitHost.Parse(" ", ""));
        var host = BuildKitHost.Parse("tcp://buildkitd:1234", "")!;
        Assert.Equal(ImageBuilder.BuildKit, ImageBuilders.ForBuildKitHost(BuilderSetting.Auto, host).Builder);
        Assert.Equal(DiagnosticCodes.InvalidBuildKitHost, Assert.Throws<PipelineImageException>(() => ImageBuilders.ForBuildKitHost(BuilderSetting.Classic, host)).ResourceName);
    }

    private static BuildRequest Build(BuildOptions options) => new(
        [ContextEntry.FromContent(".pipelineimage/Dockerfile", "FROM x\n"u8.ToArray())],
        [new ImageReference("localhost:5000/app", "1.0.0"), new ImageReference("localhost:5000/app", "latest")],
        ".pipelineimage/Dockerfile", options, new Dictionary<string, string> { ["org.pipelineimage.content-key"] = "sha256:k" });

    [Fact]
    public void TheSolveUsesTheDockerfileFrontendWithTheBuildsOptionsAsBuildctlSaysThem()
    {
        var solve = BuildKitControl.Request(Build(new BuildOptions("host", "linux/arm64", PullAlways: true, NoCache: true,
            BuildArgs: new Dictionary<string, string> { ["VERSION"] = "1" })), "ref1", engine: true);

        Assert.Equal(("ref1", "dockerfile.v0"), (solve.Ref, solve.Frontend));
        Assert.Equal(new Dictionary<string, string>
        {
            ["filename"] = ".pipelineimage/Dockerfile",
            ["force-network-mode"] = "host",
            ["platform"] = "linux/arm64",
            ["image-resolve-mode"] = "pull",
            ["no-cache"] = "",
            ["build-arg:VERSION"] = "1",
            ["label:org.pipelineimage.content-key"] = "sha256:k",
        }, solve.FrontendAttrs);
        Assert.Equal(["network.host"], solve.Entitlements);
    }

    [Fact]
    public void AnEngineStoresTheImageUnderEveryReferenceAndBuildkitdPushesIt()
    {
        var engine = BuildKitControl.Request(Build(new BuildOptions()), "r", engine: true);
        var daemon = BuildKitControl.Request(Build(new BuildOptions()), "r", engine: false);

        Assert.Equal("moby", engine.Exporters.Single().Type);
        Assert.Equal(new Dictionary<string, string> { ["name"] = "localhost:5000/app:1.0.0,localhost:5000/app:latest" }, engine.Exporters.Single().Attrs);
        Assert.Equal("image", daemon.Exporters.Single().Type);
        Assert.Equal(new Dictionary<string, string> { ["name"] = "localhost:5000/app:1.0.0,localhost:5000/app:latest", ["push"] = "true" }, daemon.Exporters.Single().Attrs);
        // BuildKit before 0.13 (dockerd 20.10's) reads only the deprecated pair.
        Assert.Equal((daemon.Exporters.Single().Type, daemon.Exporters.Single().Attrs), (daemon.ExporterDeprecated, daemon.ExporterAttrsDeprecated));
        Assert.Empty(daemon.Entitlements);
        Assert.False(daemon.FrontendAttrs.ContainsKey("force-network-mode"));
    }

    [Fact]
    public void AnEngineTakesItsLocalBaseFirstUnlessPullAlwaysAndBuildkitdResolvesAsItWould()
    {
        Assert.Equal("local", BuildKitControl.Request(Build(new BuildOptions()), "r", engine: true).FrontendAttrs["image-resolve-mode"]);
        Assert.Equal("pull", BuildKitControl.Request(Build(new BuildOptions(PullAlways: true)), "r", engine: true).FrontendAttrs["image-resolve-mode"]);
        Assert.False(BuildKitControl.Request(Build(new BuildOptions()), "r", engine: false).FrontendAttrs.ContainsKey("image-resolve-mode"));
    }
}
