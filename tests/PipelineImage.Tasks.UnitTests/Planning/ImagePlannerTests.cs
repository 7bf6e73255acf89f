using System.Text;
using PipelineImage.Context;
using PipelineImage.Diagnostics;
using PipelineImage.Planning;
using PipelineImage.Requirements;

namespace PipelineImage.Tests.Planning;

public class ImagePlannerTests
{
    private static readonly ImageSettings Defaults = new() { Version = "1.2.3+abc" };

    [Fact]
    public void FrameworkDependentAppRunsThroughDotnetWithDependenciesInTheirOwnLayer()
    {
        var plan = PlannerTestData.Plan(PlannerTestData.App(), Defaults);

        GoldenFile.AssertMatches("framework-dependent.Dockerfile", plan.Dockerfile);
        Assert.Equal("hellopipeline", plan.Name);
        Assert.Equal(["hellopipeline:1.2.3-abc", "hellopipeline:latest"], plan.References.Select(r => r.ToString()));
        Assert.Equal("mcr.microsoft.com/dotnet/runtime:10.0", plan.BaseImage);
    }

    [Fact]
    public void ContextHoldsTheDockerfileAndEachFileInItsLayerDirectorySorted()
    {
        var plan = PlannerTestData.Plan(PlannerTestData.App(), Defaults);

        Assert.Equal(
            [
                ".pipelineimage/Dockerfile",
                ".pipelineimage/app/HelloPipeline.deps.json",
                ".pipelineimage/app/HelloPipeline.dll",
                ".pipelineimage/app/HelloPipeline.runtimeconfig.json",
                ".pipelineimage/deps/Newtonsoft.Json.dll",
                ".pipelineimage/deps/runtimes/linux-x64/native/libe_sqlite3.so",
            ],
            plan.Context.Select(entry => entry.ContextPath));
        Assert.Equal(plan.Dockerfile, Encoding.UTF8.GetString(plan.Context[0].Content!));
        Assert.Equal("/pub/Newtonsoft.Json.dll", plan.Context[4].SourcePath);
    }

