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
    private readonly string _binfmt;
    private readonly List<string> _log = [];

    public BuildRoutesTests()
    {
        _binfmt = Directory.CreateDirectory(Path.Combine(_root, "binfmt_misc")).FullName;
        Register("status", "enabled\n"); // mounted, nothing registered
    }

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
        var plan = WithRunSteps(Plan("auto"));

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

    [Fact]
    public async Task RunStepsForAnArchitectureWithoutAnEmulatorAndWithoutANodeArePimg1020BeforeAnythingIsBuilt()
    {
        using var route = await ChooseAsync(TwoPlatforms(WithRunSteps(Plan("auto"))), true, new FakeContainerEngine());

        // Raised by the build before anything is built, unless the registry has that platform's requirements base.
        var error = Assert.Single(Assert.IsType<AssembleRoute>(route).Unrunnable).Value;
        Assert.Equal(DiagnosticCodes.NoEmulator, error.ResourceName);
        Assert.Equal(["linux/arm64", "the engine at unix:///fake.sock", "linux/amd64, linux/386"], error.Arguments);
        Assert.Contains("PipelineImageBuilderNode", error.Message, StringComparison.Ordinal);
        Assert.Contains("qemu-user-static", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEmulatorRegisteredOnTheEnginesMachineLetsItBuildTheOtherArchitecture()
    {
        Register("status", "enabled");
        Register("qemu-aarch64", "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\n");

        using var route = await ChooseAsync(TwoPlatforms(WithRunSteps(Plan("auto"))), true, new FakeContainerEngine());

        Assert.IsType<AssembleRoute>(route);
        Assert.Contains("the engine at unix:///fake.sock runs linux/amd64, linux/386, linux/arm64", _log);
    }

    [Theory]
    [InlineData("disabled", "enabled\nflags: F\n")]
    [InlineData("enabled", "disabled\nflags: F\n")]
    [InlineData("enabled", "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: P\n")] // without F, a container's file system must hold the interpreter
    public async Task ADisabledEmulatorOrBinfmtMiscOrOneWithoutTheFFlagIsNone(string status, string entry)
    {
        Register("status", status);
        Register("qemu-aarch64", entry);

        using var route = await ChooseAsync(TwoPlatforms(WithRunSteps(Plan("auto"))), true, new FakeContainerEngine());

        Assert.Equal(["linux/arm64"], Assert.IsType<AssembleRoute>(route).Unrunnable.Keys);
    }

    [Fact]
    public async Task AParentDockerfileForAPlatformNothingHereRunsIsPimg1020AtOnce()
    {
        var engine = new FakeContainerEngine();
        var plan = WithRunSteps(Plan("auto", "the parent Dockerfile (PipelineImageParentDockerfile)"));

        var error = await Assert.ThrowsAsync<PipelineImageException>(() => ChooseAsync(plan with { Options = plan.Options with { Platform = "linux/arm64" } }, false, engine));

        Assert.Equal(DiagnosticCodes.NoEmulator, error.ResourceName);
        Assert.True(engine.Disposed);
    }

    [Fact]
    public async Task WithoutBinfmtMiscMountedTheKernelThatBuildsIsNotThisOneAndNotJudged()
    {
        File.Delete(Path.Combine(_binfmt, "status"));

        using var route = await ChooseAsync(TwoPlatforms(WithRunSteps(Plan("auto"))), true, new FakeContainerEngine());

        Assert.Contains("Which platforms the engine at unix:///fake.sock runs is not known here: a platform it cannot run fails in its build", _log);
    }

    [Fact]
    public async Task An386ImageRunsNativelyOnAnAmd64Engine()
    {
        var plan = WithRunSteps(Plan("auto"));

        using var route = await ChooseAsync(plan with { Options = plan.Options with { Platforms = ["linux/amd64", "linux/386"] } }, true, new FakeContainerEngine());

        Assert.Contains("the engine at unix:///fake.sock runs linux/amd64, linux/386", _log);
    }

    [Fact]
    public async Task ANodeForThePlatformNeedsNoEmulatorAndNoBuilderOfItOnTheEngine()
    {
        // The classic builder builds only its own architecture: without the node, PIMG1005.
        using var route = await ChooseAsync(TwoPlatforms(WithRunSteps(Plan("classic"))), true, new FakeContainerEngine(), nodePlatforms: ["linux/arm64"]);

        Assert.IsType<AssembleRoute>(route);
    }

    [Fact]
    public async Task WithoutRunStepsOrForTheEnginesOwnPlatformNoEmulatorIsAskedFor()
    {
        using (await ChooseAsync(TwoPlatforms(Plan("auto")), true, new FakeContainerEngine()))
        {
        }

        var own = WithRunSteps(Plan("auto"));
        using (await ChooseAsync(own with { Options = own.Options with { Platform = "linux/amd64" } }, true, new FakeContainerEngine()))
        {
        }

        Assert.DoesNotContain(_log, line => line.Contains(" runs linux/amd64", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnEngineElsewhereIsNotJudgedItsBuildFindsOut()
    {
        var plan = TwoPlatforms(WithRunSteps(Plan("auto")));

        using var route = await BuildRoutes.ChooseAsync(plan, null, Connection with { Endpoint = new Uri("tcp://builder.test:2376") }, _ => new FakeContainerEngine(),
            TimeSpan.FromSeconds(5), new BuildLog(_log.Add, _log.Add), CancellationToken.None, binfmtMisc: _binfmt);

        Assert.IsType<AssembleRoute>(route);
        Assert.Contains("Which platforms the engine at unix:///fake.sock runs is not known here: a platform it cannot run fails in its build", _log);
    }

    [Theory]
    [InlineData("linux/amd64", false)]
    [InlineData("linux/amd64;linux/arm64", true)]
    public async Task ABuildKitHostIsJudgedByWhatItsWorkersRun(string workerPlatforms, bool builds)
    {
        await using var daemon = new FakeBuildKitDaemon();
        daemon.WorkerPlatforms.AddRange(workerPlatforms.Split(';'));
        var plan = TwoPlatforms(WithRunSteps(Plan("auto")));

        var choosing = BuildRoutes.ChooseAsync(Pushing(plan, true), BuildKitHost.Parse(daemon.Address, ""), Connection, _ => throw new InvalidOperationException("no engine may be asked"),
            TimeSpan.FromSeconds(5), new BuildLog(_log.Add, _log.Add), CancellationToken.None, binfmtMisc: _binfmt);

        using var route = Assert.IsType<AssembleRoute>(await choosing);

        Assert.Contains($"the buildkitd at {new Uri(daemon.Address)} runs {workerPlatforms.Replace(";", ", ", StringComparison.Ordinal)}", _log);
        Assert.Equal(builds ? [] : [$"the buildkitd at {new Uri(daemon.Address)}"], route.Unrunnable.Values.Select(error => error.Arguments[1]));
    }

    private void Register(string name, string content) => File.WriteAllText(Path.Combine(_binfmt, name), content);

    private static PlanFile WithRunSteps(PlanFile plan) =>
        plan with { Assembly = plan.Assembly! with { Requirements = new PlannedRequirementsBase("FROM registry.test/base:1\nRUN true\n", null, []) } };

    private static PlanFile TwoPlatforms(PlanFile plan) => plan with { Options = plan.Options with { Platforms = ["linux/amd64", "linux/arm64"] } };

    private static FakeContainerEngine Unavailable() =>
        new() { Fail = ("connect", new EngineUnavailableException("unix:///fake.sock", "DOCKER_HOST", "connection refused")) };

    private Task<BuildRoute> ChooseAsync(PlanFile plan, bool push, FakeContainerEngine engine, bool archive = false, string? buildKitHost = null,
        IReadOnlyCollection<string>? nodePlatforms = null) =>
        BuildRoutes.ChooseAsync(plan with { Options = plan.Options with { Push = push, Archive = archive } },
            buildKitHost is null ? null : BuildKitHost.Parse(buildKitHost, ""), Connection, _ => engine, TimeSpan.FromSeconds(5), new BuildLog(_log.Add, _log.Add),
            CancellationToken.None, nodePlatforms, _binfmt);

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
