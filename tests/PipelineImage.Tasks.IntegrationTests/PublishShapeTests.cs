using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// Every publish shape the SDK offers gives an image that runs: the context is what the publish wrote (a single-file
/// bundle, a native executable), the base and the entrypoint fit the shape.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class PublishShapeTests(PackageFeed feed)
{
    private const string Program = """
        var bundled = string.IsNullOrEmpty(typeof(Marker).Assembly.Location);
        Console.WriteLine($"{System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier} bundled={bundled} dynamic={System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported}");
        sealed class Marker;
        """;

    [EngineTheory]
    [InlineData("framework-dependent", "runtime", false, "bundled=False dynamic=True")]
    [InlineData("self-contained", "runtime-deps", true, "bundled=False dynamic=True", "-r", "linux-x64", "--self-contained")]
    [InlineData("single-file", "runtime", true, "bundled=True dynamic=True", "-r", "linux-x64", "--self-contained", "false", "-p:PublishSingleFile=true")]
    [InlineData("single-file self-contained", "runtime-deps", true, "bundled=True dynamic=True", "-r", "linux-x64", "--self-contained", "-p:PublishSingleFile=true")]
    [InlineData("ReadyToRun", "runtime", false, "bundled=False dynamic=True", "-r", "linux-x64", "--self-contained", "false", "-p:PublishReadyToRun=true")]
    [InlineData("trimmed", "runtime-deps", true, "bundled=False dynamic=True", "-r", "linux-x64", "--self-contained", "-p:PublishTrimmed=true")]
    [InlineData("native AOT", "runtime-deps", true, "bundled=True dynamic=False", "-r", "linux-x64", "-p:PublishAot=true")]
    public async Task EveryPublishShapeGivesAnImageThatRuns(string shape, string baseRepository, bool apphost, string expected, params string[] arguments)
    {
        await using var project = new TestProject(feed, program: Program);

        var publish = await project.PublishAsync(arguments);

        Assert.True(publish.ExitCode == 0, $"{shape}: {publish}");
        var obj = arguments.Contains("linux-x64")
            ? Path.Combine(project.Directory, "obj", "Release", "net10.0", "linux-x64", "pipelineimage")
            : project.OutputDirectory;
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(obj, "Dockerfile"));
        Assert.Contains($"FROM mcr.microsoft.com/dotnet/{baseRepository}:10.0\n", dockerfile);
        Assert.Contains(apphost ? $"ENTRYPOINT [\"/app/{project.AssemblyName}\"]" : $"ENTRYPOINT [\"dotnet\", \"/app/{project.AssemblyName}.dll\"]", dockerfile);
        var run = await Docker.RunImageAsync($"{project.ImageName}:latest");
        Assert.True(run.ExitCode == 0, $"{shape}: {run}");
        Assert.Equal($"linux-x64 {expected}", run.Output.Trim());
    }
}
