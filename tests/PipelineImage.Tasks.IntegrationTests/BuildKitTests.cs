using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// PipelineImageBuilder=buildkit on this machine's dockerd (Docker 20.10, the graph-driver store): POST /build?version=2
/// with the session on POST /session, and its Control API on POST /grpc, with their protobuf progress. BuildKit builds
/// the whole Dockerfile where it has a parent Dockerfile; else only RUN steps, with or without PipelineImageBuildKitHost. (On the
/// containerd store, the default engine, BuildKit builds always go through the Control API: ContainerdStoreTests.)
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class BuildKitTests(PackageFeed feed)
{
    private static readonly EngineUnderTest Engine = EngineUnderTest.Docker20;

    // BuildKit builds the whole Dockerfile when it has a parent Dockerfile (here the base alone); else only RUN steps.
    private const string BuildKitWithParent = "<PipelineImageBuilder>buildkit</PipelineImageBuilder>" + TestSources.BaseOnlyParent;

    [EngineFact]
    public async Task BuildKitBuildsARunnableImageLogsItsStepsAsTheClassicBuilderDoesAndSkipsAnUnchangedPublish()
    {
        await using var project = new TestProject(feed, engine: Engine, properties: BuildKitWithParent);
        await TestSources.WriteBaseOnlyParentAsync(project.Directory);

        var publish = await project.PublishAsync("-v:n");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains("Builder: buildkit (PipelineImageBuilder=buildkit)", publish.Output);
        Assert.Matches(@"Step [0-9]+/[0-9]+ : COPY", publish.Output);
        var run = await Engine.Cli.RunImageAsync($"{project.ImageName}:latest", "-e", "PIPELINE_STEP=bk");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("step ran as app: bk", run.Output.Trim());

        var again = await project.PublishAsync("-v:n");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains(" is up to date: the engine has ", again.Output);
    }

    [EngineFact]
    public async Task TheContextGoesThroughTheSessionAndTheNextBuildIsSentOnlyTheFileThatChangedEvenAtTheSameSize()
    {
        await using var project = new TestProject(feed, engine: Engine, properties: BuildKitWithParent,
            items: """<PipelineImageFile Include="data.txt" Destination="/app/data.txt" />""");
        await TestSources.WriteBaseOnlyParentAsync(project.Directory);
        var data = Path.Combine(project.Directory, "data.txt");
        await File.WriteAllTextAsync(data, "first");

        var publish = await project.PublishAsync("-v:n");
        Assert.True(publish.ExitCode == 0, publish.ToString());
        await File.WriteAllTextAsync(data, "secnd");
        var again = await project.PublishAsync("-v:n");

        Assert.True(again.ExitCode == 0, again.ToString());
        var first = Sent(publish.Output);
        var second = Sent(again.Output);
        Assert.True(first.Files > 1 && first.Bytes > 5, publish.Output);
        Assert.True(second == (1, 5), again.Output);
        var inImage = await Engine.Cli.RunAsync("run", "--rm", "--network", "none", "--entrypoint", "cat", $"{project.ImageName}:latest", "/app/data.txt");
        Assert.Equal("secnd", inImage.Output.Trim());
    }

    [EngineFact]
    public async Task TheControlApiOfDockerdBuildsTheRequirementsBaseAndTheAssembledImageIsPushedPulledBackAndRuns()
    {
        await using var project = new TestProject(feed, engine: Engine,
            properties: """
                <PipelineImageBuildKitHost>unix:///var/run/docker.sock</PipelineImageBuildKitHost>
                <PipelineImageRegistry>localhost:5000</PipelineImageRegistry>
                <PipelineImagePush>true</PipelineImagePush>
                <PipelineImageNetwork>host</PipelineImageNetwork>
                """,
            items: """<PipelineRequirement Include="jq" />""",
            program: """Console.WriteLine("built by the Control API");""");
        var name = $"localhost:5000/{project.ImageName}";

        // Another test may have built the same requirements base (jq on this base) into the engine: built anew here.
        var publish = await project.PublishAsync("-v:n", "-p:PipelineImageNoCache=true");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains("Builder: assembler (PipelineImageBuildKitHost=unix:///var/run/docker.sock: BuildKit's Control API there builds only RUN steps)", publish.Output);
        Assert.Contains("Builder: buildkit (PipelineImageBuildKitHost=unix:///var/run/docker.sock: BuildKit's Control API there)", publish.Output);
        Assert.Contains("Building through the BuildKit Control API of the Docker engine at unix:///var/run/docker.sock", publish.Output);
        Assert.Matches(@"Step [0-9]+/[0-9]+ : RUN ", publish.Output);
        Assert.DoesNotMatch(@"Step [0-9]+/[0-9]+ : COPY", publish.Output);
        Assert.Contains($"Pushed {name}:1.0.0 (sha256:", publish.Output);
        await Engine.Cli.RunAsync("image", "rm", "--force", (await Engine.Cli.InspectImageAsync($"{name}:1.0.0"))!.Value.GetProperty("Id").GetString()!);
        var pull = await Engine.Cli.RunAsync("pull", $"{name}:1.0.0");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal("built by the Control API", (await Engine.Cli.RunImageAsync($"{name}:1.0.0")).Output.Trim());
        var jq = await Engine.Cli.RunAsync("run", "--rm", "--network", "none", "--entrypoint", "jq", $"{name}:1.0.0", "--version");
        Assert.True(jq.ExitCode == 0, jq.ToString());
    }

    [EngineFact]
    public async Task ABuildKitHostWithNothingThereIsPimg1014()
    {
        await using var project = new TestProject(feed, engine: Engine, properties: "<PipelineImageBuildKitHost>unix:///run/pimg-no-buildkitd.sock</PipelineImageBuildKitHost>");

        var publish = await project.PublishAsync();

        Assert.NotEqual(0, publish.ExitCode);
        Assert.Contains("error PIMG1014: Cannot build with the BuildKit at 'unix:///run/pimg-no-buildkitd.sock' (from PipelineImageBuildKitHost)", publish.Output);
        Assert.DoesNotContain("MSB4018", publish.Output);
    }

    [EngineTheory]
    [InlineData("<PipelineImageBuilder>buildkit</PipelineImageBuilder>", 311)]
    [InlineData("<PipelineImageBuildKitHost>unix:///var/run/docker.sock</PipelineImageBuildKitHost>", 312)]
    public async Task CtrlCDuringALongRunStepEndsTheBuildAndItsStepWithinSecondsAndTheNextPublishWorks(string builder, int seconds)
    {
        await using var project = new TestProject(feed, engine: Engine, properties: builder + "<PipelineImageNetwork>none</PipelineImageNetwork><PipelineImageParentDockerfile>Parent.Dockerfile</PipelineImageParentDockerfile>");
        await File.WriteAllTextAsync(Path.Combine(project.Directory, "Parent.Dockerfile"), $"FROM mcr.microsoft.com/dotnet/runtime:10.0\nRUN echo pimg-$((0+{seconds}))-started && sleep {seconds}\n");

        // Interrupted once the step's own output says it runs (the command's text says it differently).
        var interrupted = await project.PublishAndInterruptAsync($"pimg-{seconds}-started", "-v:n");

        Assert.NotEqual(0, interrupted.ExitCode);
        Assert.True(interrupted.AfterInterrupt < TimeSpan.FromSeconds(15), $"{interrupted.AfterInterrupt}\n{interrupted}");
        Assert.Contains("BuildPipelineImage was canceled", interrupted.Output);
        Assert.DoesNotContain("MSB4018", interrupted.Output);
        Assert.DoesNotContain("PIMG4004", interrupted.Output);
        // BuildKit ends the step's process when the build's request goes; give it the seconds a kill takes.
        Assert.True(await ProcessRunner.StepEndsAsync(seconds), $"sleep {seconds} still runs after the publish ended");
        await File.WriteAllTextAsync(Path.Combine(project.Directory, "Parent.Dockerfile"), "FROM mcr.microsoft.com/dotnet/runtime:10.0\nRUN true\n");
        var again = await project.PublishAsync();
        Assert.True(again.ExitCode == 0, again.ToString());
    }

    // What the log says the session sent for the last build (the image's, after its parent's): files and bytes.
    private static (int Files, long Bytes) Sent(string output)
    {
        var matches = System.Text.RegularExpressions.Regex.Matches(output, @"Context through the session: sent ([0-9]+) of [0-9]+ file\(s\), ([0-9]+) bytes");
        Assert.True(matches.Count > 0, output);
        var match = matches[^1];
        return (int.Parse(match.Groups[1].Value), long.Parse(match.Groups[2].Value));
    }

    [EngineTheory]
    [InlineData("<PipelineImageBuilder>buildkit</PipelineImageBuilder>")]
    [InlineData("<PipelineImageBuildKitHost>unix:///var/run/docker.sock</PipelineImageBuildKitHost>")]
    public async Task AFailedRunStepIsOnePimg1003WithTheStepAndItsOutput(string builder)
    {
        await using var project = new TestProject(feed, engine: Engine,
            properties: builder + "<PipelineImageNetwork>host</PipelineImageNetwork>",
            items: """<PipelineRequirement Include="pimg-no-such-package" />""");

        var publish = await project.PublishAsync();

        Assert.NotEqual(0, publish.ExitCode);
        var errors = publish.Output.Split('\n').Where(line => line.Contains("error PIMG1003: ", StringComparison.Ordinal)).Distinct().ToList();
        var error = Assert.Single(errors);
        Assert.True(error.Contains("failed at Step ", StringComparison.Ordinal) && error.Contains("RUN", StringComparison.Ordinal)
            && error.Contains("pimg-no-such-package", StringComparison.Ordinal), error);
        Assert.DoesNotContain("\u001b", publish.Output, StringComparison.Ordinal);
    }
}
