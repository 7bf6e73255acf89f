using System.IO.Compression;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// The packed tasks/net472/ assembly loaded by a .NET Framework program under Mono (Debian's mono-runtime), with the
/// net472 MSBuild utilities, as Visual Studio's MSBuild would load it, running its ToolTask against the packed tool.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class MonoTests(PackageFeed feed) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pimg-mono-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [MonoFact]
    public async Task TheToolTaskRunsUnderMonoAndBringsBackTheToolsErrorWithItsCodeAndPosition()
    {
        var (host, tool) = Unpack();

        var run = await ProcessRunner.RunAsync("mono", [host, DotNetHost, tool, Path.Combine(_directory, "no-image.json")], _directory);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("runtime: Mono", run.Output);
        Assert.Contains($"error PIMG4003 at /mono/App.csproj(7,5): There is no built image to push: {Path.Combine(_directory, "no-image.json")} does not exist.", run.Output);
        Assert.Contains("succeeded: False", run.Output);
    }

    [MonoFact]
    public async Task TheToolTaskRunsUnderMonoAndBringsBackTheToolsOutputs()
    {
        var (host, tool) = Unpack();
        // An image the engine holds, as a build leaves it: the push goes through the engine to the loopback registry.
        var name = $"localhost:5000/pimg-mono-{Guid.NewGuid():N}"[..40];
        var id = (await Docker.InspectImageAsync("mcr.microsoft.com/dotnet/runtime-deps:10.0"))!.Value.GetProperty("Id").GetString()!;
        Assert.Equal(0, (await Docker.RunAsync("tag", id, $"{name}:1.0.0")).ExitCode);
        try
        {
            var record = Path.Combine(_directory, "image.json");
            await File.WriteAllTextAsync(record, $$"""{ "name": "{{name}}", "tags": ["1.0.0"], "imageId": "{{id}}" }""");

            var run = await ProcessRunner.RunAsync("mono", [host, DotNetHost, tool, record], _directory,
                new Dictionary<string, string?> { ["DOCKER_HOST"] = EngineUnderTest.Default.Socket });

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains($"message High: Pushed {name}:1.0.0 (sha256:", run.Output);
            Assert.Contains("succeeded: True", run.Output);
            Assert.Matches($"pushed: {System.Text.RegularExpressions.Regex.Escape(name)}:1\\.0\\.0 sha256:[0-9a-f]{{64}}", run.Output);
            Assert.Contains("yield", run.Output);
        }
        finally
        {
            await Docker.RunAsync("image", "rm", $"{name}:1.0.0");
        }
    }

    private static string DotNetHost => Environment.ProcessPath!;

    // The host program with the package's own tasks/net472/ assembly in place of the one it was built with, and the
    // package's tool.
    private (string Host, string Tool) Unpack()
    {
        var hostBuild = Path.Combine(PackageFeed.RepositoryRoot, "tests", "PipelineImage.Tasks.MonoHost", "bin", "Release", "net472");
        var host = Path.Combine(_directory, "host");
        foreach (var file in Directory.EnumerateFiles(hostBuild))
        {
            Directory.CreateDirectory(host);
            File.Copy(file, Path.Combine(host, Path.GetFileName(file)));
        }

        var package = Path.Combine(_directory, "package");
        ZipFile.ExtractToDirectory(Path.Combine(feed.FeedDirectory, $"PipelineImage.Tasks.{feed.Version}.nupkg"), package);
        File.Copy(Path.Combine(package, "tasks", "net472", "PipelineImage.ToolTasks.dll"), Path.Combine(host, "PipelineImage.ToolTasks.dll"), overwrite: true);
        return (Path.Combine(host, "PipelineImage.Tasks.MonoHost.exe"), Path.Combine(package, "tool", "PipelineImage.Tool.dll"));
    }
}
