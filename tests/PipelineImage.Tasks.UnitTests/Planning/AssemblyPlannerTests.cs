using PipelineImage.Assembling;
using PipelineImage.Context;
using PipelineImage.Dockerfile;
using PipelineImage.Planning;

namespace PipelineImage.Tests.Planning;

public sealed class AssemblyPlannerTests
{
    [Fact]
    public void EachCopyOfThePlanIsALayerOfItsFilesAtTheirImagePathsWithEveryParentDirectory()
    {
        var plan = PlannerTestData.Plan(PlannerTestData.App(), new ImageSettings { Version = "1.0.0" });

        var layers = plan.Assembly.Layers;

        Assert.Equal(["COPY .pipelineimage/deps/ /app/ # PipelineImage.Tasks", "COPY .pipelineimage/app/ /app/ # PipelineImage.Tasks"],
            layers.Select(layer => layer.CreatedBy));
        Assert.Equal(
            ["app directory 0755", "app/Newtonsoft.Json.dll file  .pipelineimage/deps/Newtonsoft.Json.dll", "app/runtimes directory 0755",
             "app/runtimes/linux-x64 directory 0755", "app/runtimes/linux-x64/native directory 0755",
             "app/runtimes/linux-x64/native/libe_sqlite3.so file  .pipelineimage/deps/runtimes/linux-x64/native/libe_sqlite3.so"],
            layers[0].Entries.Select(entry => $"{entry.Path} {entry.Kind} {entry.Mode} {entry.From}".TrimEnd()));
        Assert.Equal(["app", "app/HelloPipeline.deps.json", "app/HelloPipeline.dll", "app/HelloPipeline.runtimeconfig.json"], layers[1].Entries.Select(entry => entry.Path));
        Assert.Null(plan.Assembly.NeedsEngine);
    }

    [Fact]
    public void TheConfigurationIsWhatTheDockerfileSetsAndAnEntrypointDropsTheBasesCmd()
    {
        var plan = PlannerTestData.Plan(PlannerTestData.App(), new ImageSettings
        {
            Version = "1.0.0",
            EnvironmentVariables = [new("MODE", "fast")],
            Ports = [new("9000", "")],
        });

        var config = plan.Assembly.Config;

        Assert.Equal("/app", config.WorkingDir);
        Assert.Equal("app", config.User);
        Assert.Equal(["dotnet", "/app/HelloPipeline.dll"], config.Entrypoint);
        Assert.Equal([], config.Cmd);
        Assert.Equal([new PlannedVariable("MODE", "fast", false)], config.Env);
        Assert.Equal(["9000/tcp"], config.Ports);
        Assert.Contains(new KeyValuePair<string, string>("org.opencontainers.image.version", "1.0.0"), config.Labels);
    }

    [Fact]
    public void SourcesAreUnescapedFilesKeepTheirNamesAndRunStepsNeedAnEngine()
    {
        var context = new[]
        {
            ContextEntry.FromFile("a[1].txt", "/src/a[1].txt", mode: (UnixFileMode)Convert.ToInt32("600", 8)),
            ContextEntry.FromDirectory("tools", (UnixFileMode)Convert.ToInt32("700", 8)),
            ContextEntry.FromSymlink("tools/latest", "v2"),
        };
        Instruction[] instructions =
        [
            new FromInstruction("base"),
            new RunInstruction(["apt-get install -y jq"]),
            new CopyInstruction([@"a\[1].txt"], "/src/"),
            new CopyInstruction(["tools/"], "/src/tools/"),
        ];

        var assembly = AssemblyPlanner.Plan(instructions, context, 42).NeedingEngineFor("the parent Dockerfile");

        Assert.Equal(["src directory 0755", "src/a[1].txt file  a[1].txt"], assembly.Layers[0].Entries.Select(e => $"{e.Path} {e.Kind} {e.Mode} {e.From}".TrimEnd()));
        Assert.Equal(["src directory 0755", "src/tools directory 0755", "src/tools/latest symlink 0777"],
            assembly.Layers[1].Entries.Select(e => $"{e.Path} {e.Kind} {e.Mode}"));
        Assert.Equal("v2", assembly.Layers[1].Entries[^1].Target);
        Assert.Equal(42, assembly.Epoch);
        Assert.Equal("1 RUN step(s) of the requirements and integrations (@(PipelineRequirement), @(PipelineImageIntegration)) and the parent Dockerfile", assembly.NeedsEngine);
    }

    [Theory]
    [InlineData(null, 1L)]
    [InlineData("", 1L)]
    [InlineData(" 1700000000 ", 1700000000L)]
    public void SourceDateEpochIsWholeSeconds(string? value, long expected) => Assert.Equal(expected, AssemblyPlanner.Epoch(value));

    [Theory]
    [InlineData("yesterday")]
    [InlineData("-5")]
    [InlineData("1.5")]
    public void AnyOtherSourceDateEpochIsPimg2039(string value)
    {
        var e = Assert.Throws<PipelineImage.Diagnostics.PipelineImageException>(() => AssemblyPlanner.Epoch(value));
        Assert.StartsWith("PIMG2039: The environment variable SOURCE_DATE_EPOCH is '" + value, e.Message);
    }

    [Fact]
    public void TheInstructionsOfARequirementsBaseAreLeftToItsBuild()
    {
        var context = new[] { ContextEntry.FromFile("app.dll", "/pub/app.dll") };
        Instruction[] instructions =
        [
            new FromInstruction("base"),
            new WorkdirInstruction("/app"),
            new RunInstruction(["apt-get install -y jq"]),
            new CopyInstruction(["app.dll"], "/app/"),
        ];

        var assembly = AssemblyPlanner.Plan(instructions, context, 42, requirementsBase: 3);

        Assert.Null(assembly.NeedsEngine);
        Assert.Equal(["app directory 0755", "app/app.dll file"], assembly.Layers.Single().Entries.Select(e => $"{e.Path} {e.Kind} {e.Mode}".TrimEnd()));
        Assert.Null(assembly.Config.WorkingDir);
    }

    [Fact]
    public void TheRequirementsBasesFromIsPinnedToTheDigestWithoutTheTag()
    {
        var pinned = RequirementsBase.Pinned("localhost:5000/dotnet/runtime:10.0", "sha256:abc");

        Assert.Equal("localhost:5000/dotnet/runtime@sha256:abc", pinned);
        Assert.Equal("# a\nFROM localhost:5000/dotnet/runtime@sha256:abc\nRUN x\n",
            RequirementsBase.Pin("# a\nFROM localhost:5000/dotnet/runtime:10.0\nRUN x\n", "localhost:5000/dotnet/runtime:10.0", pinned));
        Assert.Throws<ArgumentException>(() => RequirementsBase.Pin("FROM other\n", "localhost:5000/dotnet/runtime:10.0", pinned));
    }
}
