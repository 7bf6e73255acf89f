using System.Text;
using PipelineImage.Context;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Planning;
using PipelineImage.Tasks;
using PipelineImage.Tests.Registry;

namespace PipelineImage.Tests.Tasks;

/// <summary>
/// The assembler's path through the two tasks a pushing publish runs, BuildPipelineImage then PushPipelineImage, with
/// a registry in memory and no engine: what goes up, what image.json and the task's outputs record, and that a second
/// push uploads nothing.
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
        Assert.DoesNotContain(_registry.Requests, request => request.StartsWith("POST ", StringComparison.Ordinal) || request.StartsWith("PATCH ", StringComparison.Ordinal));
        Assert.Empty(_log.Errors);
    }

    private static IContainerEngine NoEngine(EngineConnection connection) => throw new InvalidOperationException("no engine may be asked");

    private static FakeContainerEngine Unavailable() =>
        new() { Fail = ("connect", new EngineUnavailableException("unix:///fake.sock", "DOCKER_HOST", "connection refused")) };

    private PushPipelineImage NewPush() => new()
    {
        BuildEngine = _log, EngineFactory = NoEngine, RegistryHandler = _registry, ImageRecordPath = Path.Combine(_root, "image.json"),
        RetryDelays = [],
    };

    private string WritePlan()
    {
        const string dockerfileText = "FROM registry.test/base:1\n";
        var dockerfile = Path.Combine(_root, "Dockerfile");
        File.WriteAllText(dockerfile, dockerfileText);
        var plan = new BuildPlan("registry.test/app", [new("registry.test/app", "1.0.0"), new("registry.test/app", "latest")], "registry.test/base:1",
            dockerfileText, [ContextEntry.FromContent(ImagePlanner.DockerfilePath, Encoding.UTF8.GetBytes(dockerfileText))],
            PipelineImage.Requirements.RequirementPlan.Empty)
        {
            Assembly = new(1, null, [], new()),
        };
        var file = PlanFile.Create(plan, null, dockerfile, null, new PlannedOptions("", "", "missing", false, Push: true),
            FileHashCache.Load(Path.Combine(_root, "hashes.tsv")).Hash);
        var path = Path.Combine(_root, "plan.json");
        File.WriteAllText(path, file.ToJson());
        return path;
    }
}
