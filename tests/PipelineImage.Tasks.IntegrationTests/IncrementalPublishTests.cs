using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// With the engine's builder building the whole Dockerfile (here BuildKit, on a parent Dockerfile), a publish with
/// nothing changed asks the engine for no build: the content key (plan.json's inputs and the base image's id) is a
/// label on the image, and an image that carries it is the image. (The default's own no-op and rebuilds, and a
/// requirements base's content key: <see cref="EngineBaseTests"/>; a new base image id: EngineTaskTests.)
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class IncrementalPublishTests(PackageFeed feed)
{
    private const string NoBuild = "is up to date: the engine has ";

    // The engine's BuildKit builds the whole Dockerfile of a parent Dockerfile's image, by content key.
    private const string EngineBuilder = "<PipelineImageBuilder>buildkit</PipelineImageBuilder>" + TestSources.BaseOnlyParent;

    [EngineFact]
    public async Task AnUnchangedPublishBuildsNothingAndARemovedTagIsPutBackWithoutABuild()
    {
        await using var project = new TestProject(feed, properties: $"<Version>1.0.0</Version>{EngineBuilder}");
        await TestSources.WriteBaseOnlyParentAsync(project.Directory);
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
    public async Task ACodeChangeAPropertyAndPipelineImageNoCacheEachRebuild()
    {
        await using var project = new TestProject(feed, properties: EngineBuilder);
        await TestSources.WriteBaseOnlyParentAsync(project.Directory);
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

        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    private static async Task<string> IdAsync(string reference) =>
        (await Docker.InspectImageAsync(reference))?.GetProperty("Id").GetString() ?? throw new InvalidOperationException($"No image {reference}");
}
