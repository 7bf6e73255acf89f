using PipelineImage.Building;
using PipelineImage.Context;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Engine.BuildKit;
using PipelineImage.Intermediate;
using PipelineImage.Planning;
using PipelineImage.Tests.Engine;
using PipelineImage.Tests.Tasks;
using PipelineImage.Transport;

namespace PipelineImage.Tests.Building;

/// <summary>
/// How an image is made, decided in one place from the plan, the push and whether an engine answers: the route, the
/// engine it owns (closed with it, or at once when it is not used), and the line that says why. PipelineImageBuilder
/// never stops the assembler.
/// </summary>
public sealed class BuildRoutesTests : IDisposable
{
    private static readonly EngineConnection Connection = new(new Uri("unix:///fake.sock"), null, "DOCKER_HOST");

    private readonly string _root = Directory.CreateTempSubdirectory("pimg-routes-").FullName;
    private readonly List<string> _log = [];

    [Fact]
    public async Task AutoOnAnEngineAssemblesOnItAndTheRouteOwnsItsConnection()
    {
        var engine = new FakeContainerEngine();

        var route = await ChooseAsync(Plan("auto"), false, engine);

        var assemble = Assert.IsType<AssembleRoute>(route);
        Assert.Same(engine, Assert.IsType<EngineRequirementsBuilder>(assemble.Builder).Engine.Engine);
        Assert.Contains("Builder: assembler (PipelineImageBuilder=auto on Docker; the engine builds only RUN steps)", _log);
        Assert.False(engine.Disposed);
        route.Dispose();
        Assert.True(engine.Disposed);
    }

    [Theory]
    [InlineData("classic")]
    [InlineData("buildkit")]
    public async Task ClassicAndBuildKitNameOnlyTheBuilderOfRunStepsTheImageIsAssembledOnTheEngine(string builder)
    {
        var engine = new FakeContainerEngine();

        using var route = await ChooseAsync(Plan(builder), false, engine);

        var assemble = Assert.IsType<AssembleRoute>(route);
        Assert.Same(engine, Assert.IsType<EngineRequirementsBuilder>(assemble.Builder).Engine.Engine);
        Assert.Contains($"Builder: assembler (PipelineImageBuilder={builder} on Docker; the engine builds only RUN steps)", _log);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("classic")]
    [InlineData("buildkit")]
    public async Task TheEnginesBuilderBuildsTheWholeDockerfileOfAParent(string builder)
    {
        var engine = new FakeContainerEngine();

        using var route = await ChooseAsync(Plan(builder, "the parent Dockerfile (PipelineImageParentDockerfile)"), true, engine);

        var build = Assert.IsType<EngineBuildRoute>(route);
        Assert.Same(engine, build.Engine.Engine);
        Assert.Null(build.BuildKit);
        Assert.DoesNotContain(_log, line => line.StartsWith("Builder: ", StringComparison.Ordinal)); // the engine's builder says which it is
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("classic")]
    [InlineData("buildkit")]
    public async Task PushingWithNoEngineAssemblesHereAndSaysSo(string builder)
    {
        var engine = Unavailable();

        using var route = await ChooseAsync(Plan(builder), true, engine);

        var assemble = Assert.IsType<AssembleRoute>(route);
        Assert.Equal("connection refused", Assert.IsType<NoRequirementsBuilder>(assemble.Builder).Unavailable.Reason);
        Assert.True(engine.Disposed);
        Assert.Contains("No engine answers at unix:///fake.sock (connection refused); the image is assembled here (it has no RUN step) and pushed through the registry API", _log);
        Assert.Contains("Builder: assembler (no engine answered at unix:///fake.sock)", _log);
    }

    [Fact]
    public async Task AnArchiveWithNoEngineIsAssembledHereAndWrittenWithoutOne()
    {
        using var route = await ChooseAsync(Plan("auto"), false, Unavailable(), archive: true);

        Assert.IsType<NoRequirementsBuilder>(Assert.IsType<AssembleRoute>(route).Builder);
        Assert.Contains("No engine answers at unix:///fake.sock (connection refused); the image is assembled here (it has no RUN step) and written to the archive", _log);
    }

    [Fact]
    public async Task AutoPushingWithNoEngineAndAParentIsPimg1015()
    {
        var engine = Unavailable();

        var error = await Assert.ThrowsAsync<PipelineImageException>(() => ChooseAsync(Plan("auto", "the parent Dockerfile"), true, engine));

        Assert.Equal(DiagnosticCodes.EngineNeededForRunSteps, error.ResourceName);
        Assert.True(engine.Disposed);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("classic")]
    [InlineData("buildkit")]
    public async Task NoEngineAndNoPushIsPimg1001AndNothingStaysOpen(string builder)
    {
        var engine = Unavailable();

        var error = await Assert.ThrowsAsync<EngineUnavailableException>(() => ChooseAsync(Plan(builder), false, engine));

        Assert.StartsWith("PIMG1001: ", error.Message);
        Assert.True(engine.Disposed);
    }

