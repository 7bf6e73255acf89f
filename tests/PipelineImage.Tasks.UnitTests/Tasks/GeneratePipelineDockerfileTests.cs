using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using PipelineImage.Tasks;

namespace PipelineImage.Tests.Tasks;

public sealed class GeneratePipelineDockerfileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pimg-task-").FullName;
    private readonly FakeBuildEngine _engine = new();

    // No registry has the base: it is planned on from its name, as where none is reachable.
    private readonly Registry.InMemoryRegistry _registry = new();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void MapsPublishItemsToTheDockerfileAndTheContext()
    {
        var task = NewTask(Published("HelloPipeline.dll"), Published("Newtonsoft.Json.dll", package: "Newtonsoft.Json"));

        Assert.True(task.Execute(), string.Join("\n", _engine.Errors.Select(e => e.Message)));

        Assert.Equal(Path.Combine(_root, "obj", "Dockerfile"), task.DockerfilePath);
        Assert.Contains("COPY [\".pipelineimage/deps/\", \"/app/\"]", File.ReadAllText(task.DockerfilePath));
        Assert.Equal(
            ".pipelineimage/Dockerfile\t" + new FileInfo(task.DockerfilePath).Length + "\n.pipelineimage/app/HelloPipeline.dll\t17\n.pipelineimage/deps/Newtonsoft.Json.dll\t19\n",
            File.ReadAllText(Path.Combine(_root, "obj", "context.txt")));
        var plan = ReadPlan(task);
        Assert.Equal("hellopipeline", plan.Name);
        Assert.Equal([new("hellopipeline", "2.0.0"), new("hellopipeline", "latest")], plan.References);
        Assert.Equal(
            [(".pipelineimage/Dockerfile", task.DockerfilePath), (".pipelineimage/app/HelloPipeline.dll", Path.Combine(_root, "publish", "HelloPipeline.dll")),
             (".pipelineimage/deps/Newtonsoft.Json.dll", Path.Combine(_root, "publish", "Newtonsoft.Json.dll"))],
            plan.Context.Select(entry => (entry.Path, entry.Source!)));
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(task.DockerfilePath))).ToLowerInvariant(),
            plan.Context[0].Sha256);
    }

    [Fact]
    public void AspNetCoreFrameworkReferenceSelectsTheAspnetBase()
    {
        var task = NewTask(Published("HelloPipeline.dll"));
        task.FrameworkReferences = [new TaskItem("Microsoft.AspNetCore.App")];

        Assert.True(task.Execute());

        Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:10.0\n", File.ReadAllText(task.DockerfilePath));
    }

    [Fact]
    public void InvalidPropertyIsOneCodedErrorAndNoDockerfile()
    {
        var task = NewTask(Published("HelloPipeline.dll"));
        task.ImageName = "Not Valid";

        Assert.False(task.Execute());

        var error = Assert.Single(_engine.Errors);
        Assert.Equal("PIMG2002", error.Code);
        Assert.StartsWith("PipelineImageName 'Not Valid' is not a valid image name", error.Message);
        Assert.False(File.Exists(Path.Combine(_root, "obj", "Dockerfile")));
    }

    [Fact]
    public void TheContextIsWhatThePublishDirectoryHoldsNotTheItemList()
    {
        // A single-file publish: the bundle is in the publish directory, not among the items; the bundled items are
        // not in the directory.
        Published("HelloPipeline");
        var task = NewTask(Published("HelloPipeline.pdb"),
            new TaskItem("/obj/HelloPipeline.dll", new Dictionary<string, string> { ["RelativePath"] = "HelloPipeline.dll" }));
        task.PublishSingleFile = true;
        task.RuntimeIdentifier = "linux-x64";

        Assert.True(task.Execute(), string.Join("\n", _engine.Errors.Select(e => e.Message)));

        Assert.Equal([".pipelineimage/Dockerfile", ".pipelineimage/app/HelloPipeline", ".pipelineimage/app/HelloPipeline.pdb"],
            ReadPlan(task).Context.Select(entry => entry.Path));
        Assert.Contains("ENTRYPOINT [\"/app/HelloPipeline\"]", File.ReadAllText(task.DockerfilePath));
    }

    [Fact]
    public void EveryInvalidSettingOfOnePublishIsItsOwnCodedError()
    {
        var task = NewTask(Published("HelloPipeline.dll"));
        task.ImageName = "Not Valid";
        task.Network = "bad network!";
        task.Pull = "sometimes";
        task.DockerIgnoreFiles = [new TaskItem(Path.Combine(_root, "missing.dockerignore"))];
        task.Ports = [new TaskItem("0")];

        Assert.False(task.Execute());

        Assert.Equal(["PIMG2011", "PIMG2020", "PIMG3002", "PIMG2002", "PIMG2018"], _engine.Errors.Select(e => e.Code));
        Assert.False(File.Exists(Path.Combine(_root, "obj", "Dockerfile")));
    }

    [Fact]
    public void AMissingPublishDirectoryIsPimg4005()
    {
        var task = NewTask();

        Assert.False(task.Execute());

        Assert.Equal("PIMG4005", Assert.Single(_engine.Errors).Code);
    }

    [Fact]
    public void ExtraFilesWithoutADestinationGoWhereTheSdkWouldPutThem()
    {
        var project = Directory.CreateDirectory(Path.Combine(_root, "app")).FullName;
        var task = NewTask(Published("HelloPipeline.dll"));
        task.ProjectDirectory = project;
        task.ContextRoot = "..";
        task.ExtraFiles =
        [
            Extra(Path.Combine(project, "config", "a.yaml")),
            Extra(Path.Combine(_root, "shared", "b.json")),
            Extra(Path.Combine(_root, "shared", "c.json"), link: "settings/c.json"),
        ];

        Assert.True(task.Execute(), string.Join("\n", _engine.Errors.Select(e => e.Message)));

        Assert.Equal(
            [".pipelineimage/files/app/b.json", ".pipelineimage/files/app/config/a.yaml", ".pipelineimage/files/app/settings/c.json"],
            ReadPlan(task).Context.Select(entry => entry.Path).Where(p => p.StartsWith(".pipelineimage/files/", StringComparison.Ordinal)));
    }

    [Fact]
    public void AnExcludedPipelineImageFileAndSettingsWithoutEffectAreCodedWarnings()
    {
        var task = NewTask(Published("HelloPipeline.dll"));
        File.WriteAllText(Path.Combine(_root, ".dockerignore"), "**/*.secret\n");
        task.ExtraFiles = [Extra(Path.Combine(_root, "keys", "a.secret"))];
        task.ParentContext = "..";
        task.ParentBuildArgs = [new TaskItem("A")];

        Assert.True(task.Execute(), string.Join("\n", _engine.Errors.Select(e => e.Message)));

        Assert.Equal(["PIMG2029", "PIMG2029", "PIMG3004"], _engine.Warnings.Select(w => w.Code));
        Assert.Equal("PipelineImageParentContext is set but has no effect: PipelineImageParentDockerfile is not set. Remove it, or set what it goes with.",
            _engine.Warnings[0].Message);
        Assert.StartsWith($"The PipelineImageFile item '{Path.Combine(_root, "keys", "a.secret")}' is not in the image", _engine.Warnings[2].Message);
        Assert.DoesNotContain(ReadPlan(task).Context, entry => entry.Path.EndsWith("a.secret", StringComparison.Ordinal));
    }

    [Fact]
    public void AnIgnoreFileWithNothingToFilterIsAWarningButStillChecked()
    {
        var task = NewTask(Published("HelloPipeline.dll"));
        File.WriteAllText(Path.Combine(_root, "custom.dockerignore"), "obj/\n");
        task.DockerIgnoreFiles = [new TaskItem(Path.Combine(_root, "custom.dockerignore"))];

        Assert.True(task.Execute());

        Assert.Equal("PIMG2029", Assert.Single(_engine.Warnings).Code);
        Assert.StartsWith("DockerIgnoreFile is set but has no effect: no file goes through", _engine.Warnings[0].Message);
    }

    [Fact]
    public void AnAptAuthSecretWithoutAnAptStepIsAWarningAndOneNoItemHasAnError()
    {
        var warned = NewTask(Published("HelloPipeline.dll"));
        warned.AptAuthSecret = "apt-auth";
        warned.Secrets = [new TaskItem("apt-auth", new Dictionary<string, string> { ["Environment"] = "PATH" })];

        Assert.True(warned.Execute(), string.Join("\n", _engine.Errors.Select(e => e.Message)));
        Assert.Equal("PIMG2029", Assert.Single(_engine.Warnings).Code);
        Assert.StartsWith("PipelineImageAptAuthSecret is set but has no effect: no apt step installs OS packages", _engine.Warnings[0].Message);

        var unknown = NewTask(Published("HelloPipeline.dll"));
        unknown.AptAuthSecret = "apt-auth";
        Assert.False(unknown.Execute());
        Assert.Equal("PIMG2033", Assert.Single(_engine.Errors).Code);
        Assert.StartsWith("PipelineImageAptAuthSecret names the secret 'apt-auth', but no PipelineImageSecret item has that id", _engine.Errors[0].Message);
    }

    private static PipelineImage.Intermediate.PlanFile ReadPlan(GeneratePipelineDockerfile task) =>
        PipelineImage.Intermediate.PlanFile.ReadAsync(task.PlanPath, CancellationToken.None).GetAwaiter().GetResult();

    private static TaskItem Extra(string path, string link = "")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "x");
        return new TaskItem(path, link.Length > 0 ? new Dictionary<string, string> { ["Link"] = link } : new Dictionary<string, string>());
    }

    [Fact]
    public void TheBaseAsTheEngineHoldsItIsReadAndAUserItLacksIsAnErrorBeforeAnythingIsWritten()
    {
        var engine = new FakeContainerEngine();
        var layer = ImageStore.SavedArchives.Tar([("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"u8.ToArray()), ("bin/sh", "#!"u8.ToArray()),
            ("usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12/System.Runtime.dll", "x"u8.ToArray())]);
        engine.Add("sha256:" + new string('b', 64), null, "mcr.microsoft.com/dotnet/runtime:10.0");
        engine.Archives["sha256:" + new string('b', 64)] = ImageStore.SavedArchives.DockerArchive(layer);
        var task = NewTask(Published("HelloPipeline.dll"));
        task.EngineFactory = _ => engine;

        Assert.False(task.Execute());

        var error = Assert.Single(_engine.Errors);
        Assert.Equal("PIMG2043", error.Code);
        Assert.Contains("its users: root (0)", error.Message, StringComparison.Ordinal);
        Assert.Contains(_engine.Messages, message => message.Message!.StartsWith("The base image mcr.microsoft.com/dotnet/runtime:10.0: no os-release; shell /bin/sh;", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(_root, "obj", "plan.json")));
    }

    [Theory]
    [InlineData("", "PIMG2050")]
    [InlineData("docker", "PIMG2050")]
    [InlineData("oci", null)]
    [InlineData("tar", "PIMG2041")]
    public void PipelineImageArchiveFormatDecidesWhetherAnArchiveMayHoldTheIndexOfPlatforms(string format, string? code)
    {
        var task = NewTask(Published("HelloPipeline.dll"));
        task.Platforms = "linux/amd64;linux/arm64";
        task.ArchiveOutputPath = "artifacts/";
        task.ArchiveFormat = format;

        Assert.Equal(code is null, task.Execute());

        Assert.Equal(code is null ? [] : [code], _engine.Errors.Select(e => e.Code));
        Assert.Equal(code is null, File.Exists(Path.Combine(_root, "obj", "plan.json")));
    }

    [Fact]
    public void ATagListEscapedOnTheCommandLineIsOneItemAndStillEveryTag()
    {
        // -p:PipelineImageTags=1.4.0%3Bstable reaches the task as one item holding a ';'.
        var task = NewTask(Published("HelloPipeline.dll"));
        task.ImageTags = ["1.4.0;stable"];

        Assert.True(task.Execute(), string.Join("\n", _engine.Errors.Select(e => e.Message)));

        Assert.Equal([new("hellopipeline", "1.4.0"), new("hellopipeline", "stable")], ReadPlan(task).References);
    }

    [UnixFact]
    public void AnOutputDirectoryItMayNotWriteIsPimg4010NamingItNotABug()
    {
        // /sys refuses a new directory even to root (EPERM), as a read-only obj/ refuses a user.
        var task = NewTask(Published("HelloPipeline.dll"));
        task.OutputDirectory = "/sys/pimg-not-writable/pipelineimage";

        Assert.False(task.Execute());

        var error = Assert.Single(_engine.Errors);
        Assert.Equal("PIMG4010", error.Code);
        Assert.Contains("GeneratePipelineDockerfile was refused a file or directory it must read or write", error.Message, StringComparison.Ordinal);
        Assert.Contains("/sys/pimg-not-writable", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("bug", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    private GeneratePipelineDockerfile NewTask(params ITaskItem[] published) => new()
    {
        BuildEngine = _engine,
        EngineFactory = _ => new FakeContainerEngine(),
        RegistryHandler = _registry,
        BaseCacheDirectory = Path.Combine(_root, "bases"),
        AssemblyName = "HelloPipeline",
        ProjectFileName = "HelloPipeline.csproj",
        ProjectDirectory = _root,
        TargetFileName = "HelloPipeline.dll",
        TargetFrameworkIdentifier = ".NETCoreApp",
        TargetFrameworkVersion = "v10.0",
        PublishDirectory = Path.Combine(_root, "publish"),
        PublishedFiles = published,
        OutputDirectory = Path.Combine(_root, "obj"),
        Version = "2.0.0",
    };

    private TaskItem Published(string relativePath, string package = "")
    {
        var path = Path.Combine(_root, "publish", relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, relativePath);
        return new TaskItem(Path.Combine(_root, "obj-source", relativePath), new Dictionary<string, string>
        {
            ["RelativePath"] = relativePath,
            ["NuGetPackageId"] = package,
        });
    }
}
