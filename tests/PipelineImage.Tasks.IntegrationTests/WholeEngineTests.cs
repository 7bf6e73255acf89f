using System.Text.Json;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// What a publish leaves on the engine, checked against the engine's whole list of images or containers before and
/// after: a step cut off by Ctrl+C, the bill of materials, the classic builder's intermediate images of a failed build.
/// These run alone, after the lanes (<see cref="WholeEngineCollection"/>), so that no other test's build adds to the lists.
/// </summary>
[Collection(WholeEngineCollection.Name)]
public sealed class WholeEngineTests(PackageFeed feed)
{
    [EngineFact]
    public async Task CtrlCDuringALongRunStepEndsTheToolItsStepAndItsImagesWithinSecondsAndTheNextPublishWorks()
    {
        const int seconds = 313;
        await using var project = new TestProject(feed,
            properties: $"<PipelineImageOutOfProcess>true</PipelineImageOutOfProcess><PipelineImageNetwork>none</PipelineImageNetwork><PipelineImageParentDockerfile>Parent.Dockerfile</PipelineImageParentDockerfile><PipelineImageWorkingDirectory>/w{Guid.NewGuid():N}</PipelineImageWorkingDirectory>");
        await File.WriteAllTextAsync(Path.Combine(project.Directory, "Parent.Dockerfile"),
            $"FROM mcr.microsoft.com/dotnet/runtime:10.0\nRUN mkdir /pimg-{Guid.NewGuid():N}\nRUN echo pimg-$((0+{seconds}))-started && sleep {seconds}\n");
        var before = await AllImagesAsync(Docker);
        var containers = await AllContainersAsync(Docker);

        var interrupted = await project.PublishAndInterruptAsync($"pimg-{seconds}-started", "-v:n");

        Assert.NotEqual(0, interrupted.ExitCode);
        Assert.True(interrupted.AfterInterrupt < TimeSpan.FromSeconds(15), $"{interrupted.AfterInterrupt}\n{interrupted}");
        Assert.Contains("BuildPipelineImage was canceled", interrupted.Output);
        Assert.DoesNotContain("MSB4018", interrupted.Output);
        Assert.DoesNotContain("PIMG0004", interrupted.Output);
        Assert.False(await ProcessRunner.IsRunningAsync("PipelineImage.Tool.dll"), "the tool still runs after the publish ended");
        Assert.True(await ProcessRunner.StepEndsAsync(seconds), $"sleep {seconds} still runs after the publish ended");
        Assert.Equal(containers, await AllContainersAsync(Docker));
        Assert.True(before.SequenceEqual(await AllImagesAsync(Docker)), interrupted.ToString());
        Assert.Empty(Directory.EnumerateFiles(project.OutputDirectory, "*.partial"));

        await File.WriteAllTextAsync(Path.Combine(project.Directory, "Parent.Dockerfile"), "FROM mcr.microsoft.com/dotnet/runtime:10.0\nRUN true\n");
        var again = await project.PublishAsync();
        Assert.True(again.ExitCode == 0, again.ToString());
    }