    [Fact]
    public void RequirementsComeRightAfterTheBaseAndTheImageEndsAsTheAppUser()
    {
        string? askedFor = null;
        var requirements = new RequirementItem[]
        {
            new() { Include = "ffmpeg", ProjectFile = "/src/App/App.csproj" },
            new() { Include = "requirements.txt", Manager = "pip", ProjectFile = "/src/App/App.csproj" },
        };

        var plan = ImagePlanner.Create(PlannerTestData.App(), Defaults, ContextSources.None, baseImage =>
        {
            askedFor = baseImage;
            return RequirementPlanner.Plan(requirements, new RequirementSettings(), baseImage, _ => "numpy==2.1.0\n");
        });

        Assert.Equal("mcr.microsoft.com/dotnet/runtime:10.0", askedFor);
        GoldenFile.AssertMatches("with-requirements.Dockerfile", plan.Dockerfile);
        GoldenFile.AssertMatches("with-requirements.classic.Dockerfile", plan.ClassicDockerfile!);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(plan.ClassicDockerfile!),
            plan.Context.Single(entry => entry.ContextPath == ImagePlanner.ClassicDockerfilePath).Content);
        Assert.Contains(plan.Context, entry => entry.ContextPath == ".pipelineimage/requirements/1-requirements.txt"
                                               && entry.SourcePath == "/src/App/requirements.txt");
        Assert.Equal(["ffmpeg", "python3", "python3-venv"], plan.Requirements.OsPackages);
    }

    [Theory]
    [InlineData("auto", true, true)]
    [InlineData("buildkit", true, false)]
    [InlineData("classic", false, false)]
    public void CacheMountsGoWhereTheBuilderHasThemAndAutoWritesADockerfileForEach(string builder, bool mounts, bool classicToo)
    {
        var requirements = new RequirementItem[] { new() { Include = "jq", ProjectFile = "/src/App/App.csproj" } };

        var plan = ImagePlanner.Create(PlannerTestData.App(), Defaults, ContextSources.None,
            baseImage => RequirementPlanner.Plan(requirements, new RequirementSettings(), baseImage, _ => null), BuilderSettings.Parse(builder));

        Assert.Equal(mounts, plan.Dockerfile.Contains("RUN --mount=type=cache,target=/var/cache/apt ", StringComparison.Ordinal));
        Assert.Equal(classicToo, plan.ClassicDockerfile is not null);
        Assert.Equal(classicToo, plan.Context.Any(entry => entry.ContextPath == ImagePlanner.ClassicDockerfilePath));
        Assert.DoesNotContain("--mount=", plan.ClassicDockerfile ?? "", StringComparison.Ordinal);
        Assert.Contains(mounts ? "# For BuildKit and Podman (buildah): " : "# For Docker's classic builder, which has no RUN --mount", plan.Dockerfile);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("classic")]
    public void WithoutACachedStepOneDockerfileIsForEveryBuilder(string builder)
    {
        var requirements = new RequirementItem[] { new() { Include = "curl", ProjectFile = "/src/App/App.csproj" } };

        var plan = ImagePlanner.Create(PlannerTestData.App(), Defaults with { BaseImage = "alpine:3.20" }, ContextSources.None,
            baseImage => RequirementPlanner.Plan(requirements, new RequirementSettings(), baseImage, _ => null), BuilderSettings.Parse(builder));

        Assert.Null(plan.ClassicDockerfile);
        Assert.Contains("# For any builder: BuildKit, Podman (buildah) or Docker's classic builder.\n", plan.Dockerfile);
        Assert.Contains("apk add --no-cache", plan.Dockerfile);
    }

    [Fact]
    public void AppWithoutPackagesHasNoDependencyLayer()
    {
        var app = PlannerTestData.App(new PublishedFile("/pub/HelloPipeline.dll", "HelloPipeline.dll", false));

        var plan = PlannerTestData.Plan(app, Defaults);

        GoldenFile.AssertMatches("no-dependencies.Dockerfile", plan.Dockerfile);
    }

    [Fact]
    public void SelfContainedLinuxAppRunsItsApphostOnRuntimeDeps()
    {
        var app = PlannerTestData.App(
            new PublishedFile("/pub/HelloPipeline", "HelloPipeline", false),
            new PublishedFile("/pub/HelloPipeline.dll", "HelloPipeline.dll", false),
            new PublishedFile("/pub/libcoreclr.so", "libcoreclr.so", true)) with
        {
            SelfContained = true,
            RuntimeIdentifier = "linux-x64",
        };

        var plan = PlannerTestData.Plan(app, Defaults);

        GoldenFile.AssertMatches("self-contained.Dockerfile", plan.Dockerfile);
        Assert.True(plan.Context.Single(entry => entry.ContextPath == ".pipelineimage/app/HelloPipeline").Executable);
        Assert.False(plan.Context.Single(entry => entry.ContextPath == ".pipelineimage/app/HelloPipeline.dll").Executable);
    }

    [Fact]
    public void SourceTreeKeepsItsPathsInTheContextAndItsShapeUnderSrc()
    {
        var sources = new ContextSources(
            [
                ContextEntry.FromFile("README.md", "/repo/README.md"),
                ContextEntry.FromDirectory("empty", null),
                ContextEntry.FromFile("src/App/Program.cs", "/repo/src/App/Program.cs"),
                ContextEntry.FromSymlink("latest", "src"),
                ContextEntry.FromFile("odd[1]*.txt", "/repo/odd[1]*.txt"),
            ],
            [new ExtraFile("config/*.yaml", ContextEntry.FromFile("config/a.yaml", "/repo/config/a.yaml"), "/app/config/a.yaml")]);

        var plan = ImagePlanner.Create(PlannerTestData.App(), Defaults, sources);

        GoldenFile.AssertMatches("with-sources.Dockerfile", plan.Dockerfile);
        Assert.Contains("README.md", plan.Context.Select(e => e.ContextPath));
        Assert.Contains(".pipelineimage/files/app/config/a.yaml", plan.Context.Select(e => e.ContextPath));
        Assert.Equal("/repo/config/a.yaml", plan.Context.Single(e => e.ContextPath == ".pipelineimage/files/app/config/a.yaml").SourcePath);
    }

    [Theory]
    [InlineData("relative/path")]
    [InlineData("/app/config/")]
    [InlineData("/app/../etc/passwd")]
    [InlineData("/app//x")]
    public void ExtraFileDestinationMustBeAnAbsoluteFilePathPimg2009(string destination)
    {
        var sources = new ContextSources([], [new ExtraFile("x.yaml", ContextEntry.FromFile("x.yaml", "/repo/x.yaml"), destination)]);

        var error = Assert.Throws<PipelineImageException>(() => ImagePlanner.Create(PlannerTestData.App(), Defaults, sources));

        Assert.Equal(DiagnosticCodes.InvalidFileDestination, error.ResourceName);
        Assert.Contains("'x.yaml'", error.Message);
    }

    [Fact]
    public void TwoExtraFilesToOneDestinationArePimg2010()
    {
        var sources = new ContextSources([],
        [
            new ExtraFile("a/x.yaml", ContextEntry.FromFile("a/x.yaml", "/repo/a/x.yaml"), "/app/x.yaml"),
            new ExtraFile("b/x.yaml", ContextEntry.FromFile("b/x.yaml", "/repo/b/x.yaml"), "/app/x.yaml"),
        ]);

        var error = Assert.Throws<PipelineImageException>(() => ImagePlanner.Create(PlannerTestData.App(), Defaults, sources));

        Assert.Equal(DiagnosticCodes.DuplicateFileDestination, error.ResourceName);
    }

    [Fact]
    public void SameInputsGiveTheSameDockerfileWhateverTheFileOrder()
    {
        var reversed = PlannerTestData.App(PlannerTestData.DefaultFiles.Reverse().ToArray());

        var first = PlannerTestData.Plan(PlannerTestData.App(), Defaults);
        var second = PlannerTestData.Plan(reversed, Defaults);

        Assert.Equal(first.Dockerfile, second.Dockerfile);
        Assert.Equal(first.Context.Select(e => e.ContextPath), second.Context.Select(e => e.ContextPath));
    }

    [Fact]
    public void GivenNameTagsAndBaseAreUsedAsGivenAndTagsDeduplicated()
    {
        var settings = new ImageSettings
        {
            Name = "localhost:5000/team/step",
            Tags = [" v1 ", "v1", "", "stable"],
            Version = "9.9.9",
            BaseImage = "localhost:5000/base:1",
        };

        var plan = PlannerTestData.Plan(PlannerTestData.App(), settings);

        Assert.Equal(["localhost:5000/team/step:v1", "localhost:5000/team/step:stable"], plan.References.Select(r => r.ToString()));
        Assert.StartsWith("# Generated by PipelineImage.Tasks from HelloPipeline.csproj.", plan.Dockerfile);
        Assert.Contains("\nFROM localhost:5000/base:1\n", plan.Dockerfile);
    }

    [Fact]
    public void NoVersionMeansOnlyLatest()
    {
        var plan = PlannerTestData.Plan(PlannerTestData.App(), new ImageSettings());

        Assert.Equal(["hellopipeline:latest"], plan.References.Select(r => r.ToString()));
    }

    [Theory]
    [InlineData("win-x64")]
    [InlineData("osx-arm64")]
    [InlineData("")]
    public void SelfContainedForAnotherOsIsPimg2007(string rid)
    {
        var app = PlannerTestData.App() with { SelfContained = true, RuntimeIdentifier = rid };

        var error = Assert.Throws<PipelineImageException>(() => PlannerTestData.Plan(app, Defaults));

        Assert.Equal(DiagnosticCodes.RuntimeIdentifierNotLinux, error.ResourceName);
    }

    [Fact]
    public void SelfContainedWithoutApphostIsPimg2008()
    {
        var app = PlannerTestData.App() with { SelfContained = true, RuntimeIdentifier = "linux-x64" };

        var error = Assert.Throws<PipelineImageException>(() => PlannerTestData.Plan(app, Defaults));

        Assert.Equal(DiagnosticCodes.NoApphost, error.ResourceName);
        Assert.Contains("UseAppHost", error.Message);
    }

    [Theory]
    [InlineData(false, "mcr.microsoft.com/dotnet/runtime:10.0")]
    [InlineData(true, "mcr.microsoft.com/dotnet/runtime-deps:10.0")]
    public void SingleFileRunsItsBundleOnTheRuntimeOrRuntimeDeps(bool selfContained, string baseImage)
    {
        var app = PlannerTestData.App(
            new PublishedFile("/pub/HelloPipeline", "HelloPipeline", false),
            new PublishedFile("/pub/HelloPipeline.pdb", "HelloPipeline.pdb", false)) with
        {
            SingleFile = true, SelfContained = selfContained, RuntimeIdentifier = "linux-x64",
        };

        var plan = PlannerTestData.Plan(app, Defaults);

        Assert.Contains($"FROM {baseImage}\n", plan.Dockerfile);
        Assert.Contains("ENTRYPOINT [\"/app/HelloPipeline\"]", plan.Dockerfile);
        Assert.True(plan.Context.Single(entry => entry.ContextPath == ".pipelineimage/app/HelloPipeline").Executable);
    }

    [Theory]
    [InlineData(false, true, false, "single-file")]
    [InlineData(true, false, true, "native AOT")]
    [InlineData(true, false, false, "self-contained")]
    public void AnApphostShapeWithoutItsApphostIsPimg2008NamingTheShape(bool selfContained, bool singleFile, bool aot, string shape)
    {
        var app = PlannerTestData.App() with { SelfContained = selfContained, SingleFile = singleFile, PublishAot = aot, RuntimeIdentifier = "linux-x64" };

        var error = Assert.Throws<PipelineImageException>(() => PlannerTestData.Plan(app, Defaults));

        Assert.Equal(DiagnosticCodes.NoApphost, error.ResourceName);
        Assert.StartsWith($"PIMG2008: The {shape} app has no executable 'HelloPipeline'", error.Message);
    }

    [Theory]
    [InlineData("../escape.dll")]
    [InlineData("/etc/passwd")]
    [InlineData("a/./b")]
    [InlineData("a//b")]
    public void PublishedFilesOutsideTheOutputArePimg4002(string relativePath)
    {
        var app = PlannerTestData.App(new PublishedFile("/x", relativePath, false));

        var error = Assert.Throws<PipelineImageException>(() => PlannerTestData.Plan(app, Defaults));

        Assert.Equal(DiagnosticCodes.PublishFileOutsideOutput, error.ResourceName);
    }

    [Fact]
    public void InvalidSettingsFailBeforeAnythingIsPlanned()
    {
        Assert.Equal(DiagnosticCodes.InvalidImageName,
            Assert.Throws<PipelineImageException>(() => PlannerTestData.Plan(PlannerTestData.App(), new ImageSettings { Name = "Bad Name" })).ResourceName);
        Assert.Equal(DiagnosticCodes.InvalidTag,
            Assert.Throws<PipelineImageException>(() => PlannerTestData.Plan(PlannerTestData.App(), new ImageSettings { Tags = ["a b"] })).ResourceName);
        Assert.Equal(DiagnosticCodes.InvalidBaseImage,
            Assert.Throws<PipelineImageException>(() => PlannerTestData.Plan(PlannerTestData.App(), new ImageSettings { BaseImage = "x y" })).ResourceName);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("buildkit")]
    public void AStepThatReadsASecretGetsOnlyTheMountedDockerfileAndTheClassicBuilderIsPimg1013(string builder)
    {
        var requirements = new RequirementItem[] { new() { Include = "pandas", Manager = "pip", ProjectFile = "/src/App/App.csproj" } };
        RequirementPlan Requirements(string baseImage) =>
            RequirementPlanner.Plan(requirements, new RequirementSettings { PipNetrcSecret = "pip-netrc" }, baseImage, _ => null);

        var plan = ImagePlanner.Create(PlannerTestData.App(), Defaults, ContextSources.None, Requirements, BuilderSettings.Parse(builder));

        Assert.Null(plan.ClassicDockerfile);
        Assert.Contains("--mount=type=secret,id=pip-netrc", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("# A step reads a build secret: BuildKit and Podman only.\n", plan.Dockerfile, StringComparison.Ordinal);
        var e = Assert.Throws<PipelineImageException>(() => ImagePlanner.Create(PlannerTestData.App(), Defaults, ContextSources.None, Requirements, BuilderSetting.Classic));
        Assert.Equal("SecretsNeedSession", e.ResourceName);
        Assert.Equal("pip-netrc", e.Arguments[0]);
    }

    [Fact]
    public void RunStepsMakeARequirementsBaseThatTheAssemblerPutsTheRestOn()
    {
        var requirements = new RequirementItem[]
        {
            new() { Include = "jq", ProjectFile = "/src/App/App.csproj" },
            new() { Include = "requirements.txt", Manager = "pip", ProjectFile = "/src/App/App.csproj" },
        };

        var plan = ImagePlanner.Create(PlannerTestData.App(), Defaults, ContextSources.None,
            baseImage => RequirementPlanner.Plan(requirements, new RequirementSettings(), baseImage, _ => "numpy==2.1.0\n"));

        var assembly = plan.Assembly;
        var requirementsBase = Assert.IsType<PipelineImage.Planning.PlannedRequirementsBase>(assembly.Requirements);
        Assert.Null(assembly.NeedsEngine);
        // The base's Dockerfile is the whole one up to the requirements' last step: the same lines, no COPY of the app.
        var lines = requirementsBase.Dockerfile.Split('\n').Where(line => line.Length > 0 && !line.StartsWith('#')).ToList();
        Assert.Equal("FROM mcr.microsoft.com/dotnet/runtime:10.0", lines[0]);
        Assert.Contains(lines, line => line.StartsWith("RUN --mount=type=cache,target=/var/cache/apt ", StringComparison.Ordinal));
        Assert.DoesNotContain(".pipelineimage/app/", requirementsBase.Dockerfile, StringComparison.Ordinal);
        Assert.StartsWith(string.Join('\n', lines), string.Join('\n', plan.Dockerfile.Split('\n').Where(line => line.Length > 0 && !line.StartsWith('#'))),
            StringComparison.Ordinal);
        Assert.Contains("# The requirements base of Dockerfile", requirementsBase.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("# The classic builder builds Dockerfile.classic, beside this one.", requirementsBase.Dockerfile, StringComparison.Ordinal);
        Assert.DoesNotContain("--mount=", requirementsBase.ClassicDockerfile!, StringComparison.Ordinal);
        Assert.Equal([".pipelineimage/requirements/1-requirements.txt"], requirementsBase.Context);
        // What the assembler writes is the app's layers alone, with the configuration from USER on.
        Assert.Equal(["COPY .pipelineimage/deps/ /app/ # PipelineImage.Tasks", "COPY .pipelineimage/app/ /app/ # PipelineImage.Tasks"],
            assembly.Layers.Select(layer => layer.CreatedBy));
        Assert.Equal("app", assembly.Config.User);
    }

    [Theory]
    [InlineData("buildkit", true, "# PipelineImageBuilder=buildkit.")]
    [InlineData("classic", false, "# PipelineImageBuilder=classic.")]
    public void TheBuilderSettingNamesWhoBuildsTheRequirementsBaseAndItsDockerfileIsThatBuildersAlone(string builder, bool mounts, string header)
    {
        var requirements = new RequirementItem[] { new() { Include = "jq", ProjectFile = "/src/App/App.csproj" } };

        var plan = ImagePlanner.Create(PlannerTestData.App(), Defaults, ContextSources.None,
            baseImage => RequirementPlanner.Plan(requirements, new RequirementSettings(), baseImage, _ => null), BuilderSettings.Parse(builder));

        var requirementsBase = Assert.IsType<PipelineImage.Planning.PlannedRequirementsBase>(plan.Assembly.Requirements);
        Assert.Null(plan.Assembly.NeedsEngine);
        Assert.Null(requirementsBase.ClassicDockerfile);
        Assert.Contains(header + "\n", requirementsBase.Dockerfile, StringComparison.Ordinal);
        Assert.Contains(requirementsBase.Dockerfile.Split('\n'), line => line.StartsWith("RUN ", StringComparison.Ordinal));
        Assert.Equal(mounts, requirementsBase.Dockerfile.Contains("RUN --mount=type=cache,target=/var/cache/apt ", StringComparison.Ordinal));
    }

    [Fact]
    public void RequirementsWithoutRunStepsMakeNoRequirementsBase()
    {
        var plan = PlannerTestData.Plan(PlannerTestData.App(), Defaults);

        Assert.Null(plan.Assembly.Requirements);
        Assert.Null(plan.Assembly.NeedsEngine);
    }
}
