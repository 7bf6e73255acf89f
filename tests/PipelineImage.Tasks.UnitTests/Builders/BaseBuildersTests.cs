using PipelineImage.Builders;
using PipelineImage.Context;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Engine.BuildKit;
using PipelineImage.Naming;
using PipelineImage.Planning;
using PipelineImage.Tests.Engine;
using PipelineImage.Tests.Tasks;
using PipelineImage.Transport;

namespace PipelineImage.Tests.Builders;

/// <summary>
/// A build's builder, chosen in one place: the engine's own (the setting and the engine decide which), or BuildKit's
/// Control API at PipelineImageBuildKitHost; each builds what it is given into the engine's store.
/// </summary>
public sealed class BaseBuildersTests
{
    private static readonly EngineInfo Docker = new("unix:///fake.sock", "26.1.5", "1.45", "linux/amd64", BuilderVersion: "2");

    private static BuildRequest Request() => new(
        [ContextEntry.FromContent(".pipelineimage/Dockerfile", "FROM x\nRUN true\n"u8.ToArray())],
        [new ImageReference("hello", "1.0.0")],
        ".pipelineimage/Dockerfile", new BuildOptions());

    [Theory]
    [InlineData("auto", "BuildKit")]
    [InlineData("buildkit", "BuildKit")]
    [InlineData("classic", "Classic")]
    public async Task WithoutABuildKitHostTheEnginesBuilderBuildsAndTheRequestSaysWhich(string setting, string expected)
    {
        var engine = new FakeContainerEngine();

        var builder = BaseBuilders.Choose(BuilderSettings.Parse(setting), engine, Docker, buildKit: null, []);
        await builder.BuildAsync(Request(), _ => { }, CancellationToken.None);

        Assert.IsType<EngineBuilder>(builder);
        Assert.Equal(Enum.Parse<ImageBuilder>(expected), builder.Choice.Builder);
        Assert.Equal(Enum.Parse<ImageBuilder>(expected), Assert.Single(engine.Builds).Options.Builder);
    }

    [Fact]
    public async Task AnEnginesControlApiAtTheBuildKitHostBuildsThereAndTheImageIsTheEngines()
    {
        await using var daemon = new FakeBuildKitDaemon(engineApiVersion: "1.53");
        using var control = await BuildKitControl.ConnectAsync(new EngineConnection(new Uri(daemon.Address), null, "PipelineImageBuildKitHost"),
            TimeSpan.FromSeconds(10), CancellationToken.None);
        var engine = new FakeContainerEngine();
        var id = engine.Add("sha256:" + new string('b', 64), null, "hello:1.0.0");

        var builder = BaseBuilders.Choose(BuilderSetting.Auto, engine, Docker, control, []);
        var built = await builder.BuildAsync(Request(), _ => { }, CancellationToken.None);

        Assert.IsType<ControlApiBuilder>(builder);
        Assert.Equal(ImageBuilder.BuildKit, builder.Choice.Builder);
        Assert.StartsWith("PipelineImageBuildKitHost=", builder.Choice.Reason, StringComparison.Ordinal);
        Assert.Single(daemon.Solves);
        Assert.Empty(engine.Builds);
        Assert.Equal(id, built.ImageId);
    }

    [Fact]
    public async Task TheClassicBuilderWithABuildKitHostIsPimg2034()
    {
        await using var daemon = new FakeBuildKitDaemon(engineApiVersion: "1.53");
        using var control = await BuildKitControl.ConnectAsync(new EngineConnection(new Uri(daemon.Address), null, "PipelineImageBuildKitHost"),
            TimeSpan.FromSeconds(10), CancellationToken.None);

        var error = Assert.Throws<PipelineImageException>(() => BaseBuilders.Choose(BuilderSetting.Classic, new FakeContainerEngine(), Docker, control, []));

        Assert.Equal(DiagnosticCodes.InvalidBuildKitHost, error.ResourceName);
    }
}
