using System.Text.Json;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// PipelineImageOutOfProcess=true: the path of Visual Studio's MSBuild (the ToolTasks of tasks/net472/ running the
/// tool with dotnet), taken here by the SDK's MSBuild, end to end: requirements, push, an error with its code, and
/// Ctrl+C in a long step.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class OutOfProcessTests(PackageFeed feed) : IDisposable
{
    private const string OutOfProcess = "<PipelineImageOutOfProcess>true</PipelineImageOutOfProcess>";

    // The ToolTask's request files go to the temporary directory (pipelineimage-*): this one, to see that none is left behind.
    private readonly string _temp = Directory.CreateTempSubdirectory("pimg-oop-tmp-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private Dictionary<string, string?> Environment(params (string Name, string Value)[] more)
    {
        var environment = new Dictionary<string, string?> { ["TMPDIR"] = _temp };
        foreach (var (name, value) in more)
        {
            environment[name] = value;
        }

        return environment;
    }

    [EngineFact]
    public async Task TheToolBuildsOsAndPipRequirementsAndTheNextPublishIsUpToDate()
    {
        await using var index = new LocalPackageIndex(("pimg-demo", "1.0.0", "GREETING = 'hello from the tool'\n"));
        await using var project = new TestProject(feed,
            properties: OutOfProcess + $"""
                <PipelineImageNetwork>host</PipelineImageNetwork>
                <PipelineImagePipIndexUrl>{index.Url}</PipelineImagePipIndexUrl>
                """,
            items: """
                <PipelineRequirement Include="jq" />
                <PipelineRequirement Include="pimg-demo" Version="1.0.0" Manager="pip" />
                """,
            program: TestSources.ShellingOutProgram("""
                Console.WriteLine(Run("jq", "-n", "-c", "{out: \"of process\"}"));
                Console.WriteLine(Run("python", "-c", "import pimg_demo; print(pimg_demo.GREETING)"));
                """));

        var first = await project.PublishAsync(Environment(), "-v:n");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("PipelineImage.Tool.dll run --request ", first.Output);
        Assert.Contains("PipelineImage OS packages (apt): jq python3 python3-venv", first.Output);
        Assert.Contains($"App -> {project.ImageName}:1.0.0, {project.ImageName}:latest (sha256:", first.Output);
        var run = await Docker.RunImageAsync($"{project.ImageName}:latest");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["{\"out\":\"of process\"}", "hello from the tool"], run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp, "pipelineimage-*"));

        var again = await project.PublishAsync(Environment(), "-v:n");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("is up to date", again.Output);
        Assert.Contains("No build", again.Output);
    }

    [EngineFact]
    public async Task TheToolPushesToTheAuthRegistryWithCredentialsItNeverPrints()
    {
        const string password = "pimg-loopback-test-password";
        await using var project = new TestProject(feed,
            properties: OutOfProcess + "<PipelineImageRegistry>localhost:5001</PipelineImageRegistry><PipelineImagePush>true</PipelineImagePush>",
            program: """Console.WriteLine("pushed by the tool");""");
        var binlog = Path.Combine(project.Directory, "push.binlog");

        var publish = await project.PublishAsync(
            Environment(("PIPELINEIMAGE_REGISTRY_USERNAME", "pipeline-ci"), ("PIPELINEIMAGE_REGISTRY_PASSWORD", password)), "-v:n", $"-bl:{binlog}");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        var name = $"localhost:5001/{project.ImageName}";
        Assert.Contains($"Pushed {name}:1.0.0 (sha256:", publish.Output);
        Assert.Contains("Credentials for localhost:5001: from the PIPELINEIMAGE_REGISTRY_USERNAME and PIPELINEIMAGE_REGISTRY_PASSWORD environment variables", publish.Output);
        Assert.DoesNotContain(password, publish.Output);
        Assert.DoesNotContain(password, PushTests.BinlogText(binlog));
        using var record = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "image.json")));
        Assert.StartsWith("sha256:", record.RootElement.GetProperty("pushed").GetProperty($"{name}:1.0.0").GetString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp, "pipelineimage-*"));
    }

    [EngineTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AFailedStepIsOnePimg1003InTheCanonicalFormWithTheTargetsFileAndPositionInAndOutOfProcess(bool outOfProcess)
    {
        await using var project = new TestProject(feed,
            properties: (outOfProcess ? OutOfProcess : "") + "<PipelineImageNetwork>host</PipelineImageNetwork>",
            items: """<PipelineRequirement Include="pimg-no-such-package" />""");

        var publish = await project.PublishAsync(Environment());

        Assert.NotEqual(0, publish.ExitCode);
        var errors = publish.Output.Split('\n').Select(line => line.Trim()).Where(line => line.Contains(": error ", StringComparison.Ordinal)).Distinct().ToList();
        var error = Assert.Single(errors);
        Assert.Matches(@"^/.+/build/PipelineImage\.Tasks\.targets\([0-9]+,[0-9]+\): error PIMG1003: .*pimg-no-such-package.* \[.+/App\.csproj\]$", error);
        Assert.DoesNotContain("MSB", publish.Output);
        Assert.DoesNotContain("PIMG0004", publish.Output);
    }

    [EngineTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CtrlCDuringAPushEndsItWithinSecondsLeavesNoTagAndTheNextPublishPushes(bool outOfProcess)
    {
        // 160 MiB that do not compress: the engine takes seconds to push its layer.
        await using var project = new TestProject(feed,
            properties: (outOfProcess ? OutOfProcess : "") + "<PipelineImageRegistry>localhost:5000</PipelineImageRegistry><PipelineImagePush>true</PipelineImagePush>",
            items: """<PipelineImageFile Include="weights.bin" />""");
        await using (var weights = File.Create(Path.Combine(project.Directory, "weights.bin")))
        {
            var block = new byte[1 << 20];
            for (var i = 0; i < 160; i++)
            {
                Random.Shared.NextBytes(block);
                await weights.WriteAsync(block);
            }
        }

        var interrupted = await project.PublishAndInterruptAsync(": Pushing", "-v:n");

        Assert.NotEqual(0, interrupted.ExitCode);
        Assert.True(interrupted.AfterInterrupt < TimeSpan.FromSeconds(15), $"{interrupted.AfterInterrupt}\n{interrupted}");
        Assert.Contains("PushPipelineImage was canceled", interrupted.Output);
        Assert.DoesNotContain("MSB4018", interrupted.Output);
        Assert.DoesNotContain("PIMG0004", interrupted.Output);
        Assert.False(await ProcessRunner.IsRunningAsync("PipelineImage.Tool.dll"), "the tool still runs after the publish ended");
        using (var record = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "image.json"))))
        {
            Assert.False(record.RootElement.TryGetProperty("pushed", out _), "image.json records a push that was cut off");
        }

        using var registry = new HttpClient();
        var tags = await registry.GetAsync($"http://localhost:5000/v2/{project.ImageName}/tags/list");
        Assert.True(tags.StatusCode == System.Net.HttpStatusCode.NotFound || !(await tags.Content.ReadAsStringAsync()).Contains("1.0.0", StringComparison.Ordinal),
            await tags.Content.ReadAsStringAsync());
        Assert.Empty(Directory.EnumerateFiles(project.OutputDirectory, "*.partial"));

        var again = await project.PublishAsync("-v:n");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains($"Pushed localhost:5000/{project.ImageName}:1.0.0 (sha256:", again.Output);
    }
}
