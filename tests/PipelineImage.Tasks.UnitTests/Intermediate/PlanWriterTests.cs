using PipelineImage.BaseImages;
using PipelineImage.Diagnostics;
using PipelineImage.Intermediate;
using PipelineImage.Planning;

namespace PipelineImage.Tests.Intermediate;

/// <summary>The plan written from a typed request, with no MSBuild: what it writes, and every problem of a publish at once.</summary>
public sealed class PlanWriterTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pimg-planwriter-").FullName;
    private readonly List<string> _lines = [];
    private readonly List<string> _warnings = [];

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task APlanIsWrittenOnceAndAnUnchangedRequestRewritesNothing()
    {
        var first = await Writer(Request()).WriteAsync(CancellationToken.None);

        Assert.Equal((Path.Combine(_root, "obj", "Dockerfile"), Path.Combine(_root, "obj", "plan.json")), (first.DockerfilePath, first.PlanPath));
        Assert.Contains("FROM mcr.microsoft.com/dotnet/runtime:10.0\n", File.ReadAllText(first.DockerfilePath));
        Assert.Contains(_lines, line => line.StartsWith($"Wrote {first.PlanPath}: ", StringComparison.Ordinal));

        _lines.Clear();
        await Writer(Request()).WriteAsync(CancellationToken.None);

        Assert.Contains($"{first.DockerfilePath} is up to date", _lines);
        Assert.Contains(_lines, line => line.StartsWith($"Up to date: {first.PlanPath}: ", StringComparison.Ordinal));
        Assert.Empty(_warnings);
    }

    [Fact]
    public async Task EveryInvalidSettingIsReportedTogetherAndNothingIsWritten()
    {
        var request = Request() with
        {
            Network = "bridge network",
            Builder = "kaniko",
            RequirementSettings = new() { PipNetrcSecret = "netrc" },
        };

        var problems = await Assert.ThrowsAsync<PipelineImageProblemsException>(() => Writer(request).WriteAsync(CancellationToken.None));

        Assert.Equal(3, problems.Problems.Count);
        Assert.Contains(problems.Problems, problem => problem.Message.Contains("PipelineImagePipNetrcSecret", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(_root, "obj")) && Directory.EnumerateFiles(Path.Combine(_root, "obj")).Any());
    }

    [Fact]
    public async Task AnInvalidNameAndAnInvalidRegistryAreBothReported()
    {
        var request = Request() with { Settings = new ImageSettings { Version = "2.0.0", Name = "Bad Name", Registry = "https://registry.example.com" } };

        var problems = await Assert.ThrowsAsync<PipelineImageProblemsException>(() => Writer(request).WriteAsync(CancellationToken.None));

        Assert.Equal([DiagnosticCodes.InvalidImageName, DiagnosticCodes.InvalidRegistry], problems.Problems.Select(problem => problem.ResourceName));
    }

    [Fact]
    public async Task AnInvalidPlatformIsOneErrorThoughTheParentPlanUsesItToo()
    {
        var problem = await Assert.ThrowsAsync<PipelineImageException>(() => Writer(Request() with { Platform = "not/a/plat/form" }).WriteAsync(CancellationToken.None));

        Assert.Equal(DiagnosticCodes.InvalidPlatform, problem.ResourceName);
    }

    [Fact]
    public async Task ASettingWithoutEffectIsAWarningByItsResourceName()
    {
        await Writer(Request() with { ParentContext = "..", SkipBuild = true, Push = true }).WriteAsync(CancellationToken.None);

        Assert.Equal(
            [$"{DiagnosticCodes.SettingWithoutEffect}: PipelineImageParentContext", $"{DiagnosticCodes.SettingWithoutEffect}: PipelineImagePush"],
            _warnings);
        Assert.True(File.Exists(Path.Combine(_root, "obj", "context.tar")));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task ThePlanSaysWhetherTheImageIsPushedOrArchivedAfterTheBuild(bool push, bool archive)
    {
        var written = await Writer(Request() with { Push = push, Archive = archive }).WriteAsync(CancellationToken.None);

        var options = (await PlanFile.ReadAsync(written.PlanPath, CancellationToken.None)).Options;
        Assert.Equal((push, archive), (options.Push, options.Archive));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Docker")]
    public async Task PlatformsIntoADockerArchiveArePimg2050BeforeAnythingIsWritten(string format)
    {
        var request = Request() with { Platforms = "linux/amd64;linux/arm64", Push = true, Archive = true, ArchiveFormat = format };

        var problem = await Assert.ThrowsAsync<PipelineImageException>(() => Writer(request).WriteAsync(CancellationToken.None));

        Assert.Equal(DiagnosticCodes.PlatformsUnsupported, problem.ResourceName);
        Assert.Contains("a docker-archive (PipelineImageArchiveFormat=docker, the default) holds one image: set PipelineImageArchiveFormat=oci", problem.Message,
            StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root, "obj", "plan.json")));
    }

    [Fact]
    public async Task PlatformsIntoAnOciArchiveArePlannedWithoutAPush()
    {
        var request = Request() with { Platforms = "linux/amd64;linux/arm64", Archive = true, ArchiveFormat = "OCI" };

        var written = await Writer(request).WriteAsync(CancellationToken.None);

        var options = (await PlanFile.ReadAsync(written.PlanPath, CancellationToken.None)).Options;
        Assert.Equal((false, true), (options.Push, options.Archive));
        Assert.Equal(["linux/amd64", "linux/arm64"], options.Platforms!);
    }

    [Fact]
    public async Task EachPlatformPublishedForItsRuntimeIdentifierHasItsOwnContextAndLayersAndItsChangeChangesTheInputsKey()
    {
        var request = PerPlatform(Request(), ("linux/amd64", "linux-x64", "x64 code"), ("linux/arm64", "linux-arm64", "arm64 code"));

        var written = await Writer(request).WriteAsync(CancellationToken.None);

        var plan = await PlanFile.ReadAsync(written.PlanPath, CancellationToken.None);
        var options = plan.Options.ForEachPlatform();
        var (amd64, arm64) = (plan.ForPlatform(options[0]), plan.ForPlatform(options[1]));
        Assert.Equal(["linux/arm64"], plan.PlatformApps!.Keys);
        Assert.EndsWith(Path.Combine("linux-x64", "HelloPipeline"), Source(amd64, ".pipelineimage/app/HelloPipeline"), StringComparison.Ordinal);
        Assert.EndsWith(Path.Combine("linux-arm64", "HelloPipeline"), Source(arm64, ".pipelineimage/app/HelloPipeline"), StringComparison.Ordinal);
        Assert.Equal(("linux/amd64", "linux/arm64"), (amd64.Options.Platform, arm64.Options.Platform));
        Assert.NotEqual(amd64.InputsKey, arm64.InputsKey);
        Assert.Null(arm64.PlatformApps);
        Assert.Equal(amd64.Assembly!.Layers.Select(layer => layer.Entries.Count), arm64.Assembly!.Layers.Select(layer => layer.Entries.Count));
        // The Dockerfiles are the same (the same layers), so no platform has its own.
        Assert.Equal(written.DockerfilePath, Source(arm64, ImagePlanner.DockerfilePath));
        Assert.False(File.Exists(Path.Combine(_root, "obj", "Dockerfile.linux-arm64")));

        // A change in the arm64 publish alone changes the index's inputs key.
        File.WriteAllText(Path.Combine(_root, "linux-arm64", "HelloPipeline"), "arm64 code, changed");
        var changed = await PlanFile.ReadAsync((await Writer(PerPlatform(Request(), ("linux/amd64", "linux-x64", "x64 code"),
            ("linux/arm64", "linux-arm64", "arm64 code, changed"))).WriteAsync(CancellationToken.None)).PlanPath, CancellationToken.None);
        Assert.NotEqual(plan.InputsKey, changed.InputsKey);
        Assert.Equal(plan.ForPlatform(options[0]).Context, changed.ForPlatform(options[0]).Context);
    }

    [Fact]
    public async Task APlatformWhoseOwnPublishHasOtherLayersGetsItsOwnDockerfile()
    {
        var request = PerPlatform(Request(), ("linux/amd64", "linux-x64", "x64 code"), ("linux/arm64", "linux-arm64", "arm64 code"));
        var arm64 = request.PlatformApps["linux/arm64"];
        var dependency = Path.Combine(_root, "linux-arm64", "libnative.so");
        File.WriteAllText(dependency, "a package's native library");
        request = request with
        {
            PlatformApps = new Dictionary<string, PublishedApp>(request.PlatformApps)
            {
                ["linux/arm64"] = arm64 with { Files = [.. arm64.Files, new PublishedFile(dependency, "libnative.so", IsDependency: true)] },
            },
        };

        var written = await Writer(request).WriteAsync(CancellationToken.None);

        var plan = await PlanFile.ReadAsync(written.PlanPath, CancellationToken.None);
        var own = Path.Combine(_root, "obj", "Dockerfile.linux-arm64");
        Assert.Equal(own, Source(plan.ForPlatform(plan.Options.ForEachPlatform()[1]), ImagePlanner.DockerfilePath));
        Assert.Contains(".pipelineimage/deps/", File.ReadAllText(own), StringComparison.Ordinal);
        Assert.DoesNotContain(".pipelineimage/deps/", File.ReadAllText(written.DockerfilePath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInvalidBaseWithAVerificationKeyIsReportedOnceAndNotVerified()
    {
        var verified = new List<string>();
        var request = Request() with { Settings = Request().Settings with { BaseImage = "Not A Reference" } };

        var problem = await Assert.ThrowsAsync<PipelineImageException>(() => new PlanWriter(request,
            new PlanLog(_lines.Add, _lines.Add, _lines.Add, (_, _) => { }), verifyBase: (image, _) => { verified.Add(image); return Task.CompletedTask; })
            .WriteAsync(CancellationToken.None));

        Assert.Contains("Not A Reference", problem.Message, StringComparison.Ordinal);
        Assert.Empty(verified);
    }

    [Fact]
    public async Task PlatformsPublishedForSomeRuntimeIdentifiersOnlyArePimg2050NamingTheOneMissing()
    {
        var request = PerPlatform(Request(), ("linux/amd64", "linux-x64", "x64 code"));

        var problem = await Assert.ThrowsAsync<PipelineImageException>(() => Writer(request).WriteAsync(CancellationToken.None));

        Assert.Equal(DiagnosticCodes.PlatformsUnsupported, problem.ResourceName);
        Assert.Contains("published for linux/amd64 and not for linux/arm64", problem.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root, "obj", "plan.json")));
    }

    [Fact]
    public async Task PlatformsIntoAnOciArchiveWithRunStepsAndNoPushNeedARegistryForTheirRequirementsBases()
    {
        var request = Request() with
        {
            Platforms = "linux/amd64;linux/arm64",
            Archive = true,
            ArchiveFormat = "oci",
            Requirements = [new() { Include = "curl", ProjectFile = Path.Combine(_root, "HelloPipeline.csproj") }],
        };

        var problem = await Assert.ThrowsAsync<PipelineImageException>(() => Writer(request).WriteAsync(CancellationToken.None));

        Assert.Equal(DiagnosticCodes.PlatformsUnsupported, problem.ResourceName);
        Assert.Contains("'hellopipeline' names none: set PipelineImageRegistry", problem.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root, "obj", "plan.json")));

        var written = await Writer(request with { Settings = request.Settings with { Registry = "registry.example.com" } }).WriteAsync(CancellationToken.None);

        var plan = await PlanFile.ReadAsync(written.PlanPath, CancellationToken.None);
        Assert.NotNull(plan.Assembly!.Requirements);
        Assert.Equal(("registry.example.com/hellopipeline", false, true), (plan.Name, plan.Options.Push, plan.Options.Archive));
    }

    [Fact]
    public async Task AnArchiveFormatThatIsNoneIsPimg2041WhereverTheArchiveGoes()
    {
        var problem = await Assert.ThrowsAsync<PipelineImageException>(() =>
            Writer(Request() with { Platforms = "linux/amd64;linux/arm64", Push = true, ArchiveFormat = "zip" }).WriteAsync(CancellationToken.None));

        Assert.Equal(DiagnosticCodes.InvalidArchiveFormat, problem.ResourceName);
    }

    [Fact]
    public async Task TheRetiredAssemblerSettingIsAWarningAndThePlanIsAutos()
    {
        var written = await Writer(Request() with { Builder = "Assembler" }).WriteAsync(CancellationToken.None);

        Assert.Equal([$"{DiagnosticCodes.AssemblerSettingRetired}: Assembler"], _warnings);
        Assert.Equal("auto", (await PlanFile.ReadAsync(written.PlanPath, CancellationToken.None)).Options.Builder);
    }

    [Fact]
    public async Task ABaseOfAnUnknownNameIsPlannedOnWithThePackageManagerItsOsReleaseNames()
    {
        var request = Request() with
        {
            Settings = new ImageSettings { Version = "2.0.0", BaseImage = "registry.example.com/platform/dotnet:10" },
            Requirements = [new() { Include = "curl", ProjectFile = Path.Combine(_root, "HelloPipeline.csproj") }],
        };
        var asked = new List<string>();

        var written = await Writer(request, (image, _, _) =>
        {
            asked.Add(image);
            return Task.FromResult<BaseFacts?>(Facts("ID=alpine\nPRETTY_NAME=\"Alpine Linux v3.22\"\n"));
        }).WriteAsync(CancellationToken.None);

        Assert.Equal(["registry.example.com/platform/dotnet:10"], asked);
        Assert.Contains("apk add", File.ReadAllText(written.DockerfilePath), StringComparison.Ordinal);
        Assert.Contains(_lines, line => line.StartsWith("The base image registry.example.com/platform/dotnet:10: Alpine Linux v3.22; shell /bin/sh;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ScratchRefusesTheDefaultUserAndAFrameworkDependentAppTogetherAndNothingIsWritten()
    {
        var request = Request() with { Settings = new ImageSettings { Version = "2.0.0", BaseImage = "scratch" } };

        var problems = await Assert.ThrowsAsync<PipelineImageProblemsException>(() => Writer(request, (_, _, _) => throw new InvalidOperationException("scratch is not read"))
            .WriteAsync(CancellationToken.None));

        Assert.Equal([DiagnosticCodes.BaseImageUserUnknown, DiagnosticCodes.BaseImageWithoutRuntime], problems.Problems.Select(problem => problem.ResourceName));
        Assert.Contains("PipelineImageUser (empty: the default, app) is 'app'", problems.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("it has no /etc/passwd", problems.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("needs Microsoft.NETCore.App 10.0", problems.Problems[1].Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root, "obj", "plan.json")));
    }

    [Theory]
    [InlineData("alice", DiagnosticCodes.BaseImageUserUnknown)]
    [InlineData("app:staff", DiagnosticCodes.BaseImageUserUnknown)]
    [InlineData("1000:1000", null)]
    [InlineData("app", null)]
    public async Task AUserNameTheBaseDoesNotKnowIsRefusedAndANumericIdNeedsNoEntry(string user, string? code)
    {
        var request = Request() with { Settings = new ImageSettings { Version = "2.0.0", User = user } };
        var writer = Writer(request, (_, _, _) => Task.FromResult<BaseFacts?>(Facts("ID=debian\n")));

        if (code is null)
        {
            await writer.WriteAsync(CancellationToken.None);
            return;
        }

        var problem = await Assert.ThrowsAsync<PipelineImageException>(() => writer.WriteAsync(CancellationToken.None));
        Assert.Equal(code, problem.ResourceName);
        Assert.Contains($"PipelineImageUser is '{user}'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("its users: root (0), app (1654)", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", null, false)]
    [InlineData("Major", null, true)]
    [InlineData("", "LatestMajor", true)]
    [InlineData("Major", "Minor", false)]
    public async Task AnAppForAnEarlierMajorRunsOnALaterRuntimeOnlyWhenItRollsForwardToIt(string rollForward, string? variable, bool accepted)
    {
        var request = Request() with
        {
            App = Request().App with { TargetFrameworkVersion = "v8.0", RollForward = rollForward },
            Settings = new ImageSettings
            {
                Version = "2.0.0", BaseImage = "mcr.microsoft.com/dotnet/runtime:10.0",
                EnvironmentVariables = variable is null ? [] : [KeyValuePair.Create("DOTNET_ROLL_FORWARD", variable)],
            },
        };
        var writer = Writer(request, (_, _, _) => Task.FromResult<BaseFacts?>(Facts("ID=debian\n")));

        if (accepted)
        {
            await writer.WriteAsync(CancellationToken.None);
            return;
        }

        var problem = await Assert.ThrowsAsync<PipelineImageException>(() => writer.WriteAsync(CancellationToken.None));
        Assert.Equal(DiagnosticCodes.BaseImageWithoutRuntime, problem.ResourceName);
        Assert.Contains("needs Microsoft.NETCore.App 8.0", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunStepsOnABaseWithoutAShellAreRefusedAndSoIsAnAspNetCoreAppOnTheRuntimeAlone()
    {
        var noShell = Facts("ID=ubuntu\n") with { Shell = null };
        var request = Request() with
        {
            App = Request().App with { UsesAspNetCore = true },
            Requirements = [new() { Include = "curl", ProjectFile = Path.Combine(_root, "HelloPipeline.csproj") }],
            RequirementSettings = new() { OsPackageManager = "apt" },
        };

        var problems = await Assert.ThrowsAsync<PipelineImageProblemsException>(() => Writer(request, (_, _, _) => Task.FromResult<BaseFacts?>(noShell))
            .WriteAsync(CancellationToken.None));

        Assert.Equal([DiagnosticCodes.BaseImageWithoutShell, DiagnosticCodes.BaseImageWithoutRuntime], problems.Problems.Select(problem => problem.ResourceName));
        Assert.Contains("needs Microsoft.AspNetCore.App 10.0", problems.Problems[1].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "1654", null, "is not in the base image")]
    [InlineData(true, "app", null, null)]
    [InlineData(true, "app", "1654:1654 755", null)]
    [InlineData(true, "app", "0:0 777", null)]
    [InlineData(true, "app", "0:1654 775", null)]
    [InlineData(true, "app", "0:0 755", "is not writable by app (owner and mode 0:0 755) in the base image")]
    [InlineData(true, "root", "0:0 700", null)]
    [InlineData(false, "app", null, "is not in the base image")]
    public async Task ABundleThatExtractsItselfExtractsToTmpWhenItsUsersHomeIsMissingOrNotItsToWrite(bool homeExists, string user, string? home, string? problem)
    {
        var facts = Facts("ID=debian\n");
        facts = facts with
        {
            Paths = homeExists ? ["/home/app", "/root", "/tmp"] : ["/tmp"],
            Directories = home is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["/home/app"] = home, ["/root"] = home },
        };
        var expected = problem is not null;
        Directory.CreateDirectory(Path.Combine(_root, "publish"));
        File.WriteAllText(Path.Combine(_root, "publish", "HelloPipeline"), "bundle");
        var request = Request() with
        {
            App = Request().App with { SingleFile = true, SelfExtracts = true, SelfContained = true, RuntimeIdentifier = "linux-x64" },
            Settings = new ImageSettings { Version = "2.0.0", User = user == "app" ? "" : user },
        };

        var written = await Writer(request, (_, _, _) => Task.FromResult<BaseFacts?>(facts)).WriteAsync(CancellationToken.None);

        var dockerfile = File.ReadAllText(written.DockerfilePath);
        Assert.Equal(expected, dockerfile.Contains("DOTNET_BUNDLE_EXTRACT_BASE_DIR=\"/tmp/.net\"", StringComparison.Ordinal));
        Assert.Equal(expected, _lines.Any(line => line.StartsWith("The app's bundle extracts itself when it starts, and its user's home (", StringComparison.Ordinal)
            && line.Contains($") {problem} mcr.microsoft.com/dotnet/runtime-deps:10.0: the image sets DOTNET_BUNDLE_EXTRACT_BASE_DIR=/tmp/.net", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SourcesAskedForAndEveryOneIgnoredIsAWarning()
    {
        File.WriteAllText(Path.Combine(_root, "Program.cs"), "// a step");
        File.WriteAllText(Path.Combine(_root, ".dockerignore"), "*\n");

        await Writer(Request() with { IncludeSourceFiles = true }).WriteAsync(CancellationToken.None);

        Assert.Equal([$"{DiagnosticCodes.NoSourceFilesSent}: {Path.Combine(_root, ".dockerignore")}"], _warnings);
    }

    [Fact]
    public async Task ABaseThatCannotBeReadIsPlannedOnFromItsName()
    {
        var written = await Writer(Request(), (_, _, _) => Task.FromResult<BaseFacts?>(null)).WriteAsync(CancellationToken.None);

        Assert.Contains("FROM mcr.microsoft.com/dotnet/runtime:10.0\n", File.ReadAllText(written.DockerfilePath));
        Assert.DoesNotContain(_lines, line => line.StartsWith("The base image ", StringComparison.Ordinal));
    }

    // A base with the users root and app, a shell, and the .NET 10 runtime.
    private static BaseFacts Facts(string osRelease) => BaseFacts.FromFiles(new Dictionary<string, string>
    {
        ["/etc/os-release"] = osRelease,
        ["/etc/passwd"] = "root:x:0:0:root:/root:/bin/bash\napp:x:1654:1654::/home/app:/bin/sh\n",
        ["/etc/group"] = "root:x:0:\napp:x:1654:\n",
        ["/bin/sh"] = "",
        ["/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12"] = "",
    });

    private PlanWriter Writer(PlanRequest request, Func<string, string, CancellationToken, Task<BaseFacts?>>? readBase = null) => new(request,
        new PlanLog(_lines.Add, _lines.Add, _lines.Add, (resource, arguments) => _warnings.Add($"{resource}: {arguments[0]}")), readBase);

    // A self-contained app published per platform (amd64 and arm64 always named, as PipelineImagePlatforms), each
    // platform's native executable in a directory of its runtime identifier.
    private PlanRequest PerPlatform(PlanRequest request, params (string Platform, string RuntimeIdentifier, string Code)[] publishes)
    {
        var apps = new Dictionary<string, PublishedApp>(StringComparer.Ordinal);
        foreach (var (platform, runtimeIdentifier, code) in publishes)
        {
            var directory = Path.Combine(_root, runtimeIdentifier);
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "HelloPipeline"), code);
            File.WriteAllText(Path.Combine(directory, "HelloPipeline.dll"), "app");
            apps[platform] = request.App with
            {
                RuntimeIdentifier = runtimeIdentifier,
                SelfContained = true,
                Files = PublishOutput.Read(directory, new HashSet<string>(StringComparer.Ordinal)),
            };
        }

        return request with
        {
            App = apps.Values.First(),
            PlatformApps = apps,
            Platforms = "linux/amd64;linux/arm64",
            Push = true,
            Settings = request.Settings with { BaseImage = "mcr.microsoft.com/dotnet/runtime-deps:10.0" },
        };
    }

    private static string Source(PlanFile plan, string path) => plan.Context.Single(entry => entry.Path == path).Source!;

    private PlanRequest Request()
    {
        var publish = Path.Combine(_root, "publish");
        Directory.CreateDirectory(publish);
        File.WriteAllText(Path.Combine(publish, "HelloPipeline.dll"), "app");
        return new PlanRequest
        {
            App = new PublishedApp
            {
                AssemblyName = "HelloPipeline",
                ProjectFileName = "HelloPipeline.csproj",
                TargetFileName = "HelloPipeline.dll",
                TargetFrameworkIdentifier = ".NETCoreApp",
                TargetFrameworkVersion = "v10.0",
                Files = PublishOutput.Read(publish, new HashSet<string>(StringComparer.Ordinal)),
            },
            Settings = new ImageSettings { Version = "2.0.0" },
            OutputDirectory = Path.Combine(_root, "obj"),
            ProjectDirectory = _root,
            Environment = _ => null,
        };
    }
}
