using System.Text;
using System.Text.Json;
using PipelineImage.Assembling;
using PipelineImage.Engine;
using PipelineImage.ImageStore;
using PipelineImage.Naming;
using PipelineImage.Registry;
using PipelineImage.Tests.Tasks;

namespace PipelineImage.Tests.ImageStore;

/// <summary>What goes into each engine's store when an assembled image is loaded: no more than it lacks, never less.</summary>
public sealed class AssembledImageLoaderTests : IDisposable
{
    private const string BaseDigest = "sha256:b000000000000000000000000000000000000000000000000000000000000001";
    private static readonly ImageReference[] Tags = [new("app", "1.0.0"), new("app", "latest")];
    private static readonly EngineInfo Docker = new("unix:///fake.sock", "26.1.5", "1.45", "linux/amd64");
    private static readonly EngineInfo Podman = Docker with { ServerVersion = "5.4.2", IsPodman = true };
    private readonly string _directory = Directory.CreateTempSubdirectory("pimg-assembled-").FullName;
    private readonly string _baseLayer = ContentDigest.Of("base layer"u8);
    private readonly List<string> _fetched = [];

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task DockersGraphDriverStoreGetsOurLayersAloneAndTheWholeImageWhereItRefuses()
    {
        var assembled = Assemble("our layer");
        var engine = new FakeContainerEngine();

        var loaded = await Load(engine, assembled);

        Assert.Equal(new LoadResult(LoadKind.OurLayers, assembled.ConfigDigest), loaded);
        var entries = ArchiveEntries.Read(Assert.Single(engine.Loads));
        Assert.Contains("manifest.json", entries.Keys);
        Assert.DoesNotContain($"{_baseLayer[7..]}.tar.gz", entries.Keys);
        Assert.Empty(_fetched);

        var refusing = new FakeContainerEngine { RefusesMissingLayers = true };
        loaded = await Load(refusing, assembled);

        Assert.Equal(LoadKind.Whole, loaded.Kind);
        Assert.StartsWith("the engine would not load our layers alone (", loaded.Why);
        Assert.Contains($"{_baseLayer[7..]}.tar.gz", ArchiveEntries.Read(Assert.Single(refusing.Loads)).Keys);
        Assert.Equal([_baseLayer], _fetched);
        Assert.Empty(Directory.EnumerateFiles(_directory, ".*"));
        Assert.False(File.Exists(Path.Combine(_directory, AssembledImageLoader.LoadedFileName)));
    }

    [Fact]
    public async Task AnEngineThatHasTheImageIsOnlyToldItsTagsByConfigOnTheGraphDriverStoreAndByManifestOnContainerds()
    {
        var assembled = Assemble("our layer");
        var graphDriver = new FakeContainerEngine();
        graphDriver.Add(assembled.ConfigDigest);
        var containerd = new FakeContainerEngine { ContainerdStore = true };
        containerd.Add(assembled.ManifestDigest);

        Assert.Equal(LoadKind.Tagged, (await Load(graphDriver, assembled)).Kind);
        Assert.Equal(LoadKind.Tagged, (await Load(containerd, assembled)).Kind);

        Assert.Equal(Tags, graphDriver.Tagged);
        Assert.Equal(Tags, containerd.Tagged);
        // An unchanged image on the graph-driver store costs no question about the store (GET /info, slow on dockerd).
        Assert.Equal(0, graphDriver.StoreQueries);
        Assert.Empty(graphDriver.Loads);
        Assert.Empty(containerd.Loads);
    }

