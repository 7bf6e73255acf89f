using System.Text.Json;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// PipelineImageSbom=true end to end: the bill of materials of a project with a NuGet package, an OS package and a pip
/// package lists all three (and the base's OS packages), with nothing left behind on the engine.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class SbomTests(PackageFeed feed)
{
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
        var containers = await AllContainersAsync();

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

        Assert.Equal(containers, await AllContainersAsync());
        var again = await project.PublishAsync("-v:n");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("sbom.cdx.json describes sha256:", again.Output);
    }

    private static async Task<List<string>> AllContainersAsync() =>
        (await Docker.RunAsync("ps", "--all", "--quiet", "--no-trunc")).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Order(StringComparer.Ordinal).ToList();
}
