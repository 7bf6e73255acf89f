using System.Text;
using System.Text.RegularExpressions;
using PipelineImage.Assembling;
using PipelineImage.Building;
using PipelineImage.Context;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Planning;
using PipelineImage.Registry;
using PipelineImage.Tests.Registry;
using PipelineImage.Tests.Tasks;
using PipelineImage.Transport;

namespace PipelineImage.Tests.Building;

/// <summary>
/// The assembler's way through a publish (<see cref="AssembledBuild"/>) with a registry in memory and a fake engine:
/// which engine is asked for what, what is logged, and the errors of each path.
/// </summary>
public sealed class AssembledBuildTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pimg-assembled-build-").FullName;
    private readonly InMemoryRegistry _registry = new();
    private readonly List<string> _log = [];
    private readonly byte[] _baseManifest;

    public AssembledBuildTests()
    {
        _baseManifest = _registry.AddEmptyImage("base", "1");
        var config = _registry.Blobs.Single().Value;
        _registry.Blobs[$"app@{InMemoryRegistry.Digest(config)}"] = config;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task WithoutAnEngineAssembledHoldsTheImage()
    {
        using var registries = Registries();

        var (assembled, loadedAs) = await Build(registries).AssembleAsync(Pushing(Plan()), "no engine answered", NoEngine, CancellationToken.None);

        Assert.Null(loadedAs);
        Assert.True(File.Exists(AssemblyRecord.BlobPath(Path.Combine(_root, "assembled"), assembled.ManifestDigest)));
        Assert.Contains(_log, line => line.StartsWith($"Assembled registry.test/app (no engine answered): manifest {assembled.ManifestDigest}, on ",
            StringComparison.Ordinal) && line.EndsWith($"@{InMemoryRegistry.Digest(_baseManifest)}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task IntoTheEngineGoOurLayersAloneAndItStaysTheCallers()
    {
        using var registries = Registries();
        var engine = new FakeContainerEngine();

        var (assembled, loadedAs) = await Build(registries).AssembleAsync(Plan(), "the default", OnEngine(engine), CancellationToken.None);

        Assert.Single(engine.Loads);
        Assert.Equal(assembled.ConfigDigest, loadedAs);
        Assert.Contains("Loaded registry.test/app:1.0.0 into the engine at unix:///fake.sock (our layers; it has the base's)", _log);
        Assert.False(engine.Disposed);
    }

    [Fact]
    public async Task ABaseTheRegistryRefusesIsPimg1018NamingTheBase()
    {
        using var registries = new RegistryClients(DockerConfig.Empty, _ => _ => null, _log.Add, [], CancellationToken.None,
            new InMemoryRegistry { Credentials = ("ci", "secret") });

        var e = await Assert.ThrowsAsync<PipelineImageException>(() =>
            Build(registries).AssembleAsync(Pushing(Plan()), "no engine answered", NoEngine, CancellationToken.None));

        Assert.Equal(DiagnosticCodes.BaseImageUnreadable, e.ResourceName);
        Assert.Contains("registry.test/base:1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequirementsBaseTheRegistryLacksNeedsAnEngineAndOnceTheRegistryHasItsTagNothingIsBuilt()
    {
        var plan = Plan(requirements: "FROM registry.test/base:1\nRUN apt-get install -y jq\n");
        using (var registries = Registries())
        {
            var missing = await Assert.ThrowsAsync<PipelineImageException>(() => Build(registries).AssembleAsync(Pushing(plan), "no engine answered",
                NoEngine, CancellationToken.None));

            Assert.Equal(DiagnosticCodes.EngineNeededForRunSteps, missing.ResourceName);
            var tag = Regex.Match((string)missing.Arguments[3], @"the requirements base registry\.test/app:(pipelineimage-requirements-[0-9a-f]{64}) ").Groups[1].Value;
            Assert.NotEmpty(tag);
            // The requirements' Dockerfile is written with its FROM pinned to the base's digest.
            Assert.Equal($"FROM registry.test/base@{InMemoryRegistry.Digest(_baseManifest)}\nRUN apt-get install -y jq\n",
                File.ReadAllText(Path.Combine(_root, "requirements", "Dockerfile")));
            _registry.Manifests[$"app:{tag}"] = (MediaTypes.OciManifest, _baseManifest);
            _registry.Manifests[$"app:{InMemoryRegistry.Digest(_baseManifest)}"] = (MediaTypes.OciManifest, _baseManifest);
        }

        using var again = Registries();
        var (assembled, _) = await Build(again).AssembleAsync(Pushing(plan), "no engine answered", NoEngine, CancellationToken.None);

        Assert.Equal(InMemoryRegistry.Digest(_baseManifest), assembled.BaseDigest);
        Assert.Contains(_log, line => line.EndsWith($"({InMemoryRegistry.Digest(_baseManifest)}) is in the registry: nothing of it is built", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABaseTheEngineHoldsIsReadFromItNotItsRegistryAndOurLayersAloneGoBackIn()
    {
        using var registries = Registries();
        var engine = new FakeContainerEngine();
        var layer = "the base's layer"u8.ToArray();
        engine.Add(BaseId, null, "registry.test/base:1");
        engine.Archives[BaseId] = PipelineImage.Tests.ImageStore.SavedArchives.DockerArchive(layer);

        var (assembled, _) = await Build(registries).AssembleAsync(Plan(), "the default", OnEngine(engine), CancellationToken.None);

        Assert.True(assembled.BaseInEngine);
        Assert.Equal(BaseId, assembled.BaseDigest);
        Assert.DoesNotContain(_registry.Requests, request => request.Contains("/v2/base/", StringComparison.Ordinal));
        var manifest = File.ReadAllText(AssemblyRecord.BlobPath(Path.Combine(_root, "assembled"), assembled.ManifestDigest));
        Assert.Contains($"\"digest\":\"{ContentDigest.Of(layer)}\"", manifest, StringComparison.Ordinal);
        var loaded = PipelineImage.Tests.ImageStore.ArchiveEntries.Read(Assert.Single(engine.Loads));
        Assert.DoesNotContain($"{ContentDigest.Of(layer)["sha256:".Length..]}.tar.gz", loaded.Keys);
        Assert.Contains("Loaded registry.test/app:1.0.0 into the engine at unix:///fake.sock (our layers; it has the base's)", _log);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ARequirementsBaseIsBuiltByTheEngineTheImageGoesIntoOnTheBaseItHoldsAndReadFromIt(bool push)
    {
        using var registries = Registries();
        var engine = new FakeContainerEngine();
        engine.Add(BaseId, null, "registry.test/base:1");
        var built = "sha256:" + 1.ToString("x64");
        engine.Archives[built] = PipelineImage.Tests.ImageStore.SavedArchives.DockerArchive("the base's layer"u8.ToArray(), "jq"u8.ToArray());

        var (assembled, loadedAs) = await Build(registries).AssembleAsync(Pushing(Plan(requirements: "FROM registry.test/base:1\nRUN apt-get install -y jq\n"), push),
            "the default", OnEngine(engine), CancellationToken.None);

        // No registry is asked: the engine's id of the base is in the requirements' Dockerfile, and so in its content key.
        Assert.Empty(_registry.Requests);
        Assert.Equal($"FROM registry.test/base:1\n# registry.test/base:1 is {BaseId} in the engine that builds this\nRUN apt-get install -y jq\n",
            File.ReadAllText(Path.Combine(_root, "requirements", "Dockerfile")));
        var build = Assert.Single(engine.Builds);
        Assert.StartsWith("registry.test/app:pipelineimage-requirements-", Assert.Single(build.References).ToString(), StringComparison.Ordinal);
        Assert.Equal(built, assembled.BaseDigest);
        Assert.True(assembled.BaseInEngine);
        Assert.Single(engine.Loads);
        Assert.Equal(assembled.ConfigDigest, loadedAs);
        Assert.Empty(engine.Pushes); // its content key names the engine's id of the base: of no use to another runner
    }

    [Fact]
    public async Task PushingOnABaseTheEngineLacksItBuildsTheRequirementsBasePinnedToTheRegistryAndPushesItForRunnersWithoutOne()
    {
        using var registries = Registries();
        var engine = new FakeContainerEngine();
        var built = "sha256:" + 1.ToString("x64");
        engine.Archives[built] = PipelineImage.Tests.ImageStore.SavedArchives.DockerArchive("the base's layer"u8.ToArray(), "jq"u8.ToArray());
        engine.PushedDigest = InMemoryRegistry.Digest(_baseManifest);
        _registry.Manifests[$"app:{engine.PushedDigest}"] = (MediaTypes.OciManifest, _baseManifest);

        var (assembled, _) = await Build(registries).AssembleAsync(Pushing(Plan(requirements: "FROM registry.test/base:1\nRUN apt-get install -y jq\n")), "the default", OnEngine(engine), CancellationToken.None);

        Assert.Equal($"FROM registry.test/base@{InMemoryRegistry.Digest(_baseManifest)}\nRUN apt-get install -y jq\n",
            File.ReadAllText(Path.Combine(_root, "requirements", "Dockerfile")));
        var pushed = Assert.Single(engine.Pushes);
        Assert.Equal(Assert.Single(Assert.Single(engine.Builds).References), pushed);
        Assert.Contains($"Pushed the requirements base {pushed} ({engine.PushedDigest})", _log);
        Assert.False(assembled.BaseInEngine);
        Assert.Equal(engine.PushedDigest, assembled.BaseDigest);
        Assert.Single(engine.Loads);
    }

    private const string BaseId = "sha256:ba5e000000000000000000000000000000000000000000000000000000000001";

    private static EngineRequirementsBuilder OnEngine(FakeContainerEngine engine) => new(new ConnectedEngine(engine, engine.Info), ControlApi: null);

    private static PlanFile Pushing(PlanFile plan, bool push = true) => plan with { Options = plan.Options with { Push = push } };

    private static readonly NoRequirementsBuilder NoEngine = new(new EngineUnavailableException("unix:///fake.sock", "the default socket", "no such file"));

    private RegistryClients Registries() => new(DockerConfig.Empty, _ => _ => null, _log.Add, [], CancellationToken.None, _registry);

    private AssembledBuild Build(RegistryClients registries) => new(_root, Path.Combine(_root, "bases"), registries, _ => null, [], new BuildLog(_log.Add, _log.Add));

    private PlanFile Plan(string? requirements = null)
    {
        var dockerfile = Path.Combine(_root, "Dockerfile");
        File.WriteAllText(dockerfile, "FROM registry.test/base:1\n");
        var plan = new BuildPlan("registry.test/app", [new("registry.test/app", "1.0.0")], "registry.test/base:1", "FROM registry.test/base:1\n",
            [ContextEntry.FromContent(ImagePlanner.DockerfilePath, "FROM registry.test/base:1\n"u8.ToArray())],
            PipelineImage.Requirements.RequirementPlan.Empty)
        {
            Assembly = new(1, null, [], new()) { Requirements = requirements is null ? null : new PlannedRequirementsBase(requirements, null, []) },
        };
        return PlanFile.Create(plan, null, dockerfile, null, new PlannedOptions("", "", "missing", false), FileHashCache.Load(Path.Combine(_root, "hashes.tsv")).Hash);
    }
}
