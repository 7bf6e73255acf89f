using System.Text.Json;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// PipelineImageArchiveOutputPath end to end: the archive a publish writes loads into the engine with every tag and
/// runs, and an unchanged publish leaves it alone. In process and through the tool. An OCI layout loads into Docker's
/// graph-driver store (through its manifest.json) and into Podman.
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

    [PodmanFact]
    public async Task AnOciLayoutOfAnEngineBuildLoadsIntoPodmanAndTheFormatIsChecked()
    {
        await using var project = new TestProject(feed,
            properties: "<PipelineImageRegistry>localhost:5000</PipelineImageRegistry><PipelineImageArchiveOutputPath>artifacts/app.oci.tar</PipelineImageArchiveOutputPath><PipelineImageArchiveFormat>oci</PipelineImageArchiveFormat>",
            program: """Console.WriteLine("loaded from the layout");""");
        var archive = Path.Combine(project.Directory, "artifacts", "app.oci.tar");
        var name = $"localhost:5000/{project.ImageName}";

        var publish = await project.PublishAsync("-v:n");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains($"Saved {name}:1.0.0 (sha256:", publish.Output);
        Assert.Contains("an OCI image layout)", publish.Output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(project.OutputDirectory, ".save.*"));
        using (var record = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "image.json"))))
        {
            Assert.Equal("oci", record.RootElement.GetProperty("archiveFormat").GetString());
        }

        // Docker's graph-driver store (Docker 20.10 here, Docker 25-28's default) reads the layout's manifest.json.
        var graphDriver = EngineUnderTest.Docker20.Cli;
        try
        {
            var dockerLoad = await graphDriver.RunAsync("load", "--input", archive);
            Assert.True(dockerLoad.ExitCode == 0, dockerLoad.ToString());
            Assert.Equal("loaded from the layout", (await graphDriver.RunImageAsync($"{name}:1.0.0")).Output.Trim());
            Assert.Equal("loaded from the layout", (await graphDriver.RunImageAsync($"{name}:latest")).Output.Trim());
        }
        finally
        {
            await graphDriver.RunAsync("image", "rm", $"{name}:1.0.0", $"{name}:latest");
        }

        try
        {
            var load = await Podman.RunAsync("load", "--input", archive);
            Assert.True(load.ExitCode == 0, load.ToString());
            Assert.Contains($"Loaded image: {name}:1.0.0", load.Output);
            Assert.Equal("loaded from the layout", (await Podman.RunImageAsync($"{name}:1.0.0")).Output.Trim());
        }
        finally
        {
            await Podman.RunAsync("image", "rm", $"{name}:1.0.0");
        }

        // The format is part of what the archive is: another one is written again; an unknown one is PIMG2041.
        var docker = await project.PublishAsync("-v:n", "-p:PipelineImageArchiveFormat=docker");
        Assert.True(docker.ExitCode == 0, docker.ToString());
        Assert.Contains("a docker-archive)", docker.Output);

        var wrong = await project.PublishAsync("-p:PipelineImageArchiveFormat=zip");
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("error PIMG2041: PipelineImageArchiveFormat is 'zip'.", wrong.Output);
    }
}
