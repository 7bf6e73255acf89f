using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// PipelineRequirement items end to end: OS packages from Debian's mirror and pip packages from a local index,
/// installed by the engine (network mode host), usable in the running image, and cached across a code change.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class RequirementsTests(PackageFeed feed)
{
    // A pipeline step that shells out to an OS tool and to Python, as steps do.
    private static string StepProgram(int version) => TestSources.ShellingOutProgram($$"""
        Console.WriteLine(Run("jq", "-n", "-c", "{step: \"train\"}"));
        Console.WriteLine(Run("python", "-c", "import pimg_demo, pimg_extra; print(pimg_demo.GREETING, pimg_extra.VALUE)"));
        Console.WriteLine("app version {{version}} as {0}", Environment.UserName);
        """);

    [EngineFact]
    public async Task OsAndPipRequirementsAreUsableInTheImageAndACodeChangeReusesTheirLayers()
    {
        await using var index = new LocalPackageIndex(
            ("pimg-demo", "1.0.0", "GREETING = 'hello from a wheel'\n"),
            ("pimg-extra", "2.0.0", "VALUE = 42\n"));
        await using var project = new TestProject(feed,
            properties: $"""
                <PipelineImageNetwork>host</PipelineImageNetwork>
                <PipelineImagePipIndexUrl>{index.Url}</PipelineImagePipIndexUrl>
                """,
            items: """
                <PipelineRequirement Include="jq" />
                <PipelineRequirement Include="pimg-demo" Version="1.0.0" Manager="pip" />
                <PipelineRequirement Include="requirements.txt" Manager="pip" />
                """,
            program: StepProgram(1));
        await File.WriteAllTextAsync(Path.Combine(project.Directory, "requirements.txt"), "pimg-extra==2.0.0\n");

        var first = await project.PublishAsync("-v:n");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("PipelineImage OS packages (apt): jq python3 python3-venv", first.Output);
        // auto on the default engine (Docker 26) is BuildKit, which builds the Dockerfile with its cache mounts.
        Assert.Contains("Builder: buildkit (the engine advertises BuildKit (Builder-Version: 2)); it builds .pipelineimage/Dockerfile", first.Output);
        Assert.Contains("PipelineImage pip requirements: pimg-demo==1.0.0 -r ", first.Output);
        Assert.Equal(2, index.Downloads);
        var run = await Docker.RunImageAsync($"{project.ImageName}:latest");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["{\"step\":\"train\"}", "hello from a wheel 42", "app version 1 as app"], Lines(run.Output));
        var image = await Docker.InspectImageAsync($"{project.ImageName}:latest");
        Assert.Equal("app", image!.Value.GetProperty("Config").GetProperty("User").GetString());

        var dockerfile = await File.ReadAllBytesAsync(Path.Combine(project.OutputDirectory, "Dockerfile"));
        var before = await Docker.LayersAsync($"{project.ImageName}:latest");
        project.WriteProgram(StepProgram(2));
        var second = await project.PublishAsync();

        Assert.True(second.ExitCode == 0, second.ToString());
        var after = await Docker.LayersAsync($"{project.ImageName}:latest");
        // Base, apt, requirements files, venv: all reused; only the app layer is new, and pip downloaded nothing.
        Assert.Equal(before.Count, after.Count);
        Assert.Equal(before.Take(before.Count - 1), after.Take(after.Count - 1));
        Assert.NotEqual(before[^1], after[^1]);
        Assert.Equal(2, index.Downloads);
        Assert.Equal(dockerfile, await File.ReadAllBytesAsync(Path.Combine(project.OutputDirectory, "Dockerfile")));
        var rerun = await Docker.RunImageAsync($"{project.ImageName}:latest");
        Assert.Equal("app version 2 as app", Lines(rerun.Output)[^1]);
    }

    [EngineFact]
    public async Task AFailedAptStepFailsThePublishWithTheStepsOutput()
    {
        await using var project = new TestProject(feed,
            properties: "<PipelineImageNetwork>host</PipelineImageNetwork>",
            items: """<PipelineRequirement Include="pimg-no-such-package" />""");

        var publish = await project.PublishAsync();

        Assert.NotEqual(0, publish.ExitCode);
        Assert.Contains("error PIMG1003: The image build failed at Step ", publish.Output);
        Assert.Contains("Unable to locate package pimg-no-such-package", publish.Output);
        Assert.Null(await Docker.InspectImageAsync($"{project.ImageName}:latest"));

        // One error, on one line (MSBuild repeats it in its summary): the step, its command and its last output.
        var errorLines = Lines(publish.Output).Where(line => line.Contains(": error ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(errorLines);
        Assert.All(errorLines, line =>
        {
            Assert.Contains("error PIMG1003: The image build failed at Step ", line);
            Assert.Contains("RUN ", line);
            Assert.Contains("Its last output: ", line);
            Assert.Contains("Unable to locate package pimg-no-such-package", line);
        });
        Assert.DoesNotContain("\u001b", publish.Output, StringComparison.Ordinal);
    }

    [EngineFact]
    public async Task AnAptStepWithoutNetworkHintsAtPipelineImageNetwork()
    {
        // Not from the cache: BuildKit's cache of the same apt step, made with the network by another test, does not
        // ask which network made it.
        await using var project = new TestProject(feed,
            properties: "<PipelineImageNetwork>none</PipelineImageNetwork><PipelineImageNoCache>true</PipelineImageNoCache>",
            items: """<PipelineRequirement Include="jq" />""");

        var publish = await project.PublishAsync();

        Assert.True(publish.ExitCode != 0, publish.Output);
        Assert.Contains("error PIMG1003: The image build failed at Step ", publish.Output);
        Assert.Contains("Hint: the OS package manager could not reach its package index", publish.Output);
        Assert.Contains("PipelineImageNetwork=host", publish.Output);
    }

    [EngineFact]
    public async Task BadRequirementsFailWithTheirCodeBeforeAnyEngineCall()
    {
        await using var project = new TestProject(feed, items: """<PipelineRequirement Include="curl|sh" />""");
        var unusableEngine = new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock" };

        var badName = await project.PublishAsync(unusableEngine);

        Assert.NotEqual(0, badName.ExitCode);
        Assert.Contains("error PIMG5006: The apt package name 'curl|sh' (PipelineRequirement 'curl|sh' in " + project.ProjectPath, badName.Output);
        Assert.DoesNotContain("PIMG1001", badName.Output);

        await File.WriteAllTextAsync(project.ProjectPath,
            (await File.ReadAllTextAsync(project.ProjectPath)).Replace("""Include="curl|sh" """, """Include="ml/requirements.txt" Manager="pip" """));
        var missingFile = await project.PublishAsync(unusableEngine);

        Assert.NotEqual(0, missingFile.ExitCode);
        Assert.Contains("error PIMG5012: PipelineRequirement 'ml/requirements.txt' in " + project.ProjectPath, missingFile.Output);
        Assert.DoesNotContain("PIMG1001", missingFile.Output);
    }

    private static string[] Lines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