    [EngineTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheBillListsTheNuGetOsAndPipPackagesOfTheImage(bool outOfProcess)
    {
        await using var index = new LocalPackageIndex(("pimg-demo", "1.0.0", "GREETING = 'listed'\n"));
        await using var project = new TestProject(feed,
            properties: (outOfProcess ? "<PipelineImageOutOfProcess>true</PipelineImageOutOfProcess>" : "") + $"""
                <PipelineImageSbom>true</PipelineImageSbom>
                <PipelineImageNetwork>host</PipelineImageNetwork>
                <PipelineImagePipIndexUrl>{index.Url}</PipelineImagePipIndexUrl>
                """,
            items: """
                <PackageReference Include="Newtonsoft.Json" Version="13.0.3" />
                <PipelineRequirement Include="jq" />
                <PipelineRequirement Include="pimg-demo" Version="1.0.0" Manager="pip" />
                """,
            program: """Console.WriteLine(Newtonsoft.Json.JsonConvert.SerializeObject(new { step = "sbom" }));""");
        var containers = await AllContainersAsync(Docker);

        var publish = await project.PublishAsync("-v:n");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        var sbom = Path.Combine(project.OutputDirectory, "sbom.cdx.json");
        var wrote = publish.Output.Split('\n').FirstOrDefault(line => line.Contains("Wrote the bill of materials", StringComparison.Ordinal)) ?? publish.Output;
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(wrote, $"Wrote the bill of materials of {project.ImageName} to .*sbom.cdx.json: 1 NuGet, [0-9]+ OS and [0-9]+ pip package"), wrote);
        using (var document = JsonDocument.Parse(await File.ReadAllTextAsync(sbom)))
        {
            var purls = document.RootElement.GetProperty("components").EnumerateArray().Select(c => c.GetProperty("purl").GetString()!).ToList();
            Assert.Contains("pkg:nuget/Newtonsoft.Json@13.0.3", purls);
            Assert.Contains(purls, purl => purl.StartsWith("pkg:deb/debian/jq@", StringComparison.Ordinal));
            Assert.Contains(purls, purl => purl.StartsWith("pkg:deb/debian/python3@", StringComparison.Ordinal));
            Assert.Contains("pkg:pypi/pimg-demo@1.0.0", purls);
            Assert.Contains(purls, purl => purl.StartsWith("pkg:pypi/pip@", StringComparison.Ordinal)); // the venv's own
            Assert.DoesNotContain(purls, purl => purl.Contains("PipelineImage.Tasks", StringComparison.Ordinal));
            var image = (await Docker.InspectImageAsync($"{project.ImageName}:latest"))!.Value.GetProperty("Id").GetString();
            Assert.Equal(image, document.RootElement.GetProperty("metadata").GetProperty("component").GetProperty("version").GetString());
        }

        Assert.Equal(containers, await AllContainersAsync(Docker));
        var again = await project.PublishAsync("-v:n");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("sbom.cdx.json describes sha256:", again.Output);
    }

    [EngineFact]
    public async Task AFailedBuildRemovesTheIntermediateImagesItCreatedAndOnlyThose()
    {
        // A working directory no other build has: its WORKDIR step commits a new image before the RUN step fails.
        await using var project = new TestProject(feed,
            properties: $"<PipelineImageNetwork>host</PipelineImageNetwork><PipelineImageWorkingDirectory>/w{Guid.NewGuid():N}</PipelineImageWorkingDirectory>",
            items: """<PipelineRequirement Include="pimg-no-such-package" />""");
        var engine = EngineUnderTest.Docker20;
        var before = await AllImagesAsync(engine.Cli);

        var publish = await project.PublishAsync("-v:n", $"-p:PipelineImageDockerHost={engine.Socket}");

        Assert.NotEqual(0, publish.ExitCode);
        Assert.Contains("error PIMG1003: ", publish.Output);
        Assert.Matches(@"Removed [1-9][0-9]* of the [1-9][0-9]* intermediate image\(s\) the failed build created", publish.Output);
        Assert.Equal(before, await AllImagesAsync(engine.Cli));
    }

    private static async Task<List<string>> AllImagesAsync() =>
        Lines((await Docker.RunAsync("image", "ls", "--all", "--quiet", "--no-trunc")).Output).Order(StringComparer.Ordinal).ToList();

    private static async Task<List<string>> AllImagesAsync(ContainerCli engine) =>
        Lines((await engine.RunAsync("image", "ls", "--all", "--quiet", "--no-trunc")).Output).Order(StringComparer.Ordinal).ToList();

    private static async Task<List<string>> AllContainersAsync(ContainerCli engine) =>
        Lines((await engine.RunAsync("ps", "--all", "--quiet", "--no-trunc")).Output).Order(StringComparer.Ordinal).ToList();

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
