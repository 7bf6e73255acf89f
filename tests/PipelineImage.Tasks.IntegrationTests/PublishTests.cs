using System.Text.Json;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>The walking skeleton end to end: a consumer of the packed nupkg gets a tagged, runnable image from plain dotnet publish.</summary>
[Collection(EngineCollection.Name)]
public sealed class PublishTests(PackageFeed feed)
{
    [EngineFact]
    public async Task PublishBuildsTagsAndRecordsARunnableImage()
    {
        await using var project = new TestProject(feed, properties: "<Version>1.2.3+build.7</Version>");

        var publish = await project.PublishAsync();

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains($"App -> {project.ImageName}:1.2.3-build.7, {project.ImageName}:latest", publish.Output);
        var versioned = await Docker.InspectImageAsync($"{project.ImageName}:1.2.3-build.7");
        var latest = await Docker.InspectImageAsync($"{project.ImageName}:latest");
        Assert.NotNull(versioned);
        Assert.Equal(versioned.Value.GetProperty("Id").GetString(), latest!.Value.GetProperty("Id").GetString());
        Assert.Equal("app", versioned.Value.GetProperty("Config").GetProperty("User").GetString());
        Assert.Equal("/app", versioned.Value.GetProperty("Config").GetProperty("WorkingDir").GetString());

        var run = await Docker.RunImageAsync($"{project.ImageName}:1.2.3-build.7", "-e", "PIPELINE_STEP=train");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("step ran as app: train", run.Output.Trim());

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "image.json")));
        Assert.Equal(project.ImageName, manifest.RootElement.GetProperty("name").GetString());
        Assert.Equal(["1.2.3-build.7", "latest"], manifest.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(versioned.Value.GetProperty("Id").GetString(), manifest.RootElement.GetProperty("imageId").GetString());
    }

    [EngineFact]
    public async Task CodeChangeRebuildsOnlyTheAppLayerAndTheDockerfileStaysByteIdentical()
    {
        await using var project = new TestProject(feed,
            items: """<PackageReference Include="Newtonsoft.Json" Version="13.0.3" />""",
            program: """Console.WriteLine(Newtonsoft.Json.JsonConvert.SerializeObject(new { version = 1 }));""");
        var first = await project.PublishAsync();
        Assert.True(first.ExitCode == 0, first.ToString());
        var dockerfile = await File.ReadAllBytesAsync(Path.Combine(project.OutputDirectory, "Dockerfile"));
        var before = await Docker.LayersAsync($"{project.ImageName}:latest");

        project.WriteProgram("""Console.WriteLine(Newtonsoft.Json.JsonConvert.SerializeObject(new { version = 2 }));""");
        var second = await project.PublishAsync();

        Assert.True(second.ExitCode == 0, second.ToString());
        var after = await Docker.LayersAsync($"{project.ImageName}:latest");
        Assert.Equal(before.Count, after.Count);
        Assert.Equal(before.Take(before.Count - 1), after.Take(after.Count - 1)); // base, WORKDIR and the NuGet dependency layer
        Assert.NotEqual(before[^1], after[^1]);
        Assert.Equal(dockerfile, await File.ReadAllBytesAsync(Path.Combine(project.OutputDirectory, "Dockerfile")));
        Assert.Contains("COPY [\".pipelineimage/deps/\", \"/app/\"]", System.Text.Encoding.UTF8.GetString(dockerfile));
        var run = await Docker.RunImageAsync($"{project.ImageName}:latest");
        Assert.Equal("{\"version\":2}", run.Output.Trim());
    }

    [EngineFact]
    public async Task SelfContainedAppRunsItsApphostOnRuntimeDeps()
    {
        await using var project = new TestProject(feed, program: """Console.WriteLine($"self-contained {System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}");""");

        var publish = await project.PublishAsync("-r", "linux-x64", "--self-contained");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(project.Directory, "obj", "Release", "net10.0", "linux-x64", "pipelineimage", "Dockerfile"));
        Assert.Contains("FROM mcr.microsoft.com/dotnet/runtime-deps:10.0\n", dockerfile);
        Assert.Contains($"ENTRYPOINT [\"/app/{project.AssemblyName}\"]", dockerfile);
        var run = await Docker.RunImageAsync($"{project.ImageName}:latest");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("self-contained linux-x64", run.Output.Trim());
    }

    [EngineFact]
    public async Task WebSdkProjectBuildsOnAspnet()
    {
        await using var project = new TestProject(feed, sdk: "Microsoft.NET.Sdk.Web",
            program: """var app = WebApplication.CreateBuilder(args).Build(); Console.WriteLine($"web app {app.Environment.EnvironmentName}");""");

        var publish = await project.PublishAsync();

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:10.0\n", await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "Dockerfile")));
        var image = await Docker.InspectImageAsync($"{project.ImageName}:latest");
        Assert.Equal(["8080/tcp"], image!.Value.GetProperty("Config").GetProperty("ExposedPorts").EnumerateObject().Select(port => port.Name));
        var run = await Docker.RunImageAsync($"{project.ImageName}:latest");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("web app Production", run.Output.Trim());
    }

    [EngineFact]
    public async Task PipelineImageEnabledFalseBuildsNothing()
    {
        await using var project = new TestProject(feed);

        var publish = await project.PublishAsync("-p:PipelineImageEnabled=false");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Null(await Docker.InspectImageAsync($"{project.ImageName}:latest"));
        Assert.False(Directory.Exists(project.OutputDirectory));
    }

    [EngineFact]
    public async Task DesignTimeBuildsNeverBuildImages()
    {
        await using var project = new TestProject(feed);

        var publish = await project.PublishAsync("-p:DesignTimeBuild=true", "-p:PipelineImageEnabled=true");

        Assert.Null(await Docker.InspectImageAsync($"{project.ImageName}:latest"));
        Assert.False(Directory.Exists(project.OutputDirectory), publish.ToString());
    }

    [EngineFact]
    public async Task InvalidPropertyFailsBeforeAnyEngineCall()
    {
        await using var project = new TestProject(feed);

        // The engine address is unusable too: the property error must come first, with no engine call at all.
        var publish = await project.PublishAsync(
            new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock" },
            "-p:PipelineImageName=Bad Name", "-p:PipelineImageNetwork=no such network", "-p:PipelineImageUser=bad user");

        Assert.NotEqual(0, publish.ExitCode);
        Assert.Contains("error PIMG2002: PipelineImageName 'Bad Name' is not a valid image name", publish.Output);
        Assert.Contains("error PIMG2011: ", publish.Output); // every invalid setting, not only the first
        Assert.Contains("error PIMG2013: ", publish.Output);
        Assert.DoesNotContain("PIMG1001", publish.Output);
    }

    [EngineFact]
    public async Task ABaseBuildKitCannotResolveIsAFailedStepWithTheHintBeforeAnyStep()
    {
        // A parent Dockerfile FROM a base that is neither local nor reachable: BuildKit fails resolving it, before any step.
        // (Without a parent, our assembler reads the base from its registry: the next test.)
        await using var project = new TestProject(feed, properties: "<PipelineImageBuilder>buildkit</PipelineImageBuilder>" + TestSources.BaseOnlyParent);
        Directory.CreateDirectory(Path.Combine(project.Directory, "docker"));
        await File.WriteAllTextAsync(Path.Combine(project.Directory, "docker", "Parent.Dockerfile"), "FROM 127.0.0.1:9/missing/base:1\n");

        var publish = await project.PublishAsync();

        Assert.NotEqual(0, publish.ExitCode);
        Assert.True(publish.Output.Contains("error PIMG1003: The image build failed at [internal] load metadata for 127.0.0.1:9/missing/base:1: ",
            StringComparison.Ordinal), publish.Output);
        Assert.Contains("Hint: the base image '127.0.0.1:9/missing/base:1' is not on the engine and could not be pulled", publish.Output);
        Assert.Contains("PipelineImagePull", publish.Output);
        Assert.DoesNotContain("Output of that step", publish.Output);
        Assert.Null(await Docker.InspectImageAsync($"{project.ImageName}:latest"));
    }

    [EngineFact]
    public async Task ABaseNeitherOnTheEngineNorReachableIsPimg1018BeforeAnythingIsBuilt()
    {
        await using var project = new TestProject(feed);

        var publish = await project.PublishAsync("-p:PipelineImageBase=127.0.0.1:9/missing/base:1");

        Assert.NotEqual(0, publish.ExitCode);
        Assert.True(publish.Output.Contains("error PIMG1018: Cannot read the base image 127.0.0.1:9/missing/base:1 from its registry 127.0.0.1:9: ",
            StringComparison.Ordinal), publish.Output);
        Assert.Contains("from the engine when it holds the base, else from its registry", publish.Output);
        Assert.Null(await Docker.InspectImageAsync($"{project.ImageName}:latest"));
    }
}
