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
}
