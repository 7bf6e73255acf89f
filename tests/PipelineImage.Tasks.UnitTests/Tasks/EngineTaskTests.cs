using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Build.Framework;
using PipelineImage.Building;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Tasks;
using PipelineImage.Tests.Engine;
using PipelineImage.Transport;

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

    private const string BaseImage = "mcr.microsoft.com/dotnet/runtime:10.0";
    private static readonly string BaseId = "sha256:" + new string('b', 64);

    public static TheoryData<string, string> Failures()
    {
        var data = new TheoryData<string, string>();
        foreach (var operation in new[] { "connect", "inspect", "find", "tag", "build", "push" })
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
        ["api"] = () => new EngineApiStatusException(500, "InternalServerError", "engine is shutting down"),
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
        engine.Add(BaseId, null, BaseImage);
        var task = NewBuild(engine);
        if (operation is "find" or "tag")
        {
            // An image of the plan's content key with no tags left: found by its label, then tagged again.
            engine.Add("sha256:" + new string('c', 64), KeyLabel(task));
        }

        var succeeded = task.Execute();

        if (operation == "push")
        {
            Assert.True(succeeded); // the build never pushes
            return;
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
        var record = WriteManifest(engine.Add(ImageId));
        var task = NewPush(engine, record);

        var succeeded = task.Execute();

        if (operation is "build" or "find" or "tag")
        {
            Assert.True(succeeded); // a push never builds, looks for keys or tags
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
        engine.Add(BaseId, null, BaseImage);

        Assert.False(NewBuild(engine).Execute());

        var error = Assert.Single(_log.Errors);
        Assert.Equal("PIMG4004", error.Code);
        Assert.StartsWith("BuildPipelineImage failed unexpectedly: System.InvalidOperationException: Sequence contains no elements.", error.Message);
        Assert.Contains(_log.Messages, m => m.Importance == Microsoft.Build.Framework.MessageImportance.Low && m.Message!.Contains("at PipelineImage."));
    }

    [Fact]
    public void AnEngineThatGoesAwayMidBuildIsPimg1019NamingTheStepAndTheAddress()
    {
        var engine = new FakeContainerEngine { LostInBuild = true };
        engine.Add(BaseId, null, BaseImage);
        var task = NewBuild(engine);

        Assert.False(task.Execute());

        var error = Assert.Single(_log.Errors);
        Assert.Equal("PIMG1019", error.Code);
        Assert.StartsWith("The engine at unix:///fake.sock went away during the build, in Step 2/2 : RUN apt-get install -y ffmpeg: it no longer answers "
            + "(connection refused: nothing listens at that address", error.Message);
        Assert.Contains("the build ended with: Unable to read data from the transport connection: Connection reset by peer.", error.Message);
        Assert.False(File.Exists(task.ImageRecordPath));

        // The next build on that engine removes what the engine made in the lost build's time, and forgets it.
        var lost = Path.Combine(Path.GetDirectoryName(task.ImageRecordPath)!, LostBuild.FileName);
        Assert.True(File.Exists(lost));
        var back = new FakeContainerEngine();
        back.Add(BaseId, null, BaseImage);
        Assert.True(NewBuild(back).Execute(), Errors());
        var (from, to) = Assert.Single(back.LeftoverRemovals);
        Assert.InRange(to - from, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1));
        Assert.Contains(_log.Messages, m => m.Message!.Contains("went away during this project's build at ") && m.Message.EndsWith("removed what that build left on it, container 0123456789ab"));
        Assert.False(File.Exists(lost));
    }

    [Fact]
    public void BuildTagsThroughTheEngineLabelsTheContentKeyAndWritesImageJson()
    {
        var engine = new FakeContainerEngine();
        engine.Add(BaseId, null, BaseImage);
        var task = NewBuild(engine);

        Assert.True(task.Execute(), Errors());

        var build = Assert.Single(engine.Builds);
        Assert.Equal(["hello:1.0.0", "hello:latest"], build.References.Select(reference => reference.ToString()));
        Assert.Equal(KeyLabel(task), build.Labels);
        Assert.Equal(engine.References["hello:latest"], task.ImageId);
        Assert.Equal(["hello:1.0.0", "hello:latest"], task.ImageReferences.Select(item => item.ItemSpec));
        Assert.Equal(task.ImageId, task.ImageReferences[1].GetMetadata("ImageId"));
        Assert.Contains($"\"imageId\": \"{task.ImageId}\"", File.ReadAllText(task.ImageRecordPath));
    }

    [Fact]
    public void TheClassicBuilderBuildsItsOwnDockerfileAndAnotherBuilderIsAnotherContentKey()
    {
        var engine = new FakeContainerEngine();
        engine.Add(BaseId, null, BaseImage);

        var classic = NewBuild(engine, classicDockerfile: true);
        Assert.True(classic.Execute(), Errors());
        var buildKit = NewBuild(engine, new PlannedOptions("", "", "missing", false, "buildkit"), classicDockerfile: true);
        Assert.True(buildKit.Execute(), Errors());

        Assert.Equal([".pipelineimage/Dockerfile.classic", ".pipelineimage/Dockerfile"], engine.Builds.Select(build => build.DockerfilePath));
        Assert.Equal([ImageBuilder.Classic, ImageBuilder.BuildKit], engine.Builds.Select(build => build.Options.Builder));
        Assert.NotEqual(engine.Builds[0].Labels![ContentKey.Label], engine.Builds[1].Labels![ContentKey.Label]);
        Assert.Contains(_log.Messages, m => m.Message == "Builder: classic (the engine does not advertise BuildKit (no Builder-Version: 2); "
            + "PipelineImageBuilder=buildkit asks for it); it builds .pipelineimage/Dockerfile.classic");
    }

    [Fact]
    public void AnUnchangedPlanOnTheSameBaseIsNotBuiltAgain()
    {
        var engine = new FakeContainerEngine();
        engine.Add(BaseId, null, BaseImage);
        var first = NewBuild(engine);
        Assert.True(first.Execute(), Errors());
        var record = File.ReadAllText(first.ImageRecordPath);

        var again = NewBuild(engine);
        Assert.True(again.Execute(), Errors());

        Assert.Single(engine.Builds);
        Assert.Empty(engine.Tagged);
        Assert.Equal(first.ImageId, again.ImageId);
        Assert.Equal(record, File.ReadAllText(again.ImageRecordPath));
        Assert.Contains(_log.Messages, m => m.Importance == Microsoft.Build.Framework.MessageImportance.Normal
            && m.Message!.StartsWith("hello is up to date: the engine has " + first.ImageId, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false, "(Docker 28.5.2, API 1.47, linux/amd64)")]
    [InlineData(true, "(Podman 5.8.6, API 1.41, linux/amd64)")]
    public void TheLogNamesTheEnginesProductAndVersion(bool podman, string expected)
    {
        var engine = new FakeContainerEngine
        {
            Info = podman ? new("unix:///podman.sock", "5.8.6", "1.41", "linux/amd64", IsPodman: true) : new("unix:///docker.sock", "28.5.2", "1.47", "linux/amd64"),
        };
        engine.Add(BaseId, null, BaseImage);

        Assert.True(NewBuild(engine).Execute(), Errors());

        Assert.Contains(_log.Messages, m => m.Message!.StartsWith("Building hello with the engine at ", StringComparison.Ordinal) && m.Message.EndsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void ATagRemovedByHandIsPutBackWithoutABuild()
    {
        var engine = new FakeContainerEngine();
        engine.Add(BaseId, null, BaseImage);
        Assert.True(NewBuild(engine).Execute(), Errors());
        engine.References.Remove("hello:1.0.0");
        engine.References.Remove("hello:latest");

        var again = NewBuild(engine);
        Assert.True(again.Execute(), Errors());

        Assert.Single(engine.Builds);
        Assert.Equal(["hello:1.0.0", "hello:latest"], engine.Tagged.Select(reference => reference.ToString()));
        Assert.Equal(again.ImageId, engine.References["hello:1.0.0"]);
    }

    [Theory]
    [InlineData("base")]
    [InlineData("inputs")]
    [InlineData("noCache")]
    [InlineData("pullAlways")]
    public void AChangedInputANewBaseImageOrAnOptionThatAsksForItBuildsAgain(string change)
    {
        var engine = new FakeContainerEngine();
        engine.Add(BaseId, null, BaseImage);
        Assert.True(NewBuild(engine).Execute(), Errors());
        var options = new PlannedOptions("", "", change == "pullAlways" ? "always" : "missing", change == "noCache");
        if (change == "base")
        {
            engine.Add("sha256:" + new string('e', 64), null, BaseImage);
        }

        Assert.True(NewBuild(engine, options, inputsKey: change == "inputs" ? "sha256:changed" : null).Execute(), Errors());

        Assert.Equal(2, engine.Builds.Count);
    }

    [Fact]
    public void PullNeverWithoutTheBaseImageIsPimg1006()
    {
        var task = NewBuild(new FakeContainerEngine(), new PlannedOptions("", "", "never", false));

        Assert.False(task.Execute());

        Assert.Equal("PIMG1006", Assert.Single(_log.Errors).Code);
    }

    [Fact]
    public void TheParentIsBuiltFirstWithItsArgumentsOnlyWhenItsTagIsMissing()
    {
        var engine = new FakeContainerEngine();
        var parent = new PlannedParent(new("hello-parent", "0123456789abcdef"), "Dockerfile",
            new Dictionary<string, string> { ["A"] = "2" }, [new PlannedEntry("Dockerfile", "file", "0644", WriteFile("Parent.Dockerfile"), "00")]);

        Assert.True(NewBuild(engine, parent: parent).Execute(), Errors());
        Assert.True(NewBuild(engine, parent: parent).Execute(), Errors());

        Assert.Equal(["hello-parent:0123456789abcdef", "hello:1.0.0"], engine.Builds.Select(build => build.References[0].ToString()));
        Assert.Equal("2", engine.Builds[0].Options.BuildArgs!["A"]);
    }

    [Fact]
    public void AMissingPlanIsPimg4006AndNoEngineIsAsked()
    {
        var engine = new FakeContainerEngine();
        var task = NewBuild(engine);
        File.Delete(task.PlanPath);

        Assert.False(task.Execute());

        Assert.Equal("PIMG4006", Assert.Single(_log.Errors).Code);
        Assert.False(engine.Disposed);
    }

    [Fact]
    public void PushPushesEveryTagOfImageJsonAndRecordsTheDigests()
    {
        var engine = new FakeContainerEngine();
        var record = WriteManifest(engine.Add(ImageId));

        Assert.True(NewPush(engine, record).Execute(), string.Join("\n", _log.Errors.Select(e => e.Message)));

        Assert.Equal(["hello:1.0.0", "hello:latest"], engine.Pushes.Select(reference => reference.ToString()));
        Assert.Contains("\"pushed\"", File.ReadAllText(record));
    }

    private static readonly string ImageId = "sha256:" + new string('a', 64);

    private static PushFailedException Failed(string detail) =>
        new(PipelineImage.Diagnostics.DiagnosticCodes.PushFailed, "hello:1.0.0", "docker.io", detail, "none found");

    [Theory]
    [InlineData("received unexpected HTTP status: 503 Service Unavailable")]
    [InlineData("Put \"http://localhost:5002/v2/hello/blobs/uploads/x\": read: connection reset by peer")]
    [InlineData("received unexpected HTTP status: 502 Bad Gateway")]
    public void APushTheRegistryFailsTransientlyIsTriedAgainAndSucceeds(string detail)
    {
        var engine = new FakeContainerEngine();
        engine.PushFailures.Enqueue(Failed(detail));
        engine.PushFailures.Enqueue(Failed(detail));
        var push = NewPush(engine, WriteManifest(engine.Add(ImageId)));

        Assert.True(push.Execute(), Errors());

        Assert.Equal(["hello:1.0.0", "hello:latest"], engine.Pushes.Select(reference => reference.ToString()));
        Assert.Equal(2, _log.Messages.Count(m => m.Message!.StartsWith("The push of hello:1.0.0 failed (", StringComparison.Ordinal)));
        Assert.Contains(_log.Messages, m => m.Message!.EndsWith("; trying again in 0 s (attempt 3 of 4)", StringComparison.Ordinal));
    }

    [Fact]
    public void APushThatKeepsFailingStopsAfterThreeRetriesAndARefusedOneIsNotRetried()
    {
        var engine = new FakeContainerEngine();
        for (var i = 0; i < 4; i++)
        {
            engine.PushFailures.Enqueue(Failed("received unexpected HTTP status: 503 Service Unavailable"));
        }

        Assert.False((NewPush(engine, WriteManifest(engine.Add(ImageId)))).Execute());
        Assert.Equal("PIMG1011", Assert.Single(_log.Errors).Code);
        Assert.Empty(engine.PushFailures);

        _log.Errors.Clear();
        _log.Messages.Clear();
        engine.PushFailures.Enqueue(new PushFailedException(PipelineImage.Diagnostics.DiagnosticCodes.RegistryUnauthorized, "hello:1.0.0", "docker.io", "unauthorized: authentication required", "none found"));
        Assert.False((NewPush(engine, WriteManifest(ImageId))).Execute());
        Assert.Equal("PIMG1007", Assert.Single(_log.Errors).Code);
        Assert.DoesNotContain(_log.Messages, m => m.Message!.StartsWith("The push of", StringComparison.Ordinal));
    }

    [Fact]
    public void SaveWritesEveryReferenceIntoTheArchiveOnceAndRecordsIt()
    {
        var engine = new FakeContainerEngine();
        var record = WriteManifest(engine.Add(ImageId));
        var archive = Path.Combine(_root, "out", "hello.tar");

        Assert.True(NewSave(engine, record, archive).Execute(), Errors());
        Assert.True(NewSave(engine, record, archive).Execute(), Errors());

        Assert.Equal("archive of\nhello:1.0.0\nhello:latest", File.ReadAllText(archive));
        Assert.Single(engine.Saves);
        Assert.Equal(archive, ImageRecord.Parse(File.ReadAllText(record), record).Archive);
        Assert.Contains(_log.Messages, m => m.Message == $"{archive} holds {ImageId} already");
        Assert.False(File.Exists(archive + ".partial"));
    }

    [Fact]
    public void SaveIntoADirectoryGzipsNameDotTarDotGz()
    {
        var engine = new FakeContainerEngine();
        var record = WriteManifest(engine.Add(ImageId));
        var directory = Directory.CreateDirectory(Path.Combine(_root, "artifacts")).FullName;

        var save = NewSave(engine, record, directory);

        Assert.True(save.Execute(), Errors());
        Assert.Equal(Path.Combine(directory, "hello.tar.gz"), save.ArchiveFile);
        using var gzip = new System.IO.Compression.GZipStream(File.OpenRead(save.ArchiveFile), System.IO.Compression.CompressionMode.Decompress);
        Assert.StartsWith("archive of\nhello:1.0.0", new StreamReader(gzip).ReadToEnd());
    }

    [Fact]
    public void SaveOfAnImageTheEngineLacksIsPimg4007AndAFailingReadIsPimg1004WithNothingLeftBehind()
    {
        var missing = NewSave(new FakeContainerEngine(), WriteManifest(ImageId), Path.Combine(_root, "a.tar"));
        Assert.False(missing.Execute());
        Assert.Equal("PIMG4007", Assert.Single(_log.Errors).Code);

        _log.Errors.Clear();
        var engine = new FakeContainerEngine { Fail = ("save", new EngineRequestFailedException("save hello:1.0.0", "connection reset")) };
        var failing = NewSave(engine, WriteManifest(engine.Add(ImageId)), Path.Combine(_root, "b.tar"));
        Assert.False(failing.Execute());
        Assert.Equal("PIMG1004", Assert.Single(_log.Errors).Code);
        Assert.Empty(Directory.GetFiles(_root, "b.tar*"));
    }

    [Fact]
    public void DescribeWritesTheNuGetOsAndPipPackagesOnceAndRecordsTheBill()
    {
        var engine = new FakeContainerEngine();
        engine.Files["/usr/lib/os-release"] = "ID=debian\n";
        engine.Files["/var/lib/dpkg/status"] = "Package: jq\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.6-2.1\n";
        engine.Files["/opt/venv/lib/python3.11/site-packages/pimg_demo-1.0.0.dist-info/METADATA"] = "Name: pimg-demo\nVersion: 1.0.0\n";
        engine.Files["/opt/venv/lib/python3.11/site-packages/pimg_demo/__init__.py"] = "GREETING = 1";
        var record = WriteManifest(engine.Add(ImageId));
        var assets = Path.Combine(_root, "project.assets.json");
        File.WriteAllText(assets, """{"targets": {"net10.0": {"Newtonsoft.Json/13.0.3": {"type": "package", "runtime": {"lib/net6.0/Newtonsoft.Json.dll": {}}}}}}""");
        var sbom = Path.Combine(_root, "sbom.cdx.json");
        DescribePipelineImage Describe() => new()
        {
            BuildEngine = _log, EngineFactory = _ => engine, ImageRecordPath = record, SbomPath = sbom, ProjectAssetsFile = assets, TargetFramework = "net10.0",
        };

        Assert.True(Describe().Execute(), Errors());
        Assert.Equal(1, engine.Reads); // one container for every file
        var written = File.ReadAllText(sbom);
        engine.Files.Clear();
        Assert.True(Describe().Execute(), Errors());

        Assert.Contains("\"purl\": \"pkg:nuget/Newtonsoft.Json@13.0.3\"", written);
        Assert.Contains("\"purl\": \"pkg:deb/debian/jq@1.6-2.1?arch=amd64\"", written);
        Assert.Contains("\"purl\": \"pkg:pypi/pimg-demo@1.0.0\"", written);
        Assert.Equal(written, File.ReadAllText(sbom));
        Assert.Contains(_log.Messages, m => m.Message == $"Wrote the bill of materials of hello to {sbom}: 1 NuGet, 1 OS and 1 pip package(s)");
        Assert.Contains(_log.Messages, m => m.Message == $"{sbom} describes {ImageId} already");
        Assert.Equal(sbom, ImageRecord.Parse(File.ReadAllText(record), record).Sbom);
    }

    [Fact]
    public void AnAssembledImageIsDescribedFromItsLayersWithoutAnEngine()
    {
        var record = Path.Combine(_root, "image.json");
        var assembled = Path.Combine(_root, "assembled");
        File.WriteAllText(record, $$"""{"name": "hello", "tags": ["1.0.0"], "imageId": "{{ImageId}}", "assembled": "{{assembled.Replace("\\", "/")}}", "manifest": "sha256:m"}""");
        var describe = new DescribePipelineImage
        {
            BuildEngine = _log, EngineFactory = _ => throw new InvalidOperationException("no engine may be used"), ImageRecordPath = record,
            SbomPath = Path.Combine(_root, "sbom.cdx.json"), TargetFramework = "net10.0",
        };

        Assert.False(describe.Execute());
        Assert.Equal("PIMG4009", Assert.Single(_log.Errors).Code);
        Assert.False(File.Exists(Path.Combine(_root, "sbom.cdx.json")));
    }

    private SavePipelineImage NewSave(FakeContainerEngine engine, string record, string archive) => new()
    {
        BuildEngine = _log,
        EngineFactory = _ => engine,
        ImageRecordPath = record,
        ArchivePath = archive,
    };

    private string Errors() => string.Join("\n", _log.Errors.Select(e => e.Message));

    private string WriteFile(string name)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllText(path, "FROM scratch\n");
        return path;
    }

    // A plan as GeneratePipelineDockerfile writes it, with a fixed inputs key.
    private BuildPipelineImage NewBuild(
        FakeContainerEngine engine, PlannedOptions? options = null, string? inputsKey = null, PlannedParent? parent = null, bool classicDockerfile = false,
        bool push = false)
    {
        var plan = new PlanFile
        {
            Name = "hello",
            References = [new("hello", "1.0.0"), new("hello", "latest")],
            BaseImage = parent?.Reference.ToString() ?? BaseImage,
            Dockerfile = ".pipelineimage/Dockerfile",
            Options = (options ?? new PlannedOptions("", "", "missing", false)) with { Push = push },
            Parent = parent,
            ClassicDockerfile = classicDockerfile ? ".pipelineimage/Dockerfile.classic" : null,
            Context = [
                new PlannedEntry(".pipelineimage/Dockerfile", "file", "0644", WriteFile("Dockerfile"), "00"),
                .. classicDockerfile ? [new PlannedEntry(".pipelineimage/Dockerfile.classic", "file", "0644", WriteFile("Dockerfile.classic"), "01")] : Array.Empty<PlannedEntry>(),
            ],
            InputsKey = inputsKey ?? "sha256:inputs",
        };
        var planPath = Path.Combine(_root, "plan.json");
        File.WriteAllText(planPath, plan.ToJson());
        return new BuildPipelineImage
        {
            BuildEngine = _log,
            EngineFactory = _ => engine,
            PlanPath = planPath,
            ImageRecordPath = Path.Combine(_root, "image.json"),
        };
    }

    private static Dictionary<string, string> KeyLabel(BuildPipelineImage task)
    {
        var plan = PlanFile.ReadAsync(task.PlanPath, CancellationToken.None).GetAwaiter().GetResult();
        return new() { [ContentKey.Label] = ContentKey.Of(plan.InputsKey, plan.Dockerfile, BaseId) };
    }

    private PushPipelineImage NewPush(FakeContainerEngine engine, string record) => new()
    {
        BuildEngine = _log,
        EngineFactory = _ => engine,
        ImageRecordPath = record,
        RetryDelays = [TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero],
    };

    private string WriteManifest(string imageId)
    {
        var path = Path.Combine(_root, "image.json");
        File.WriteAllText(path, $$"""{"name": "hello", "tags": ["1.0.0", "latest"], "imageId": "{{imageId}}"}""");
        return path;
    }
}
