using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using PipelineImage.Assembling;
using PipelineImage.Naming;
using PipelineImage.Registry;

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
        Assert.Equal(["oci-layout", "index.json", "manifest.json", "blobs/", "blobs/sha256/", BlobName(digest), BlobName(config.Descriptor.Digest),
            BlobName(layers[0].Descriptor.Digest)], files.Keys);
        Assert.Equal("""{"imageLayoutVersion":"1.0.0"}""", files["oci-layout"]);
        using var index = JsonDocument.Parse(files["index.json"]);
        var entry = Assert.Single(index.RootElement.GetProperty("manifests").EnumerateArray());
        Assert.Equal(digest, entry.GetProperty("digest").GetString());
        Assert.Equal("localhost:5000/app:1.0.0", entry.GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString());
        Assert.Equal("localhost:5000/app:1.0.0", entry.GetProperty("annotations").GetProperty("io.containerd.image.name").GetString());
        Assert.Equal(ContentDigest.Of(Encoding.UTF8.GetBytes(files[BlobName(digest)])), digest);
        using var manifest = JsonDocument.Parse(files[BlobName(digest)]);
        Assert.Equal(MediaTypes.OciConfig, manifest.RootElement.GetProperty("config").GetProperty("mediaType").GetString());
        Assert.Equal([MediaTypes.OciUncompressedLayer, MediaTypes.OciUncompressedLayer],
            manifest.RootElement.GetProperty("layers").EnumerateArray().Select(layer => layer.GetProperty("mediaType").GetString()));
        Assert.Equal("layer bytes", files[BlobName(layers[0].Descriptor.Digest)]);
        Assert.Equal(archive, (await WriteAsync(config, layers)).Archive);
    }

    [Fact]
    public async Task ManifestJsonNamesTheSameBlobsWithEveryReferenceAsDockerSaveWritesIt()
    {
        File.WriteAllText(Path.Combine(_root, "cfg.json"), "{}");
        File.WriteAllText(Path.Combine(_root, "a.tar"), "a");
        File.WriteAllText(Path.Combine(_root, "b.tar"), "b");
        File.WriteAllText(Path.Combine(_root, "manifest.json"), """[{"Config":"cfg.json","Layers":["a.tar","b.tar"]}]""");
        var (config, layers) = OciLayoutWriter.FromDockerArchive(_root);

        using var stream = new MemoryStream();
        await OciLayoutWriter.WriteAsync(config, layers, [new ImageReference("app", "1.0.0"), new ImageReference("localhost:5001/app", "latest")],
            stream, CancellationToken.None);

        var files = await ReadAsync(stream.ToArray());
        using var manifest = JsonDocument.Parse(files["manifest.json"]);
        var image = Assert.Single(manifest.RootElement.EnumerateArray());
        Assert.Equal(BlobName(config.Descriptor.Digest), image.GetProperty("Config").GetString());
        Assert.Equal(["app:1.0.0", "localhost:5001/app:latest"], image.GetProperty("RepoTags").EnumerateArray().Select(tag => tag.GetString()));
        Assert.Equal(layers.Select(layer => BlobName(layer.Descriptor.Digest)), image.GetProperty("Layers").EnumerateArray().Select(layer => layer.GetString()));
        Assert.All(image.GetProperty("Layers").EnumerateArray(), layer => Assert.True(files.ContainsKey(layer.GetString()!)));
        using var index = JsonDocument.Parse(files["index.json"]);
        var annotations = Assert.Single(index.RootElement.GetProperty("manifests").EnumerateArray()).GetProperty("annotations");
        Assert.Equal("app:1.0.0", annotations.GetProperty("org.opencontainers.image.ref.name").GetString());
        // Docker's containerd store names the loaded image with this one as it is.
        Assert.Equal("docker.io/library/app:1.0.0", annotations.GetProperty("io.containerd.image.name").GetString());
    }

    [Fact]
    public void TheLayersOfAContainerdStoresSaveKeepTheCompressionTheyHave()
    {
        // The containerd image store saves BuildKit's layers gzip (or zstd) as its content store holds them.
        using (var gzip = new System.IO.Compression.GZipStream(File.Create(Path.Combine(_root, "gzip")), System.IO.Compression.CompressionLevel.Fastest))
        {
            gzip.Write("tar bytes"u8);
        }

        File.WriteAllBytes(Path.Combine(_root, "zstd"), [0x28, 0xb5, 0x2f, 0xfd, 0x00]);
        File.WriteAllText(Path.Combine(_root, "plain"), "tar bytes");
        File.WriteAllBytes(Path.Combine(_root, "short"), [0x1f]);
        File.WriteAllText(Path.Combine(_root, "cfg.json"), "{}");
        File.WriteAllText(Path.Combine(_root, "manifest.json"), """[{"Config":"cfg.json","Layers":["gzip","zstd","plain","short"]}]""");

        var (config, layers) = OciLayoutWriter.FromDockerArchive(_root);

        Assert.Equal(MediaTypes.OciConfig, config.Descriptor.MediaType);
        Assert.Equal([MediaTypes.OciLayer, MediaTypes.OciZstdLayer, MediaTypes.OciUncompressedLayer, MediaTypes.OciUncompressedLayer],
            layers.Select(layer => layer.Descriptor.MediaType));
        var gzipBytes = File.ReadAllBytes(Path.Combine(_root, "gzip"));
        Assert.Equal((ContentDigest.Of(gzipBytes), (long)gzipBytes.Length), (layers[0].Descriptor.Digest, layers[0].Descriptor.Size));
    }

    [Fact]
    public async Task DockerMediaTypesBecomeOciOnesAndAFetchedBlobIsReleasedOnceWritten()
    {
        var configPath = Path.Combine(_root, "config");
        File.WriteAllText(configPath, "{}");
        var fetchedPath = Path.Combine(_root, "fetched");
        File.WriteAllText(fetchedPath, "gzip bytes");
        var released = new List<string>();
        var config = OciLayoutWriter.Blob.File(new Descriptor(MediaTypes.DockerConfig, ContentDigest.Of("{}"u8), 2), configPath);
        var layer = new OciLayoutWriter.Blob(new Descriptor(MediaTypes.DockerLayer, ContentDigest.Of("gzip bytes"u8), 10),
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
        var digest = await OciLayoutWriter.WriteAsync(config, layers, [new ImageReference("localhost:5000/app", "1.0.0")], stream, CancellationToken.None);
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
