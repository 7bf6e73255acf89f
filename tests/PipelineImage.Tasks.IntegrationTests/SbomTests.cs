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

    [EngineFact]
    public async Task APushedImageCarriesItsBillAsAnOciReferrerFoundByTheReferrersTag()
    {
        await using var project = new TestProject(feed, properties: """
            <PipelineImageSbom>true</PipelineImageSbom>
            <PipelineImageRegistry>localhost:5000</PipelineImageRegistry>
            <PipelineImagePush>true</PipelineImagePush>
            <PipelineImageTags>1.0.0</PipelineImageTags>
            """);

        var publish = await project.PublishAsync("-v:n");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        using var record = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "image.json")));
        var subject = record.RootElement.GetProperty("pushed").GetProperty($"localhost:5000/{project.ImageName}:1.0.0").GetString()!;
        Assert.Contains($"Attached the bill of materials to localhost:5000/{project.ImageName}@{subject} as the OCI referrer sha256:", publish.Output);

        // As a client of the distribution spec finds referrers on a registry without the referrers API: the tag of the
        // subject's digest holds an index of them; the CycloneDX one's layer is the bill.
        using var http = new HttpClient { BaseAddress = new Uri($"http://localhost:5000/v2/{project.ImageName}/") };
        using var fallback = new HttpRequestMessage(HttpMethod.Get, $"manifests/{subject.Replace(':', '-')}");
        fallback.Headers.Accept.ParseAdd("application/vnd.oci.image.index.v1+json");
        using var index = JsonDocument.Parse(await (await http.SendAsync(fallback)).Content.ReadAsStringAsync());
        var listed = Assert.Single(index.RootElement.GetProperty("manifests").EnumerateArray());
        Assert.Equal("application/vnd.cyclonedx+json", listed.GetProperty("artifactType").GetString());
        using var get = new HttpRequestMessage(HttpMethod.Get, $"manifests/{listed.GetProperty("digest").GetString()}");
        get.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        using var artifact = JsonDocument.Parse(await (await http.SendAsync(get)).Content.ReadAsStringAsync());
        Assert.Equal(subject, artifact.RootElement.GetProperty("subject").GetProperty("digest").GetString());
        var bill = await http.GetByteArrayAsync($"blobs/{artifact.RootElement.GetProperty("layers")[0].GetProperty("digest").GetString()}");
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(project.OutputDirectory, "sbom.cdx.json")), bill);
        await Docker.RunAsync("image", "rm", $"localhost:5000/{project.ImageName}:1.0.0");
    }

    private static async Task<List<string>> AllContainersAsync() =>
        (await Docker.RunAsync("ps", "--all", "--quiet", "--no-trunc")).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Order(StringComparer.Ordinal).ToList();
}