    [Fact]
    public async Task ContainerdsStoreGetsTheWholeImageFirstAndOurLayersAloneWhileTheImageLoadedLastIsThere()
    {
        var engine = new FakeContainerEngine { ContainerdStore = true };
        var first = Assemble("first");

        var loaded = await Load(engine, first);

        Assert.Equal(LoadKind.Whole, loaded.Kind);
        Assert.Contains("no image loaded from here holds these yet", loaded.Why);
        var entries = ArchiveEntries.Read(engine.Loads[^1]);
        // The manifest as assembled, named as the engine will know the image: by the digest a push gives it.
        var named = JsonDocument.Parse(entries["index.json"]).RootElement.GetProperty("manifests")[0];
        Assert.Equal((first.ManifestDigest, MediaTypes.DockerManifest), (named.GetProperty("digest").GetString(), named.GetProperty("mediaType").GetString()));
        Assert.Equal("docker.io/library/app:1.0.0", named.GetProperty("annotations").GetProperty("io.containerd.image.name").GetString());
        Assert.Contains($"blobs/sha256/{_baseLayer[7..]}", entries.Keys);
        Assert.Contains($"blobs/sha256/{first.ManifestDigest[7..]}", entries.Keys);
        Assert.DoesNotContain("manifest.json", entries.Keys);
        // The layout names the first reference; the others are tags of the manifest.
        Assert.Equal([Tags[1]], engine.Tagged);
        Assert.Equal(first.ManifestDigest, engine.References["app:latest"]);

        // The engine holds the first image: the second, on the same base, goes without the base's layers.
        engine.Add(first.ManifestDigest);
        var second = Assemble("second");
        loaded = await Load(engine, second);

        Assert.Equal(new LoadResult(LoadKind.OurLayers, second.ManifestDigest), loaded);
        entries = ArchiveEntries.Read(engine.Loads[^1]);
        Assert.DoesNotContain($"blobs/sha256/{_baseLayer[7..]}", entries.Keys);
        Assert.Contains($"blobs/sha256/{second.ConfigDigest[7..]}", entries.Keys);
        Assert.Equal([_baseLayer], _fetched);

        // Gone from the engine (removed, pruned), the image loaded last vouches for nothing: the whole image again.
        var third = Assemble("third");
        loaded = await Load(engine, third);

        Assert.Equal(LoadKind.Whole, loaded.Kind);
        Assert.Contains($"the image loaded last from here ({second.ManifestDigest})", loaded.Why);
        Assert.Equal([_baseLayer, _baseLayer], _fetched);
    }

    [Fact]
    public async Task OnContainerdsStoreOurLayersGoAloneFromTheFirstLoadOnABaseReadFromTheEngine()
    {
        var engine = new FakeContainerEngine { ContainerdStore = true };

        var first = Assemble("first") with { BaseInEngine = true };
        var loaded = await Load(engine, first);

        Assert.Equal(new LoadResult(LoadKind.OurLayers, first.ManifestDigest), loaded);
        Assert.DoesNotContain($"blobs/sha256/{_baseLayer[7..]}", ArchiveEntries.Read(Assert.Single(engine.Loads)).Keys);
        Assert.Empty(_fetched);
    }

    [Fact]
    public async Task OnContainerdsStoreAnotherBaseIsLoadedWholeWhateverTheEngineHolds()
    {
        var engine = new FakeContainerEngine { ContainerdStore = true };
        var first = Assemble("first");
        await Load(engine, first);
        engine.Add(first.ManifestDigest);

        var loaded = await Load(engine, Assemble("on another base", baseDigest: BaseDigest[..^1] + "2"));

        Assert.Equal(LoadKind.Whole, loaded.Kind);
    }

    [Fact]
    public async Task PodmanGetsOurLayersAloneInAnOciLayoutOnABaseReadFromItAndNamesTheOtherTagsAsItsLoadDoes()
    {
        var engine = new FakeContainerEngine { Info = Podman, RefusesMissingLayers = true };
        engine.HeldLayers.Add(_baseLayer);
        var assembled = Assemble("ours") with { BaseInEngine = true };

        var loaded = await Load(engine, assembled);

        Assert.Equal(new LoadResult(LoadKind.OurLayers, assembled.ConfigDigest), loaded);
        var entries = ArchiveEntries.Read(Assert.Single(engine.Loads));
        Assert.Contains("index.json", entries.Keys);
        Assert.DoesNotContain($"blobs/sha256/{_baseLayer[7..]}", entries.Keys);
        Assert.Empty(_fetched);
        // Every name whole, as Podman's compatible API reads app (docker.io/library/app) when it tags and pushes.
        var named = JsonDocument.Parse(entries["index.json"]).RootElement.GetProperty("manifests")[0].GetProperty("annotations");
        Assert.Equal("docker.io/library/app:1.0.0", named.GetProperty("io.containerd.image.name").GetString());
        Assert.Equal([new ImageReference("docker.io/library/app", "latest")], engine.Tagged);
    }

