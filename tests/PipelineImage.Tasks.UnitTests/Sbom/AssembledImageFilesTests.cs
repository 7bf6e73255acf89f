using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using PipelineImage.Assembling;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Registry;
using PipelineImage.Sbom;

namespace PipelineImage.Tests.Sbom;

public sealed class AssembledImageFilesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pimg-sbom-layers-").FullName;
    private readonly Dictionary<string, byte[]> _baseBlobs = new(StringComparer.Ordinal);
    private readonly List<string> _fetched = [];

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task TheBasesLayersAreFetchedOnceAndOnlyTheImagesLayersStayInTheCache()
    {
        var osLayer = Base(Layer(("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"), ("var/lib/dpkg/status", "Package: libc6\nStatus: install ok installed\nVersion: 2.36\n")));
        var pipLayer = Ours(Layer(("opt/venv/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA", "Name: six\nVersion: 1.16.0\n")));
        var firstApp = Ours(Layer(("app/App.dll", "one")));

        var first = await Read(osLayer, pipLayer, firstApp);
        var secondApp = Ours(Layer(("app/App.dll", "two")));
        var second = await Read(osLayer, pipLayer, secondApp);

        Assert.Equal([osLayer.Digest], _fetched);
        Assert.Equal(first, second);
        Assert.Equal(["/etc/os-release", "/opt/venv/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA", "/var/lib/dpkg/status"],
            first.Select(file => file.Path).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { osLayer, pipLayer, secondApp }.Select(layer => Hex(layer.Digest) + ".json").Order(StringComparer.Ordinal),
            Directory.EnumerateFiles(Path.Combine(_directory, "sbom")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.EnumerateFiles(_directory, ".base.*"));
    }

    [Fact]
    public async Task AnUncompressedLayerIsReadAndAZstdOneIsPimg2042NamingTheBase()
    {
        var tar = Layer(("etc/os-release", "ID=alpine\n"));
        var plain = Base(tar, MediaTypes.OciUncompressedLayer);
        Assert.Equal("ID=alpine\n", Assert.Single(await Read(plain)).Text);

        var zstd = Base(Layer(("etc/os-release", "ID=other\n")), "application/vnd.oci.image.layer.v1.tar+zstd");
        var error = await Assert.ThrowsAsync<PipelineImageException>(() => Read(zstd));

        Assert.Equal(DiagnosticCodes.LayerNotReadable, error.ResourceName);
        Assert.Contains("registry.test/base@sha256:", error.Message, StringComparison.Ordinal);
        Assert.Contains("zstd", error.Message, StringComparison.Ordinal);
    }

    private async Task<IReadOnlyList<ImageFile>> Read(params Descriptor[] layers)
    {
        var manifest = Encoding.UTF8.GetBytes("{\"layers\":[" + string.Join(',', layers.Select(layer =>
            $$"""{"mediaType":"{{layer.MediaType}}","digest":"{{layer.Digest}}","size":{{layer.Size}}}""")) + "]}");
        var manifestDigest = Store(manifest);
        var record = new AssemblyRecord(new RepositoryName("registry.test", "base"), "sha256:" + new string('b', 64), MediaTypes.OciManifest,
            manifestDigest, manifestDigest, []);
        return await AssembledImageFiles.ReadAsync(_directory, record, async (digest, token) =>
        {
            _fetched.Add(digest);
            var file = Path.Combine(_directory, $".base.{Guid.NewGuid():N}.tmp");
            await File.WriteAllBytesAsync(file, _baseBlobs[digest], token);
            return file;
        }, CancellationToken.None);
    }

    private Descriptor Ours(byte[] tar)
    {
        var gzip = Gzip(tar);
        return new Descriptor(MediaTypes.OciLayer, Store(gzip), gzip.Length);
    }

    private Descriptor Base(byte[] tar, string mediaType = MediaTypes.DockerLayer)
    {
        var blob = mediaType == MediaTypes.DockerLayer ? Gzip(tar) : tar;
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(blob));
        _baseBlobs[digest] = blob;
        return new Descriptor(mediaType, digest, blob.Length);
    }

    private string Store(byte[] blob)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(blob));
        var path = AssemblyRecord.BlobPath(_directory, digest);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, blob);
        return digest;
    }

    private static byte[] Layer(params (string Name, string Text)[] files)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, text) in files)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
            }
        }

        return tar.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private static string Hex(string digest) => digest["sha256:".Length..];
}
