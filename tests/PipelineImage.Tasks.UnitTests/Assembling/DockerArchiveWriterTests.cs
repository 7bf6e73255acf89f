using System.Formats.Tar;
using System.Text;
using PipelineImage.Assembling;
using PipelineImage.Naming;
using PipelineImage.Registry;

namespace PipelineImage.Tests.Assembling;

public sealed class DockerArchiveWriterTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pimg-assembled-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task TheArchiveHasTheConfigEveryLayerInOrderAndAManifestWithEveryTag()
    {
        var config = Blob("""{"rootfs":{}}""");
        var ours = Blob("our layer");
        var baseLayer = ContentDigest.Of("base layer"u8);
        var manifest = Blob($$"""{"config":{"digest":"{{config}}"},"layers":[{"digest":"{{baseLayer}}"},{"digest":"{{ours}}"}]}""");
        var record = new AssemblyRecord(new RepositoryName("localhost:5000", "dotnet/runtime"), "sha256:base", MediaTypes.DockerManifest, manifest, config, []);
        var fetched = new List<string>();

        using var archive = new MemoryStream();
        await DockerArchiveWriter.WriteAsync(_directory, record, [new ImageReference("app", "1.0.0"), new ImageReference("localhost:5000/app", "1.0.0")],
            async (digest, _) =>
            {
                var file = Path.Combine(_directory, ".fetched.tmp");
                await File.WriteAllTextAsync(file, "base layer");
                fetched.Add(digest);
                return file;
            }, archive, CancellationToken.None);

        archive.Position = 0;
        using var reader = new TarReader(archive);
        var entries = new Dictionary<string, string>();
        while (reader.GetNextEntry() is { } entry)
        {
            entries[entry.Name] = new StreamReader(entry.DataStream!).ReadToEnd();
        }

        Assert.Equal([baseLayer], fetched);
        Assert.False(File.Exists(Path.Combine(_directory, ".fetched.tmp")));
        Assert.Equal("base layer", entries[$"{baseLayer[7..]}.tar.gz"]);
        Assert.Equal("our layer", entries[$"{ours[7..]}.tar.gz"]);
        Assert.Equal(
            $$"""[{"Config":"{{config[7..]}}.json","RepoTags":["app:1.0.0","localhost:5000/app:1.0.0"],"Layers":["{{baseLayer[7..]}}.tar.gz","{{ours[7..]}}.tar.gz"]}]""",
            entries["manifest.json"]);
    }

    private string Blob(string text) => Tests.Assembling.AssembledBlobs.Write(_directory, text);
}
