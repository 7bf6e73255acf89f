using System.Text.RegularExpressions;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// Our assembler on the base as the engine holds it (the stand-ins are in no registry, as a team's own base built on
/// the machine is not): read from the engine once, our layers alone loaded back, on each kind of store (Docker's graph
/// driver, 20.10's; Docker's containerd store; Podman's containers/storage, 5's); and a requirements base built by that
/// engine, with nothing pushed anywhere. PipelineImageBuilder=auto.
/// </summary>
[Collection(BuilderMatrixCollection.Name)]
public sealed class EngineBaseTests(PackageFeed feed)
{
    [MatrixTheory]
    [InlineData("docker20")]
    [InlineData("docker-containerd")]
    [InlineData("podman5")]
    public async Task AnImageAssembledOnTheBaseTheEngineHoldsRunsAndACodeChangeLoadsOurLayersAloneWithoutReadingTheBaseAgain(string engineName)
    {
        var engine = EngineUnderTest.Named(engineName);
        await using var project = new TestProject(feed, engine: engine,
            program: """Console.WriteLine($"first, as {Environment.UserName} in {Environment.CurrentDirectory}");""");
        // A user's cache of its own, which has read no base yet.
        var cache = Path.Combine(project.Directory, "cache");
        var user = new Dictionary<string, string?> { ["XDG_CACHE_HOME"] = cache };

        var first = await project.PublishAsync(user, "-v:n");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Matches(@"Reading the base image mcr\.microsoft\.com/dotnet/runtime:10\.0 \(sha256:[0-9a-f]{64}\) from the engine, once", first.Output);
        Assert.Contains($"Builder: assembler (PipelineImageBuilder=auto on {engine.Product}; the engine builds only RUN steps)", first.Output);
        Assert.Matches(@"Assembled [^\n]* on mcr\.microsoft\.com/dotnet/runtime@sha256:[0-9a-f]{64} as the engine holds it", first.Output);
        Assert.Contains($"into the engine at {engine.Socket}", first.Output);
        Assert.Contains("(our layers; it has the base's)", first.Output);
        Assert.Single(Directory.GetFiles(Path.Combine(cache, "pipelineimage", "bases"), "sha256-*.json"));
        Assert.Equal("first, as app in /app", (await engine.Cli.RunImageAsync($"{project.ImageName}:latest")).Output.Trim());

        project.WriteProgram("""Console.WriteLine($"second, as {Environment.UserName} in {Environment.CurrentDirectory}");""");
        // The image is the engine's: the archive is the engine's save of it.
        var archive = Path.Combine(project.Directory, "image.tar");
        var second = await project.PublishAsync(user, "-v:n", $"-p:PipelineImageArchiveOutputPath={archive}");

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.True(new FileInfo(archive).Length > 100_000_000, second.Output);
        Assert.DoesNotContain("Reading the base image", second.Output);
        Assert.Contains("(our layers; it has the base's)", second.Output);
        Assert.Equal("second, as app in /app", (await engine.Cli.RunImageAsync($"{project.ImageName}:latest")).Output.Trim());

        var again = await project.PublishAsync(user, "-v:n");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Matches(@" is up to date: the engine at [^\n]* has sha256:[0-9a-f]{64}, the same layers, configuration and manifest\. No load; tagged it\.", again.Output);
    }

    [MatrixTheory]
    [InlineData("docker20")]
    [InlineData("docker-containerd")]
    [InlineData("podman5")]
    public async Task ARequirementsBaseIsBuiltByTheEngineTheImageGoesIntoAndAnotherRequirementReplacesIt(string engineName)
    {
        var engine = EngineUnderTest.Named(engineName);
        const string properties = "<PipelineImageNetwork>host</PipelineImageNetwork>";
        await using var project = new TestProject(feed, engine: engine, properties: properties, items: """<PipelineRequirement Include="jq" />""",
            program: TestSources.ShellingOutProgram("""Console.WriteLine(Run("jq", "-n", "-c", "{step: 1}"));"""));

        var first = await project.PublishAsync("-v:n");

        Assert.True(first.ExitCode == 0, first.ToString());
        var built = Regex.Match(first.Output, $@"The requirements base ({Regex.Escape(project.ImageName)}:pipelineimage-requirements-[0-9a-f]{{64}}) \(the RUN steps\) is built by the engine at ");
        Assert.True(built.Success, first.Output);
        Assert.Contains("(our layers; it has the base's)", first.Output);
        Assert.Contains("# mcr.microsoft.com/dotnet/runtime:10.0 is sha256:",
            await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "requirements", "Dockerfile")));
        Assert.Equal("{\"step\":1}", (await engine.Cli.RunImageAsync($"{project.ImageName}:latest")).Output.Trim());

        project.WriteProject(properties, """<PipelineRequirement Include="jq" /><PipelineRequirement Include="tree" />""");
        var second = await project.PublishAsync("-v:n");

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains($"Removed the earlier requirements base {built.Groups[1].Value} from the engine", second.Output);
        Assert.Null(await engine.Cli.InspectImageAsync(built.Groups[1].Value));
        Assert.Equal("{\"step\":1}", (await engine.Cli.RunImageAsync($"{project.ImageName}:latest")).Output.Trim());
    }
}
