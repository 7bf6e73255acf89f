using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// With the engine's builder building the whole Dockerfile (here BuildKit), a publish with nothing changed asks the
/// engine for no build: the content key (plan.json's inputs and the base image's id) is a label on the image, and an
/// image that carries it is the image. (The default's own no-op and rebuilds: <see cref="EngineBaseTests"/>.)
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class IncrementalPublishTests(PackageFeed feed)
{
    private const string NoBuild = "is up to date: the engine has ";

    // The engine's BuildKit builds the whole Dockerfile through its Control API (PipelineImageBuildKitHost), by content key.
    private static readonly string EngineBuilder = $"<PipelineImageBuildKitHost>{EngineUnderTest.Default.Socket}</PipelineImageBuildKitHost>";

    [EngineFact]
    public async Task AnUnchangedPublishBuildsNothingAndARemovedTagIsPutBackWithoutABuild()
    {
        await using var project = new TestProject(feed, properties: $"<Version>1.0.0</Version>{EngineBuilder}");
        var first = await project.PublishAsync("-v:n");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("Step 1/", first.Output);
        var id = await IdAsync($"{project.ImageName}:1.0.0");
        var created = (await Docker.InspectImageAsync(id))!.Value.GetProperty("Created").GetString();
        var record = await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "image.json"));

        var again = await project.PublishAsync("-v:n");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains($"{project.ImageName} {NoBuild}{id}", again.Output);
        Assert.DoesNotContain("Step 1/", again.Output);
        Assert.Equal(id, await IdAsync($"{project.ImageName}:1.0.0"));
        Assert.Equal(id, await IdAsync($"{project.ImageName}:latest"));
        Assert.Equal(created, (await Docker.InspectImageAsync(id))!.Value.GetProperty("Created").GetString());
        Assert.Equal(record, await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "image.json")));

        Assert.Equal(0, (await Docker.RunAsync("image", "rm", $"{project.ImageName}:latest")).ExitCode);
        var retag = await project.PublishAsync("-v:n");

        Assert.True(retag.ExitCode == 0, retag.ToString());
        Assert.Contains($"Tagged it again as {project.ImageName}:latest.", retag.Output);
        Assert.DoesNotContain("Step 1/", retag.Output);
        Assert.Equal(id, await IdAsync($"{project.ImageName}:latest"));
    }

    [EngineFact]
    public async Task ACodeChangeAPropertyPipelineImageNoCacheAndANewBaseImageEachRebuild()
    {
        var baseName = $"pimg-test-base-{Guid.NewGuid():N}";
        await BuildBaseAsync(baseName, "1");
        try
        {
            await using var project = new TestProject(feed, properties: $"<PipelineImageBase>{baseName}:1</PipelineImageBase>{EngineBuilder}");
            var ids = new List<string>();
            async Task PublishAsync(string why, params string[] arguments)
            {
                var publish = await project.PublishAsync(["-v:n", .. arguments]);
                Assert.True(publish.ExitCode == 0, publish.ToString());
                Assert.True(publish.Output.Contains("Step 1/", StringComparison.Ordinal), $"{why}: no build\n{publish}");
                ids.Add(await IdAsync($"{project.ImageName}:latest"));
            }

            await PublishAsync("first");
            project.WriteProgram("""Console.WriteLine("changed");""");
            await PublishAsync("code change");
            await PublishAsync("a property", "-p:PipelineImageWorkingDirectory=/opt/step");
            await PublishAsync("no cache", "-p:PipelineImageWorkingDirectory=/opt/step", "-p:PipelineImageNoCache=true");
            await BuildBaseAsync(baseName, "1", "another build of the same tag");
            await PublishAsync("a new base image id", "-p:PipelineImageWorkingDirectory=/opt/step");

            Assert.Equal(ids.Count, ids.Distinct().Count());
        }
        finally
        {
            await Docker.RemoveRepositoryAsync(baseName);
        }
    }

    private static async Task<string> IdAsync(string reference) =>
        (await Docker.InspectImageAsync(reference))?.GetProperty("Id").GetString() ?? throw new InvalidOperationException($"No image {reference}");

    // A base image of our own, FROM the runtime stand-in, whose id a label changes.
    private static async Task BuildBaseAsync(string name, string tag, string note = "first")
    {
        var directory = Directory.CreateTempSubdirectory("pimg-base-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "Dockerfile"),
                $"FROM mcr.microsoft.com/dotnet/runtime:10.0\nLABEL org.pipelineimage.test.note=\"{note}\"\n");
            var build = await Docker.RunAsync("build", "-q", "-t", $"{name}:{tag}", directory);
            Assert.True(build.ExitCode == 0, build.ToString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
