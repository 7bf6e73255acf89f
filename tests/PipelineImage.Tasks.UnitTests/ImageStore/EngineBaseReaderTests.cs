using PipelineImage.Diagnostics;
using PipelineImage.ImageStore;
using PipelineImage.Registry;
using PipelineImage.Tests.Tasks;
using PipelineImage.Transport;

namespace PipelineImage.Tests.ImageStore;

/// <summary>
/// Reading a base from an engine's save (<see cref="EngineBaseReader"/>): either form of archive, once per image id,
/// and a layer fetched again for an engine that needs every layer.
/// </summary>
public sealed class EngineBaseReaderTests : IDisposable
{
    private const string Id = "sha256:1d00000000000000000000000000000000000000000000000000000000000001";

    private readonly string _root = Directory.CreateTempSubdirectory("pimg-engine-base-").FullName;
    private readonly List<string> _log = [];

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task AnOciLayoutIsReadThroughItsIndexForThePlatformAndKeptByTheImageIdSoTheEngineSavesItOnce()
    {
        // A layer over the size kept in memory is streamed past.
        var big = new byte[(1 << 20) + 1];
        var layers = new[] { (big, "sha256:" + new string('a', 64)), ("small"u8.ToArray(), "sha256:" + new string('b', 64)) };
        var (archive, manifest) = SavedArchives.Layout(layers);
        var engine = Engine(archive);
        var reader = new EngineBaseReader(engine, _root, _log.Add);

        var first = await reader.ReadAsync("registry.test/base:1", "linux/amd64", CancellationToken.None);
        var second = await reader.ReadAsync("registry.test/base:1", "linux/amd64", CancellationToken.None);

        Assert.NotNull(first);
        Assert.True(first.InEngine);
        Assert.Equal(Id, first.Digest);
        Assert.Equal("registry.test/base", first.Name.ToString());
        Assert.Equal(MediaTypes.OciManifest, first.ManifestMediaType);
        Assert.Equal(layers.Select(layer => new Descriptor(MediaTypes.OciLayer, ContentDigest.Of(layer.Item1), layer.Item1.Length)), first.Layers);
        Assert.Equal(SavedArchives.Config([.. layers.Select(layer => layer.Item2)]), first.Config);
        Assert.Equal(ContentDigest.Of(first.Config), first.ConfigDigest);
        Assert.NotEqual(manifest, first.ConfigDigest);
        Assert.Equal([Id], Assert.Single(engine.Saves));
        Assert.Equal(first.Layers, second!.Layers);
        Assert.Equal(first.Config, second.Config);
        Assert.Single(_log, line => line.StartsWith($"Reading the base image registry.test/base:1 ({Id}) from the engine, once", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ADockerArchivesLayersAreItsUncompressedTarsNamedByTheirDiffIds()
    {
        var layers = new[] { "first layer"u8.ToArray(), "second layer"u8.ToArray() };
        var reader = new EngineBaseReader(Engine(SavedArchives.DockerArchive(layers)), _root, _log.Add);

        var read = await reader.ReadAsync("registry.test/base:1", "", CancellationToken.None);

        Assert.Equal(MediaTypes.OciManifest, read!.ManifestMediaType);
        Assert.Equal(layers.Select(layer => new Descriptor(MediaTypes.OciUncompressedLayer, ContentDigest.Of(layer), layer.Length)), read.Layers);
        Assert.Equal(SavedArchives.Config([.. layers.Select(layer => ContentDigest.Of(layer))]), read.Config);
    }

    [Fact]
    public async Task AnImageTheEngineLacksIsNullAndNothingIsSaved()
    {
        var engine = new FakeContainerEngine();

        Assert.Null(await new EngineBaseReader(engine, _root, _log.Add).ReadAsync("registry.test/base:1", "", CancellationToken.None));
        Assert.Empty(engine.Saves);
    }

    [Fact]
    public async Task AnArchiveThatHoldsNoImageIsPimg1018NamingTheBaseAndOneCutShortIsTheEnginesFailureAndNothingIsKept()
    {
        var noImage = new EngineBaseReader(Engine(SavedArchives.Tar([("hello.txt", "hello"u8.ToArray())])), _root, _log.Add);
        var cutShort = new EngineBaseReader(Engine("not a tar at all, but long enough to be read as a header block of one"u8.ToArray()), _root, _log.Add);

        var e = await Assert.ThrowsAsync<PipelineImageException>(() => noImage.ReadAsync("registry.test/base:1", "", CancellationToken.None));
        var failed = await Assert.ThrowsAsync<PipelineImage.Transport.EngineRequestFailedException>(() => cutShort.ReadAsync("registry.test/base:1", "", CancellationToken.None));

        Assert.Equal(DiagnosticCodes.BaseImageUnreadable, e.ResourceName);
        Assert.Contains("registry.test/base:1", e.Message, StringComparison.Ordinal);
        Assert.Contains("neither index.json nor manifest.json", e.Message, StringComparison.Ordinal);
        Assert.Contains("the engine's archive could not be read", failed.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_root));
    }

    [Fact]
    public async Task ALayerIsFetchedAgainFromTheEnginesSaveIntoATemporaryFile()
    {
        var layers = new[] { "first layer"u8.ToArray(), "second layer"u8.ToArray() };
        var reader = new EngineBaseReader(Engine(SavedArchives.DockerArchive(layers)), _root, _log.Add);

        var file = await reader.FetchLayerAsync(Id, ContentDigest.Of(layers[1]), _root, CancellationToken.None);

        Assert.Equal(layers[1], File.ReadAllBytes(file));
        Assert.Equal([file], Directory.EnumerateFiles(_root));
        await Assert.ThrowsAsync<PipelineImage.Transport.EngineRequestFailedException>(
            () => reader.FetchLayerAsync(Id, "sha256:" + new string('c', 64), _root, CancellationToken.None));
        Assert.Equal([file], Directory.EnumerateFiles(_root));
    }

    private static FakeContainerEngine Engine(byte[] archive) => SavedArchives.EngineHolding(Id, "registry.test/base:1", archive);
}
