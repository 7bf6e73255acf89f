using System.Text.Json;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// PipelineImageArchiveOutputPath end to end: the archive a publish writes loads into the engine with every tag and
/// runs, and an unchanged publish leaves it alone. In process and through the tool.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class ArchiveTests(PackageFeed feed)
{
    [EngineTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheArchiveLoadsWithEveryTagAndRunsAndAnUnchangedPublishLeavesIt(bool outOfProcess)
    {
        await using var project = new TestProject(feed,
            properties: (outOfProcess ? "<PipelineImageOutOfProcess>true</PipelineImageOutOfProcess>" : "")
                        + "<PipelineImageRegistry>localhost:5000</PipelineImageRegistry><PipelineImageArchiveOutputPath>artifacts/</PipelineImageArchiveOutputPath>",
            program: """Console.WriteLine("loaded from the archive");""");
        var archive = Path.Combine(project.Directory, "artifacts", project.ImageName + ".tar.gz");
        var name = $"localhost:5000/{project.ImageName}";

        var publish = await project.PublishAsync("-v:n");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains($"Saved {name}:1.0.0, {name}:latest (sha256:", publish.Output);
        Assert.Contains($"to {archive} (", publish.Output);
        using (var record = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "image.json"))))
        {
            Assert.Equal(archive, record.RootElement.GetProperty("archive").GetString());
        }

        var written = File.GetLastWriteTimeUtc(archive);
        var again = await project.PublishAsync("-v:n");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains($"{archive} holds sha256:", again.Output);
        Assert.Equal(written, File.GetLastWriteTimeUtc(archive));

        var id = (await Docker.InspectImageAsync($"{name}:1.0.0"))!.Value.GetProperty("Id").GetString()!;
        await Docker.RunAsync("image", "rm", "--force", id);
        Assert.Null(await Docker.InspectImageAsync($"{name}:latest"));
        var load = await Docker.RunAsync("load", "--input", archive);
        Assert.True(load.ExitCode == 0, load.ToString());
        Assert.Equal(id, (await Docker.InspectImageAsync($"{name}:latest"))!.Value.GetProperty("Id").GetString());
        Assert.Equal("loaded from the archive", (await Docker.RunImageAsync($"{name}:1.0.0")).Output.Trim());
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(archive)!, "*.partial"));
    }
}
