using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using PipelineImage.Assembling;
using PipelineImage.Naming;

namespace PipelineImage.Tests.Assembling;

public sealed class OciLayoutWriterTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pimg-oci-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task AnEnginesDockerArchiveBecomesALayoutOfOneImageNamedWithTheFirstReferenceReproducibly()
    {
        Directory.CreateDirectory(Path.Combine(_root, "one"));
        File.WriteAllText(Path.Combine(_root, "cfg.json"), """{"architecture":"amd64","os":"linux"}""");
        File.WriteAllText(Path.Combine(_root, "one", "layer.tar"), "layer bytes");
        File.WriteAllText(Path.Combine(_root, "manifest.json"), """[{"Config":"cfg.json","RepoTags":["a:1"],"Layers":["one/layer.tar","one/layer.tar"]}]""");
        var (config, layers) = OciLayoutWriter.FromDockerArchive(_root);

        var (archive, digest) = await WriteAsync(config, layers);

        var files = await ReadAsync(archive);
        Assert.Equal(["oci-layout", "index.json", "blobs/", "blobs/sha256/", BlobName(digest), BlobName(config.Descriptor.Digest), BlobName(layers[0].Descriptor.Digest)],
            files.Keys);
        Assert.Equal("""{"imageLayoutVersion":"1.0.0"}""", files["oci-layout"]);
        using var index = JsonDocument.Parse(files["index.json"]);
        var entry = Assert.Single(index.RootElement.GetProperty("manifests").EnumerateArray());
        Assert.Equal(digest, entry.GetProperty("digest").GetString());
        Assert.Equal("localhost:5000/app:1.0.0", entry.GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString());
        Assert.Equal("localhost:5000/app:1.0.0", entry.GetProperty("annotations").GetProperty("io.containerd.image.name").GetString());
        Assert.Equal(LayerWriter.DigestOf(Encoding.UTF8.GetBytes(files[BlobName(digest)])), digest);
        using var manifest = JsonDocument.Parse(files[BlobName(digest)]);
        Assert.Equal(MediaTypes.OciConfig, manifest.RootElement.GetProperty("config").GetProperty("mediaType").GetString());
        Assert.Equal([MediaTypes.OciUncompressedLayer, MediaTypes.OciUncompressedLayer],
            manifest.RootElement.GetProperty("layers").EnumerateArray().Select(layer => layer.GetProperty("mediaType").GetString()));
        Assert.Equal("layer bytes", files[BlobName(layers[0].Descriptor.Digest)]);
        Assert.Equal(archive, (await WriteAsync(config, layers)).Archive);
    }

    [Fact]
    public async Task DockerMediaTypesBecomeOciOnesAndAFetchedBlobIsReleasedOnceWritten()
    {
        var configPath = Path.Combine(_root, "config");
        File.WriteAllText(configPath, "{}");
        var fetchedPath = Path.Combine(_root, "fetched");
        File.WriteAllText(fetchedPath, "gzip bytes");
        var released = new List<string>();
        var config = OciLayoutWriter.Blob.File(new Descriptor(MediaTypes.DockerConfig, LayerWriter.DigestOf("{}"u8), 2), configPath);
        var layer = new OciLayoutWriter.Blob(new Descriptor(MediaTypes.DockerLayer, LayerWriter.DigestOf("gzip bytes"u8), 10),
            _ => Task.FromResult(fetchedPath), released.Add);

        var (archive, digest) = await WriteAsync(config, [layer]);

        using var manifest = JsonDocument.Parse((await ReadAsync(archive))[BlobName(digest)]);
        Assert.Equal(MediaTypes.OciManifest, manifest.RootElement.GetProperty("mediaType").GetString());
        Assert.Equal(MediaTypes.OciLayer, manifest.RootElement.GetProperty("layers")[0].GetProperty("mediaType").GetString());
        Assert.Equal([fetchedPath], released);
    }

    [Fact]
    public void AnArchiveThatNamesAFileOutsideItOrNoImageIsRefused()
    {
        File.WriteAllText(Path.Combine(_root, "manifest.json"), """[{"Config":"../cfg.json","Layers":[]}]""");
        Assert.Throws<InvalidDataException>(() => OciLayoutWriter.FromDockerArchive(_root));

        File.WriteAllText(Path.Combine(_root, "manifest.json"), "[]");
        Assert.Throws<InvalidDataException>(() => OciLayoutWriter.FromDockerArchive(_root));
    }

    private static string BlobName(string digest) => "blobs/sha256/" + digest["sha256:".Length..];

    private static async Task<(byte[] Archive, string Digest)> WriteAsync(OciLayoutWriter.Blob config, IReadOnlyList<OciLayoutWriter.Blob> layers)
    {
        using var stream = new MemoryStream();
        var digest = await OciLayoutWriter.WriteAsync(config, layers, new ImageReference("localhost:5000/app", "1.0.0"), stream, CancellationToken.None);
        return (stream.ToArray(), digest);
    }

    private static async Task<Dictionary<string, string>> ReadAsync(byte[] archive)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = new TarReader(new MemoryStream(archive));
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            files.Add(entry.Name, entry.DataStream is null ? "" : await new StreamReader(entry.DataStream).ReadToEndAsync());
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1), entry.ModificationTime);
        }

        return files;
    }
}
