using System.Text;
using Microsoft.Build.Framework;
using PipelineImage.Context;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Planning;
using PipelineImage.Tasks;
using PipelineImage.Tests.Engine;
using PipelineImage.Tests.Registry;
using PipelineImage.Transport;

namespace PipelineImage.Tests.Tasks;

/// <summary>
/// The assembler's path through the two tasks a pushing publish runs, BuildPipelineImage then PushPipelineImage, with
/// a registry in memory and no engine: what goes up, what image.json and the task's outputs record, and that a second
/// push uploads nothing; with a standalone buildkitd (a fake one) that builds only the requirements base.
/// </summary>
public sealed class AssembledPushTaskTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pimg-assembled-push-").FullName;
    private readonly FakeBuildEngine _log = new();
    private readonly InMemoryRegistry _registry = new();

    public AssembledPushTaskTests() => _registry.AddEmptyImage("base", "1");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void EveryTagGoesUpThroughTheRegistryApiIsRecordedByDigestAndASecondPushUploadsNothing()
    {
        var build = new BuildPipelineImage
        {
            BuildEngine = _log, EngineFactory = _ => Unavailable(), RegistryHandler = _registry, PlanPath = WritePlan(),
            ImageRecordPath = Path.Combine(_root, "image.json"),
        };
        Assert.True(build.Execute(), string.Join("\n", _log.Errors.Select(e => e.Message)));

        var push = NewPush();
        Assert.True(push.Execute(), string.Join("\n", _log.Errors.Select(e => e.Message)));

        var record = ImageRecord.Parse(File.ReadAllText(push.ImageRecordPath), push.ImageRecordPath);
        var digest = InMemoryRegistry.Digest(_registry.Manifests["app:1.0.0"].Bytes);
        Assert.Equal(_registry.Manifests["app:1.0.0"].Bytes, _registry.Manifests["app:latest"].Bytes);
        Assert.Equal(new Dictionary<string, string> { ["registry.test/app:1.0.0"] = digest, ["registry.test/app:latest"] = digest }, record.Pushed);
        Assert.Equal(["registry.test/app:1.0.0", "registry.test/app:latest"], push.PushedReferences.Select(item => item.ItemSpec));
        Assert.All(push.PushedReferences, item => Assert.Equal(digest, item.GetMetadata("Digest")));
        Assert.NotEqual("0", push.PushedReferences[0].GetMetadata("BytesUploaded"));

        _registry.Requests.Clear();
        var again = NewPush();
        Assert.True(again.Execute(), string.Join("\n", _log.Errors.Select(e => e.Message)));

        Assert.All(again.PushedReferences, item => Assert.Equal("0", item.GetMetadata("BytesUploaded")));
        Assert.Equal(digest, again.PushedReferences[1].GetMetadata("Digest"));
        // The registry has each tag as image.json says it was pushed: its manifests are read, nothing is written.
        Assert.All(_registry.Requests, request => Assert.StartsWith("GET ", request, StringComparison.Ordinal));
        Assert.Contains(_log.Messages, m => m.Message == $"registry.test/app:1.0.0, registry.test/app:latest is in its registry as pushed before ({digest}): nothing to push");
        Assert.Empty(_log.Errors);
    }

    [Fact]
    public void ATagThatMovedInTheRegistrySinceThePushIsPushedAgain()
    {
        var build = new BuildPipelineImage
        {
            BuildEngine = _log, EngineFactory = _ => Unavailable(), RegistryHandler = _registry, PlanPath = WritePlan(),
            ImageRecordPath = Path.Combine(_root, "image.json"),
        };
        Assert.True(build.Execute(), Errors());
        Assert.True(NewPush().Execute(), Errors());
        var ours = _registry.Manifests["app:1.0.0"].Bytes;
        _registry.AddEmptyImage("app", "latest");

        var again = NewPush();
        Assert.True(again.Execute(), Errors());

        Assert.Equal(ours, _registry.Manifests["app:latest"].Bytes);
        Assert.DoesNotContain(_log.Messages, m => m.Message!.Contains("nothing to push", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OnAStandaloneBuildkitdOnlyTheRequirementsBaseIsBuiltAndPushedByItsContentKeyAndTheImageGoesUpThroughTheRegistryApi(bool tls)
    {
        await using var daemon = new FakeBuildKitDaemon(tls: tls) { Push = StoreInRegistry };
        var build = NewBuild(WritePlan(Requirements), daemon);

        Assert.True(build.Execute(), Errors());
        var push = NewPush();
        Assert.True(push.Execute(), Errors());

        var solve = Assert.Single(daemon.Solves);
        var tag = Assert.Single(_registry.Manifests.Keys, key => key.StartsWith("app:pipelineimage-requirements-", StringComparison.Ordinal));
        Assert.Equal(("dockerfile.v0", ".pipelineimage/Dockerfile"), (solve.Frontend, solve.FrontendAttrs["filename"]));
        Assert.Equal(new Dictionary<string, string> { ["name"] = "registry.test/" + tag, ["push"] = "true" }, solve.ExporterAttrsDeprecated);
        Assert.Equal(["/moby.filesync.v1.FileSync/DiffCopy"], Assert.Single(daemon.Sessions).Methods);
        var baseDigest = InMemoryRegistry.Digest(_registry.Manifests["base:1"].Bytes);
        Assert.Equal($"FROM registry.test/base@{baseDigest}\nRUN apt-get install -y jq\n", File.ReadAllText(Path.Combine(_root, "requirements", "Dockerfile")));
        Assert.Contains(_log.Messages, m => m.Message == $"Builder: assembler (PipelineImageBuildKitHost={new Uri(daemon.Address)} is a standalone buildkitd: it builds only RUN steps, the registry API takes the image)");
        Assert.Contains(_log.Messages, m => m.Message!.StartsWith($"Pushed the requirements base registry.test/{tag} (sha256:", StringComparison.Ordinal)
            && m.Message.EndsWith($"from the buildkitd at {new Uri(daemon.Address)}", StringComparison.Ordinal));
        var record = ImageRecord.Parse(File.ReadAllText(push.ImageRecordPath), push.ImageRecordPath);
        Assert.Equal(ImageLocation.Layout, record.Location);
        Assert.Equal(InMemoryRegistry.Digest(_registry.Manifests["app:1.0.0"].Bytes), record.Pushed!["registry.test/app:1.0.0"]);

        // Unchanged, or on another runner: the registry has the requirements base, and nothing is solved.
        Assert.True(NewBuild(WritePlan(Requirements), daemon).Execute(), Errors());
        Assert.Single(daemon.Solves);
        Assert.Contains(_log.Messages, m => m.Message!.StartsWith($"The requirements base registry.test/{tag} (sha256:", StringComparison.Ordinal)
            && m.Message.EndsWith("is in the registry: nothing of it is built", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AStandaloneBuildkitdNeedsAPushAndNoParentAndSaysSoBeforeAnySolve()
    {
        await using var daemon = new FakeBuildKitDaemon();

        Assert.False(NewBuild(WritePlan(Requirements, push: false), daemon).Execute());
        Assert.False(NewBuild(WritePlan(Requirements, needsEngine: "the parent Dockerfile (PipelineImageParentDockerfile)"), daemon).Execute());

        Assert.Equal(["PIMG2035", "PIMG2035"], _log.Errors.Select(e => e.Code));
        Assert.StartsWith($"PipelineImageBuildKitHost '{daemon.Address}' is a standalone buildkitd, and the image it helps build lands in a registry", _log.Errors[0].Message);
        Assert.Contains("a parent Dockerfile (PipelineImageParentDockerfile) is built into an engine's local image", _log.Errors[1].Message);
        Assert.Empty(daemon.Solves);
    }

    [Fact]
    public async Task AFailedSolveOfTheRequirementsBaseIsPimg1003AndNothingIsRecorded()
    {
        await using var daemon = new FakeBuildKitDaemon(failWith: "process \"/bin/sh -c apt-get install nope\" did not complete successfully: exit code: 100");

        var error = FailOnBuildKit(daemon);

        Assert.Equal("PIMG1003", error.Code);
        Assert.Contains("exit code: 100", error.Message);
        Assert.False(File.Exists(Path.Combine(_root, "image.json")));
    }

    [Fact]
    public async Task AFailedStepThatBuildKitReportsAfterTheSolveAnswersIsNamedInPimg1003()
    {
        await using var daemon = new FakeBuildKitDaemon(failWith: "process \"/bin/sh -c apt-get install nope\" did not complete successfully: exit code: 100")
        {
            FailedStepAfterSolve = true,
        };

        var error = FailOnBuildKit(daemon);

        Assert.Equal("PIMG1003", error.Code);
        Assert.Contains("failed at Step 2/2 : RUN apt-get install nope", error.Message);
    }

    [Fact]
    public async Task ABuildThatBuildKitCancelsItselfIsPimg1014NotABug()
    {
        await using var daemon = new FakeBuildKitDaemon(failWith: FakeBuildKitDaemon.Cancel);

        var error = FailOnBuildKit(daemon);

        Assert.Equal("PIMG1014", error.Code);
        Assert.Contains("it cancelled the build itself", error.Message);
    }

    private const string Requirements = "FROM registry.test/base:1\nRUN apt-get install -y jq\n";

    // A pushing build of a requirements base on the buildkitd, which must fail with one error.
    private BuildErrorEventArgs FailOnBuildKit(FakeBuildKitDaemon daemon)
    {
        Assert.False(NewBuild(WritePlan(Requirements), daemon).Execute());
        return Assert.Single(_log.Errors);
    }

    // As buildkitd's image exporter pushes: an image under the name it exports to, in the registry.
    private string StoreInRegistry(string name) =>
        InMemoryRegistry.Digest(_registry.AddEmptyImage(name["registry.test/".Length..name.IndexOf(':', StringComparison.Ordinal)], name[(name.IndexOf(':', StringComparison.Ordinal) + 1)..]));

    private BuildPipelineImage NewBuild(string plan, FakeBuildKitDaemon daemon) => new()
    {
        BuildEngine = _log, EngineFactory = NoEngine, RegistryHandler = _registry, PlanPath = plan, ImageRecordPath = Path.Combine(_root, "image.json"),
        BuildKitHost = daemon.Address, BuildKitCertPath = daemon.Address.StartsWith("tcp:", StringComparison.Ordinal) ? daemon.CertPath : "",
    };

    private string Errors() => string.Join("\n", _log.Errors.Select(e => e.Message));

    private static IContainerEngine NoEngine(EngineConnection connection) => throw new InvalidOperationException("no engine may be asked");

    private static FakeContainerEngine Unavailable() =>
        new() { Fail = ("connect", new EngineUnavailableException("unix:///fake.sock", "DOCKER_HOST", "connection refused")) };

    private PushPipelineImage NewPush() => new()
    {
        BuildEngine = _log, EngineFactory = NoEngine, RegistryHandler = _registry, ImageRecordPath = Path.Combine(_root, "image.json"),
        RetryDelays = [],
    };

    private string WritePlan(string? requirements = null, bool push = true, string? needsEngine = null)
    {
        const string dockerfileText = "FROM registry.test/base:1\n";
        var dockerfile = Path.Combine(_root, "Dockerfile");
        File.WriteAllText(dockerfile, dockerfileText);
        var plan = new BuildPlan("registry.test/app", [new("registry.test/app", "1.0.0"), new("registry.test/app", "latest")], "registry.test/base:1",
            dockerfileText, [ContextEntry.FromContent(ImagePlanner.DockerfilePath, Encoding.UTF8.GetBytes(dockerfileText))],
            PipelineImage.Requirements.RequirementPlan.Empty)
        {
            Assembly = new(1, needsEngine, [], new()) { Requirements = requirements is null ? null : new PlannedRequirementsBase(requirements, null, []) },
        };
        var file = PlanFile.Create(plan, null, dockerfile, null, new PlannedOptions("", "", "missing", false, Push: push),
            FileHashCache.Load(Path.Combine(_root, "hashes.tsv")).Hash);
        var path = Path.Combine(_root, "plan.json");
        File.WriteAllText(path, file.ToJson());
        return path;
    }
}
