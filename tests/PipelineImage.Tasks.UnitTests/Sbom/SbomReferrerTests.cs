using System.Text;
using System.Text.Json;
using PipelineImage.Registry;
using PipelineImage.Sbom;
using PipelineImage.Tests.Registry;

namespace PipelineImage.Tests.Sbom;

public sealed class SbomReferrerTests
{
    [Fact]
    public async Task TheBillIsAnArtifactWhoseSubjectIsTheImageAndTheFallbackTagListsItOnce()
    {
        var registry = new InMemoryRegistry();
        var image = Encoding.UTF8.GetBytes("""{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json"}""");
        var subject = InMemoryRegistry.Digest(image);
        registry.Manifests[$"team/app:{subject}"] = ("application/vnd.docker.distribution.manifest.v2+json", image);
        using var client = new RegistryClient("registry.test", null, _ => { }, [], registry);
        var sbom = """{"bomFormat":"CycloneDX"}"""u8.ToArray();

        var referrer = await SbomReferrer.AttachAsync(client, "team/app", subject, sbom, CancellationToken.None);
        var again = await SbomReferrer.AttachAsync(client, "team/app", subject, sbom, CancellationToken.None);

        Assert.Equal(referrer, again);
        using var artifact = JsonDocument.Parse(registry.Manifests[$"team/app:{referrer}"].Bytes);
        Assert.Equal(SbomReferrer.ArtifactType, artifact.RootElement.GetProperty("artifactType").GetString());
        Assert.Equal(subject, artifact.RootElement.GetProperty("subject").GetProperty("digest").GetString());
        Assert.Equal(image.Length, artifact.RootElement.GetProperty("subject").GetProperty("size").GetInt32());
        Assert.Equal(sbom, registry.Blobs[$"team/app@{artifact.RootElement.GetProperty("layers")[0].GetProperty("digest").GetString()}"]);
        // oras pull writes a layer only when it has a title.
        Assert.Equal("sbom.cdx.json", artifact.RootElement.GetProperty("layers")[0].GetProperty("annotations").GetProperty("org.opencontainers.image.title").GetString());
        Assert.Equal("{}"u8.ToArray(), registry.Blobs[$"team/app@{artifact.RootElement.GetProperty("config").GetProperty("digest").GetString()}"]);

        var (type, bytes) = registry.Manifests[$"team/app:{subject.Replace(':', '-')}"];
        Assert.Equal("application/vnd.oci.image.index.v1+json", type);
        using var index = JsonDocument.Parse(bytes);
        var listed = Assert.Single(index.RootElement.GetProperty("manifests").EnumerateArray());
        Assert.Equal((referrer, SbomReferrer.ArtifactType), (listed.GetProperty("digest").GetString(), listed.GetProperty("artifactType").GetString()));
    }

    [Fact]
    public void TheFallbackIndexKeepsWhatOtherToolsListed()
    {
        var other = """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:sig","size":1,"artifactType":"application/vnd.dev.cosign.artifact.sig.v1+json"}]}"""u8.ToArray();

        var index = SbomReferrer.Index(other, new PipelineImage.Registry.Descriptor("application/vnd.oci.image.manifest.v1+json", "sha256:bom", 2));

        using var document = JsonDocument.Parse(index);
        Assert.Equal(["sha256:sig", "sha256:bom"], document.RootElement.GetProperty("manifests").EnumerateArray().Select(m => m.GetProperty("digest").GetString()));
    }
}
