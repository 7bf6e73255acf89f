using PipelineImage.Building;
using PipelineImage.Diagnostics;
using PipelineImage.Intermediate;
using PipelineImage.Tests.Engine;
using PipelineImage.Tests.Tasks;

namespace PipelineImage.Tests.Building;

/// <summary>@(PipelineImageBuilderNode): what an item may say, and what each node becomes once connected (<see cref="BuilderNodes"/>).</summary>
public sealed class BuilderNodesTests
{
    private static readonly PlannedOptions TwoPlatforms = new("", "", "missing", false, Push: true) { Platforms = ["linux/amd64", "linux/arm64"] };

    [Fact]
    public void EachNodeIsForOneOfThePlatformsAndTlsComesFromItsCertPathElseTheBuildKitCertPathForTcpOnly()
    {
        var nodes = BuilderNodes.Parse([("tcp://arm-builder:1234", "linux/arm64", ""), ("unix:///run/amd64.sock", "linux/amd64", "")], "/certs", TwoPlatforms);

        Assert.Equal(["linux/arm64", "linux/amd64"], nodes.Select(node => node.Platform));
        Assert.Equal("/certs/ca.pem", nodes[0].Host.Tls!.CaFile);
        Assert.Null(nodes[1].Host.Tls);
        Assert.Equal("/own/cert.pem", BuilderNodes.Parse([("tcp://arm-builder:1234", "linux/arm64", "/own")], "/certs", TwoPlatforms)[0].Host.Tls!.CertFile);
    }

    [Theory]
    [InlineData("tcp://arm:1234", "", "has no Platform metadata")]
    [InlineData("tcp://arm:1234", "arm64", "has Platform 'arm64', which is not a platform")]
    [InlineData("tcp://s390x:1234", "linux/s390x", "is for linux/s390x, which PipelineImagePlatforms ('linux/amd64;linux/arm64') does not name")]
    [InlineData("http://arm:1234", "linux/arm64", "is not a BuildKit address here: it is neither unix:///path nor tcp://host:port")]
    public void AnItemThatCannotBeANodeIsPimg2051NamingIt(string address, string platform, string detail)
    {
        var e = Assert.Throws<PipelineImageException>(() => BuilderNodes.Parse([(address, platform, "")], "", TwoPlatforms));

        Assert.Equal(DiagnosticCodes.InvalidBuilderNode, e.ResourceName);
        Assert.StartsWith($"PIMG2051: PipelineImageBuilderNode '{address}' {detail}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoNodesForOnePlatformOrANodeForAPublishOfOneImageArePimg2051()
    {
        var twice = Assert.Throws<PipelineImageException>(() =>
            BuilderNodes.Parse([("tcp://a:1234", "linux/arm64", ""), ("tcp://b:1234", "linux/arm64", "")], "", TwoPlatforms));
        var single = Assert.Throws<PipelineImageException>(() =>
            BuilderNodes.Parse([("tcp://a:1234", "linux/arm64", "")], "", TwoPlatforms with { Platforms = null, Platform = "linux/arm64" }));

        Assert.Contains("'tcp://b:1234' is for linux/arm64, which another PipelineImageBuilderNode is for", twice.Message, StringComparison.Ordinal);
        Assert.Contains("the publish makes one image: a node builds one of PipelineImagePlatforms (for one image, set PipelineImageBuildKitHost)", single.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEnginesNodeBuildsIntoThatEngineAndABuildkitdsPushesItselfAndOtherPlatformsKeepTheRoutesBuilder()
    {
        await using var engineNode = new FakeBuildKitDaemon(engineApiVersion: "1.53");
        await using var buildkitd = new FakeBuildKitDaemon();
        var engine = new FakeContainerEngine();
        var log = new List<string>();
        var nodes = BuilderNodes.Parse([(engineNode.Address, "linux/arm64", ""), (buildkitd.Address, "linux/amd64", "")], "",
            TwoPlatforms with { Platforms = ["linux/amd64", "linux/arm64", "linux/riscv64"] });
        var otherwise = new NoRequirementsBuilder(new PipelineImage.Transport.EngineUnavailableException("unix:///fake.sock", "the default socket", "no such file"));

        using (var connected = await BuilderNodes.ConnectAsync(nodes, _ => engine, TimeSpan.FromSeconds(5), new BuildLog(log.Add, log.Add), CancellationToken.None))
        {
            var onEngine = Assert.IsType<EngineRequirementsBuilder>(connected.For("linux/arm64", otherwise));
            Assert.Same(engine, onEngine.Engine.Engine);
            Assert.True(onEngine.ControlApi!.IsEngine);
            Assert.IsType<BuildkitdRequirementsBuilder>(connected.For("linux/amd64", otherwise));
            Assert.Same(otherwise, connected.For("linux/riscv64", otherwise));
            Assert.Contains($"Builder node for linux/amd64: the buildkitd at {new Uri(buildkitd.Address)}", log);
        }

        Assert.True(engine.Disposed);
    }

    [Fact]
    public async Task ANodeThatDoesNotAnswerIsPimg1014AndTheOnesConnectedAreClosed()
    {
        await using var buildkitd = new FakeBuildKitDaemon();
        var nodes = BuilderNodes.Parse([(buildkitd.Address, "linux/amd64", ""), ("unix:///run/pimg-no-node.sock", "linux/arm64", "")], "", TwoPlatforms);

        var e = await Assert.ThrowsAsync<PipelineImageException>(() =>
            BuilderNodes.ConnectAsync(nodes, _ => new FakeContainerEngine(), TimeSpan.FromSeconds(5), new BuildLog(_ => { }, _ => { }), CancellationToken.None));

        Assert.StartsWith("PIMG1014: ", e.Message, StringComparison.Ordinal);
    }
}