    [Fact]
    public async Task RunStepsForAPlatformTheEngineCannotBuildArePimg1005AndTheConnectionIsClosed()
    {
        var engine = new FakeContainerEngine();
        var plan = Plan("auto");
        plan = plan with { Assembly = plan.Assembly! with { Requirements = new PlannedRequirementsBase("FROM registry.test/base:1\nRUN true\n", null, []) } };

        var error = await Assert.ThrowsAsync<PipelineImageException>(() => ChooseAsync(plan with { Options = plan.Options with { Platform = "windows/amd64" } }, false, engine));

        Assert.Equal(DiagnosticCodes.PlatformNotSupported, error.ResourceName);
        Assert.True(engine.Disposed);
    }

    [Fact]
    public async Task AnImageWithoutRunStepsIsAssembledForAnyPlatformWhateverTheBuilder()
    {
        var plan = Plan("classic");

        using var route = await ChooseAsync(plan with { Options = plan.Options with { Platform = "linux/arm64" } }, false, new FakeContainerEngine());

        Assert.IsType<AssembleRoute>(route);
    }

    [Fact]
    public async Task AnEnginesControlApiBuildsOnlyRunStepsAndTheImageIsAssembledOnThatEngine()
    {
        await using var daemon = new FakeBuildKitDaemon(engineApiVersion: "1.53");
        var engine = new FakeContainerEngine();

        using var route = await ChooseAsync(Plan("auto"), false, engine, buildKitHost: daemon.Address);

        var builder = Assert.IsType<EngineRequirementsBuilder>(Assert.IsType<AssembleRoute>(route).Builder);
        Assert.Same(engine, builder.Engine.Engine);
        Assert.True(builder.ControlApi!.IsEngine);
        Assert.Contains($"Builder: assembler (PipelineImageBuildKitHost={new Uri(daemon.Address)}: BuildKit's Control API there builds only RUN steps)", _log);
    }

    [Fact]
    public async Task AStandaloneBuildkitdBuildsOnlyRunStepsAndNoEngineIsAsked()
    {
        await using var daemon = new FakeBuildKitDaemon();

        using var route = await BuildRoutes.ChooseAsync(Pushing(Plan("auto"), true), BuildKitHost.Parse(daemon.Address, ""), Connection,
            _ => throw new InvalidOperationException("no engine may be asked"), TimeSpan.FromSeconds(5), new BuildLog(_log.Add, _log.Add), CancellationToken.None);

        Assert.False(Assert.IsType<BuildkitdRequirementsBuilder>(Assert.IsType<AssembleRoute>(route).Builder).Buildkitd.IsEngine);
        Assert.Contains(_log, line => line.StartsWith("Builder: assembler (PipelineImageBuildKitHost=", StringComparison.Ordinal)
            && line.EndsWith(" is a standalone buildkitd: it builds only RUN steps, the registry API takes the image)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ClassicWithABuildKitHostIsPimg2034BeforeAnythingIsAsked()
    {
        // Nothing listens there: asked first, it would be PIMG1014.
        var error = await Assert.ThrowsAsync<PipelineImageException>(() =>
            ChooseAsync(Plan("classic"), false, new FakeContainerEngine(), buildKitHost: "unix:///run/pimg-nothing-here.sock"));

        Assert.Equal(DiagnosticCodes.InvalidBuildKitHost, error.ResourceName);
    }

    private static FakeContainerEngine Unavailable() =>
        new() { Fail = ("connect", new EngineUnavailableException("unix:///fake.sock", "DOCKER_HOST", "connection refused")) };

    private Task<BuildRoute> ChooseAsync(PlanFile plan, bool push, FakeContainerEngine engine, bool archive = false, string? buildKitHost = null) =>
        BuildRoutes.ChooseAsync(plan with { Options = plan.Options with { Push = push, Archive = archive } },
            buildKitHost is null ? null : BuildKitHost.Parse(buildKitHost, ""), Connection, _ => engine, TimeSpan.FromSeconds(5), new BuildLog(_log.Add, _log.Add),
            CancellationToken.None);

    private static PlanFile Pushing(PlanFile plan, bool push) => plan with { Options = plan.Options with { Push = push } };

    private PlanFile Plan(string builder, string? needsEngine = null)
    {
        var dockerfile = Path.Combine(_root, "Dockerfile");
        File.WriteAllText(dockerfile, "FROM registry.test/base:1\n");
        var plan = new BuildPlan("registry.test/app", [new("registry.test/app", "1.0.0")], "registry.test/base:1", "FROM registry.test/base:1\n",
            [ContextEntry.FromContent(ImagePlanner.DockerfilePath, "FROM registry.test/base:1\n"u8.ToArray())],
            PipelineImage.Requirements.RequirementPlan.Empty)
        {
            Assembly = new(1, needsEngine, [], new()),
        };
        return PlanFile.Create(plan, null, dockerfile, null, new PlannedOptions("", "", "missing", false, builder), FileHashCache.Load(Path.Combine(_root, "hashes.tsv")).Hash);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