    [Fact]
    public async Task PodmanGetsTheWholeDockerArchiveOnABaseFromItsRegistryThenOurLayersAloneWhileThatImageIsThere()
    {
        var engine = new FakeContainerEngine { Info = Podman, RefusesMissingLayers = true };
        var first = Assemble("first");

        var loaded = await Load(engine, first);

        Assert.Equal(LoadKind.Whole, loaded.Kind);
        Assert.StartsWith("the engine is Podman, which takes our layers alone only on base layers it is known to hold", loaded.Why);
        var whole = ArchiveEntries.Read(Assert.Single(engine.Loads));
        Assert.Contains($"{_baseLayer[7..]}.tar.gz", whole.Keys);
        // Whole names here too: Podman would put an unqualified app under localhost/, where its API looks for docker.io/library/app.
        Assert.Equal(["docker.io/library/app:1.0.0", "docker.io/library/app:latest"],
            JsonDocument.Parse(whole["manifest.json"]).RootElement[0].GetProperty("RepoTags").EnumerateArray().Select(tag => tag.GetString()));

        // Podman holds the first image, and with it the base's layers: the second goes without them.
        engine.Add(first.ConfigDigest);
        engine.HeldLayers.Add(_baseLayer);
        var second = Assemble("second");
        loaded = await Load(engine, second);

        Assert.Equal(new LoadResult(LoadKind.OurLayers, second.ConfigDigest), loaded);
        Assert.DoesNotContain($"blobs/sha256/{_baseLayer[7..]}", ArchiveEntries.Read(engine.Loads[^1]).Keys);
        Assert.Equal([_baseLayer], _fetched);
    }

    [Fact]
    public async Task PodmanThatHasTheImageIsToldItsTagsWithWholeNames()
    {
        var engine = new FakeContainerEngine { Info = Podman };
        var assembled = Assemble("ours");
        engine.Add(assembled.ConfigDigest);

        Assert.Equal(LoadKind.Tagged, (await Load(engine, assembled)).Kind);

        Assert.Equal([new ImageReference("docker.io/library/app", "1.0.0"), new ImageReference("docker.io/library/app", "latest")], engine.Tagged);
    }

    [Fact]
    public async Task AContainerdStoresRecordOfAnEarlierVersionStillVouchesForItsBase()
    {
        var engine = new FakeContainerEngine { ContainerdStore = true };
        var first = Assemble("first");
        engine.Add(first.ManifestDigest);
        File.WriteAllText(Path.Combine(_directory, AssembledImageLoader.LoadedFileName), $$"""{"manifest":"{{first.ManifestDigest}}","baseDigest":"{{BaseDigest}}"}""");

        Assert.Equal(LoadKind.OurLayers, (await Load(engine, Assemble("second"))).Kind);
    }

    [Fact]
    public async Task WherePodmanLacksALayerOurLayoutNamesTheWholeDockerArchiveGoesIn()
    {
        var engine = new FakeContainerEngine { Info = Podman, RefusesMissingLayers = true };

        var loaded = await Load(engine, Assemble("ours") with { BaseInEngine = true });

        Assert.Equal(LoadKind.Whole, loaded.Kind);
        Assert.StartsWith("the engine would not load our layers alone (", loaded.Why);
        Assert.Contains("manifest.json", ArchiveEntries.Read(Assert.Single(engine.Loads)).Keys);
        Assert.Equal([_baseLayer], _fetched);
    }

    private Task<LoadResult> Load(FakeContainerEngine engine, AssemblyRecord assembled) =>
        new AssembledImageLoader(engine, engine.Info.IsPodman ? engine.Info : Docker).LoadAsync(_directory, assembled, Tags, FetchAsync, CancellationToken.None);

    private async Task<string> FetchAsync(string digest, CancellationToken cancellationToken)
    {
        _fetched.Add(digest);
        var file = Path.Combine(_directory, $".base.{Guid.NewGuid():N}.tmp");
        await File.WriteAllTextAsync(file, "base layer", cancellationToken);
        return file;
    }

    // An assembled directory's blobs and record: one base layer (only in the registry) under our one layer.
    private AssemblyRecord Assemble(string ours, string baseDigest = BaseDigest)
    {
        var layer = Blob(ours);
        var config = Blob($$$"""{"rootfs":{"diff_ids":["{{{ours}}}"]}}""");
        var manifest = Blob($$$"""
            {"schemaVersion":2,"mediaType":"{{{MediaTypes.DockerManifest}}}","config":{"mediaType":"{{{MediaTypes.DockerConfig}}}","digest":"{{{config}}}","size":1},
            "layers":[{"mediaType":"{{{MediaTypes.DockerLayer}}}","digest":"{{{_baseLayer}}}","size":10},{"mediaType":"{{{MediaTypes.DockerLayer}}}","digest":"{{{layer}}}","size":1}]}
            """);
        return new AssemblyRecord(new RepositoryName("localhost:5000", "dotnet/runtime"), baseDigest, MediaTypes.DockerManifest, manifest, config, []);
    }

    private string Blob(string text) => Tests.Assembling.AssembledBlobs.Write(_directory, text);
}
