using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Docker.DotNet;
using PipelineImage.Engine;
using PipelineImage.Tasks;

namespace PipelineImage.Tests.Tasks;

/// <summary>
/// BuildPipelineImage and PushPipelineImage against a fake engine: each failure the engine client can throw, at each
/// call, ends in one coded error and a failed task, never an exception out of Execute (MSBuild's MSB4018).
/// </summary>
public sealed class EngineTaskTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pimg-enginetask-").FullName;
    private readonly FakeBuildEngine _log = new();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    public static TheoryData<string, string> Failures()
    {
        var data = new TheoryData<string, string>();
        foreach (var operation in new[] { "connect", "exists", "build", "push" })
        {
            foreach (var failure in FailureKinds.Keys)
            {
                data.Add(operation, failure);
            }
        }

        return data;
    }

    private static readonly Dictionary<string, Func<Exception>> FailureKinds = new()
    {
        ["refused"] = () => new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused)),
        ["aggregate"] = () => new AggregateException(new SocketException((int)SocketError.ConnectionRefused)),
        ["reset"] = () => new IOException("Unable to read data", new SocketException((int)SocketError.ConnectionReset)),
        ["timeout"] = () => new TimeoutException("The operation has timed out."),
        ["api"] = () => new DockerApiException(HttpStatusCode.InternalServerError, """{"message":"engine is shutting down"}"""),
        ["json"] = () => new JsonException("'<' is an invalid start of a value."),
        ["typed"] = () => new EngineRequestFailedException("build", "500 InternalServerError: boom"),
        ["bug"] = () => new InvalidOperationException("Sequence contains no elements"),
        ["null"] = () => new NullReferenceException(),
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void BuildFailsWithOneCodedErrorWhateverTheEngineThrows(string operation, string failure)
    {
        var engine = new FakeContainerEngine { Fail = (operation, FailureKinds[failure]()) };
        var task = NewBuild(engine);
        task.Pull = "never"; // so that the base image is looked up: an "exists" call

        var succeeded = task.Execute();

        if (operation == "push")
        {
            return; // the build never pushes
        }

        Assert.False(succeeded);
        var error = Assert.Single(_log.Errors);
        Assert.Matches("^PIMG[0-9]{4}$", error.Code);
        Assert.False(File.Exists(task.ImageRecordPath));
        Assert.True(engine.Disposed);
    }

    [Theory]
    [MemberData(nameof(Failures))]
    public void PushFailsWithOneCodedErrorWhateverTheEngineThrows(string operation, string failure)
    {
        var engine = new FakeContainerEngine { Fail = (operation, FailureKinds[failure]()) };
        engine.Images.Add(engine.ImageId);
        var record = WriteManifest(engine.ImageId);
        var task = NewPush(engine, record);

        var succeeded = task.Execute();

        if (operation == "build")
        {
            Assert.True(succeeded); // a push never builds
            return;
        }

        Assert.False(succeeded);
        var error = Assert.Single(_log.Errors);
        Assert.Matches("^PIMG[0-9]{4}$", error.Code);
        Assert.DoesNotContain("pushed", File.ReadAllText(record));
    }

    [Fact]
    public void AnUnexpectedFailureIsPimg4004NamingTheTaskWithTheStackAtLowImportance()
    {
        var engine = new FakeContainerEngine { Fail = ("build", new InvalidOperationException("Sequence contains no elements")) };

        Assert.False(NewBuild(engine).Execute());

        var error = Assert.Single(_log.Errors);
        Assert.Equal("PIMG4004", error.Code);
        Assert.StartsWith("BuildPipelineImage failed unexpectedly: System.InvalidOperationException: Sequence contains no elements.", error.Message);
        Assert.Contains(_log.Messages, m => m.Importance == Microsoft.Build.Framework.MessageImportance.Low && m.Message!.Contains("at PipelineImage."));
    }

    [Fact]
    public void BuildTagsThroughTheEngineAndWritesImageJson()
    {
        var engine = new FakeContainerEngine();
        var task = NewBuild(engine);

        Assert.True(task.Execute(), string.Join("\n", _log.Errors.Select(e => e.Message)));

        var build = Assert.Single(engine.Builds);
        Assert.Equal(["hello:1.0.0", "hello:latest"], build.References);
        Assert.Equal(engine.ImageId, task.ImageId);
        Assert.Contains($"\"imageId\": \"{engine.ImageId}\"", File.ReadAllText(task.ImageRecordPath));
    }

    [Fact]
    public void PushPushesEveryTagOfImageJsonAndRecordsTheDigests()
    {
        var engine = new FakeContainerEngine();
        engine.Images.Add(engine.ImageId);
        var record = WriteManifest(engine.ImageId);

        Assert.True(NewPush(engine, record).Execute(), string.Join("\n", _log.Errors.Select(e => e.Message)));

        Assert.Equal(["hello:1.0.0", "hello:latest"], engine.Pushes.Select(reference => reference.ToString()));
        Assert.Contains("\"pushed\"", File.ReadAllText(record));
    }

    private BuildPipelineImage NewBuild(FakeContainerEngine engine)
    {
        var dockerfile = Path.Combine(_root, "Dockerfile");
        File.WriteAllText(dockerfile, "FROM scratch\n");
        var item = new Microsoft.Build.Utilities.TaskItem(dockerfile);
        item.SetMetadata("ContextPath", ".pipelineimage/Dockerfile");
        item.SetMetadata("Kind", "File");
        return new BuildPipelineImage
        {
            BuildEngine = _log,
            EngineFactory = _ => engine,
            ContextFiles = [item],
            ImageName = "hello",
            ImageReferences = ["hello:1.0.0", "hello:latest"],
            BaseImage = "mcr.microsoft.com/dotnet/runtime:10.0",
            ImageRecordPath = Path.Combine(_root, "image.json"),
        };
    }

    private PushPipelineImage NewPush(FakeContainerEngine engine, string record) => new()
    {
        BuildEngine = _log,
        EngineFactory = _ => engine,
        ImageRecordPath = record,
    };

    private string WriteManifest(string imageId)
    {
        var path = Path.Combine(_root, "image.json");
        File.WriteAllText(path, $$"""{"name": "hello", "tags": ["1.0.0", "latest"], "imageId": "{{imageId}}"}""");
        return path;
    }
}
