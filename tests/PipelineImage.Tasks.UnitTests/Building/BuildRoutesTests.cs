using PipelineImage.Building;
using PipelineImage.Context;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Planning;
using PipelineImage.Tests.Tasks;

namespace PipelineImage.Tests.Building;

/// <summary>
/// How an image is made, decided in one place from PipelineImageBuilder, the push and whether an engine answers: the
/// route, what it connected to (and nothing more), and the line that says why.
/// </summary>
public sealed class BuildRoutesTests : IDisposable
{
    private static readonly EngineConnection Connection = new(new Uri("unix:///fake.sock"), null, "DOCKER_HOST");

    private readonly string _root = Directory.CreateTempSubdirectory("pimg-routes-").FullName;
    private readonly List<string> _log = [];
    private int _engines;

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task AssemblerAsksNoEngineAndLoadsIntoOneOnlyWithoutAPush(bool push, bool load)
    {
        using var route = await ChooseAsync(Plan("assembler"), push, new FakeContainerEngine());

        var assemble = Assert.IsType<AssembleRoute>(route);
        Assert.Equal((load, true, null, null), (assemble.LoadIntoEngine, assemble.BuildWithEngine, assemble.Unavailable, assemble.Connected));
        Assert.Equal(0, _engines);
        Assert.Equal(["Builder: assembler (PipelineImageBuilder=assembler)"], _log);
    }

    [Fact]
    public async Task AssemblerWithWhatOnlyAnEngineBuildsIsPimg2037BeforeAnyConnection()
    {
        var error = await Assert.ThrowsAsync<PipelineImageException>(() => ChooseAsync(Plan("assembler", needsEngine: "the parent Dockerfile"), false, new FakeContainerEngine()));

        Assert.Equal(DiagnosticCodes.AssemblerNeedsEngine, error.ResourceName);
        Assert.Equal(0, _engines);
    }

    [Fact]
    public async Task AutoOnAnEngineAssemblesOnItAndTheRouteOwnsItsConnection()
    {
        var engine = new FakeContainerEngine();

        var route = await ChooseAsync(Plan("auto"), false, engine);

        var assemble = Assert.IsType<AssembleRoute>(route);
        Assert.Same(engine, assemble.Connected!.Engine);
        Assert.True(assemble.LoadIntoEngine && assemble.BuildWithEngine);
        Assert.Contains("Builder: assembler (PipelineImageBuilder=auto on Docker; the engine builds only RUN steps)", _log);
        Assert.False(engine.Disposed);
        route.Dispose();
        Assert.True(engine.Disposed);
    }

    [Theory]
    [InlineData("auto", "the parent Dockerfile (PipelineImageParentDockerfile)")]
    [InlineData("classic", null)]
    [InlineData("buildkit", null)]
    public async Task TheEnginesBuilderBuildsTheWholeDockerfileForAParentOrWhenAskedFor(string builder, string? needsEngine)
    {
        var engine = new FakeContainerEngine();

        using var route = await ChooseAsync(Plan(builder, needsEngine), true, engine);

        var build = Assert.IsType<EngineBuildRoute>(route);
        Assert.Same(engine, build.Engine.Engine);
        Assert.Null(build.BuildKit);
        Assert.DoesNotContain(_log, line => line.StartsWith("Builder: ", StringComparison.Ordinal)); // the engine's builder says which it is
    }

    [Fact]
    public async Task AutoPushingWithNoEngineAssemblesHereAndSaysSo()
    {
        var engine = Unavailable();

        using var route = await ChooseAsync(Plan("auto"), true, engine);

        var assemble = Assert.IsType<AssembleRoute>(route);
        Assert.Equal((false, false), (assemble.LoadIntoEngine, assemble.BuildWithEngine));
        Assert.NotNull(assemble.Unavailable);
        Assert.True(engine.Disposed);
        Assert.Contains("No engine answers at unix:///fake.sock (connection refused); the image is assembled here (it has no RUN step) and pushed through the registry API", _log);
        Assert.Contains("Builder: assembler (no engine answered at unix:///fake.sock)", _log);
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
    [InlineData("auto", false)]
    [InlineData("classic", true)]
    [InlineData("buildkit", true)]
    public async Task NoEngineWhereOneIsNeededIsPimg1001AndNothingStaysOpen(string builder, bool push)
    {
        var engine = Unavailable();

        var error = await Assert.ThrowsAsync<EngineUnavailableException>(() => ChooseAsync(Plan(builder), push, engine));

        Assert.StartsWith("PIMG1001: ", error.Message);
        Assert.True(engine.Disposed);
    }

    [Fact]
    public async Task APlatformTheEngineCannotBuildIsPimg1005AndTheConnectionIsClosed()
    {
        var engine = new FakeContainerEngine();
        var plan = Plan("auto");

        var error = await Assert.ThrowsAsync<PipelineImageException>(() => ChooseAsync(plan with { Options = plan.Options with { Platform = "windows/amd64" } }, false, engine));

        Assert.Equal(DiagnosticCodes.PlatformNotSupported, error.ResourceName);
        Assert.True(engine.Disposed);
    }

    private static FakeContainerEngine Unavailable() =>
        new() { Fail = ("connect", new EngineUnavailableException("unix:///fake.sock", "DOCKER_HOST", "connection refused")) };

    private Task<BuildRoute> ChooseAsync(PlanFile plan, bool push, FakeContainerEngine engine) =>
        BuildRoutes.ChooseAsync(plan, push, buildKitHost: null, Connection, _ =>
        {
            _engines++;
            return engine;
        }, TimeSpan.FromSeconds(1), new BuildLog(_log.Add, _log.Add), CancellationToken.None);

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
