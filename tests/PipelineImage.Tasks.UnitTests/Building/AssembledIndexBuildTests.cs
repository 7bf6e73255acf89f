using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using PipelineImage.Assembling;
using PipelineImage.Building;
using PipelineImage.Context;
using PipelineImage.Diagnostics;
using PipelineImage.ImageStore;
using PipelineImage.Intermediate;
using PipelineImage.Naming;
using PipelineImage.Planning;
using PipelineImage.Registry;
using PipelineImage.Tests.ImageStore;
using PipelineImage.Tests.Registry;
using PipelineImage.Tests.Tasks;
using PipelineImage.Transport;

namespace PipelineImage.Tests.Building;

/// <summary>
/// PipelineImagePlatforms through the assembler (<see cref="AssembledIndexBuild"/>) and the push of the index
/// and its OCI archive (<see cref="IndexImage"/>), with a registry in memory whose base is an index of linux/amd64 and
/// linux/arm64/v8, a layer each.
/// </summary>
public sealed class AssembledIndexBuildTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pimg-index-build-").FullName;
    private readonly InMemoryRegistry _registry = new();
    private readonly List<string> _log = [];
    private readonly Dictionary<string, string> _baseManifests;
    private readonly Dictionary<string, string> _baseLayers = [];

    public AssembledIndexBuildTests() => _baseManifests = _registry.AddPlatformIndex("base", "1", architecture =>
    {
        var layer = Encoding.UTF8.GetBytes($"the {architecture} base's layer");
        _baseLayers[architecture] = InMemoryRegistry.Digest(layer);
        return layer;
    }, ("amd64", ""), ("arm64", "v8"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task EachPlatformIsAssembledOnItsOwnBaseAndTheIndexNamesEachWithTheBasesPlatform()
    {
        using var registries = Registries();

        var index = await Build(registries).AssembleAsync(Plan(), "no engine answered", _ => NoEngine, CancellationToken.None);

        Assert.Equal(["linux/amd64", "linux/arm64"], index.Images.Select(image => image.Platform));
        Assert.Equal(Path.Combine(_root, "platforms", "linux-arm64", "assembled"), index.Images[1].Directory);
        Assert.Equal(_baseManifests["arm64"], AssemblyRecord.Read(index.Images[1].Directory)!.BaseDigest);
        Assert.Equal(_baseManifests["amd64"], AssemblyRecord.Read(index.Images[0].Directory)!.BaseDigest);
        using var document = JsonDocument.Parse(await index.ReadBytesAsync(Path.Combine(_root, "index"), CancellationToken.None));
        Assert.Equal(MediaTypes.OciIndex, document.RootElement.GetProperty("mediaType").GetString());
        var platforms = document.RootElement.GetProperty("manifests").EnumerateArray().Select(manifest => manifest.GetProperty("platform").GetRawText()).ToList();
        Assert.Equal(["""{"architecture":"amd64","os":"linux"}""", """{"architecture":"arm64","os":"linux","variant":"v8"}"""], platforms);
        Assert.Equal(index.Digest, InMemoryRegistry.Digest(await index.ReadBytesAsync(Path.Combine(_root, "index"), CancellationToken.None)));
        Assert.Contains($"Assembled the index of registry.test/app ({index.Digest}): linux/amd64 {index.Images[0].ManifestDigest}, linux/arm64 {index.Images[1].ManifestDigest}", _log);
    }

    [Fact]
    public async Task ThePushPutsEachPlatformsImageUntaggedThenTheIndexUnderEveryTagAndAgainUploadsNothing()
    {
        using var registries = Registries();
        var index = await Build(registries).AssembleAsync(Plan(), "no engine answered", _ => NoEngine, CancellationToken.None);
        var references = new[] { new ImageReference("registry.test/app", "1.0.0"), new ImageReference("registry.test/app", "latest") };

        using var image = IndexImage.Open(Path.Combine(_root, "index"), index.Digest, registries, new BuildLog(_log.Add, _log.Add))!;
        var pushed = await image.PushAsync(references, CancellationToken.None);

        Assert.All(pushed, result => Assert.Equal(index.Digest, result.Digest));
        Assert.Equal(MediaTypes.OciIndex, _registry.Manifests["app:1.0.0"].MediaType);
        Assert.Equal(index.Digest, InMemoryRegistry.Digest(_registry.Manifests["app:latest"].Bytes));
        Assert.All(index.Images, platform => Assert.True(_registry.Manifests.ContainsKey($"app:{platform.ManifestDigest}")));
        // The two tags, and by digest the index and each platform's image: no platform's image is tagged.
        Assert.Equal(
            new HashSet<string>(["app:1.0.0", "app:latest", $"app:{index.Digest}", .. index.Images.Select(platform => $"app:{platform.ManifestDigest}")]),
            _registry.Manifests.Keys.Where(key => key.StartsWith("app:", StringComparison.Ordinal)).ToHashSet());
        var uploads = _registry.Requests.Count(request => request.StartsWith("POST /v2/app/blobs/uploads", StringComparison.Ordinal));

        using var again = IndexImage.Open(Path.Combine(_root, "index"), index.Digest, registries, new BuildLog(_log.Add, _log.Add))!;
        var second = await again.PushAsync(references, CancellationToken.None);

        Assert.All(second, result => Assert.Equal(0, result.BytesUploaded));
        Assert.Equal(uploads, _registry.Requests.Count(request => request.StartsWith("POST /v2/app/blobs/uploads", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AnOciArchiveHoldsTheIndexAsAssembledAndEveryPlatformsBlobsOnceUnderTheirDigests()
    {
        using var registries = Registries();
        var index = await Build(registries).AssembleAsync(Plan(), "no engine answered", _ => NoEngine, CancellationToken.None);
        using var image = IndexImage.Open(Path.Combine(_root, "index"), index.Digest, registries, new BuildLog(_log.Add, _log.Add))!;

        var archive = await ArchiveAsync(image);

        var names = EntryNames(archive);
        var files = ArchiveEntries.Read(archive);
        Assert.Equal(["oci-layout", "index.json", "blobs/", "blobs/sha256/", BlobName(index.Digest)], names.Take(5));
        Assert.DoesNotContain("manifest.json", names);
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        var blobs = files.Keys.Where(name => name.StartsWith("blobs/sha256/", StringComparison.Ordinal)).ToList();
        Assert.All(blobs, name => Assert.Equal(name, BlobName(ContentDigest.Of(files[name]))));
        using var layout = JsonDocument.Parse(files["index.json"]);
        var named = Assert.Single(layout.RootElement.GetProperty("manifests").EnumerateArray());
        Assert.Equal((index.MediaType, index.Digest, (long)files[BlobName(index.Digest)].Length),
            (named.GetProperty("mediaType").GetString(), named.GetProperty("digest").GetString(), named.GetProperty("size").GetInt64()));
        Assert.Equal("registry.test/app:1.0.0", named.GetProperty("annotations").GetProperty("io.containerd.image.name").GetString());
        Assert.Equal("registry.test/app:1.0.0", named.GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString());
        // The index's bytes as the push gives them; through it, each platform's manifest, config and layers, and nothing else.
        Assert.Equal(await index.ReadBytesAsync(Path.Combine(_root, "index"), CancellationToken.None), files[BlobName(index.Digest)]);
        var manifests = Descriptors(files[BlobName(index.Digest)], "manifests");
        Assert.Equal(index.Images.Select(platform => platform.ManifestDigest), manifests);
        var referenced = manifests.SelectMany(manifest => Descriptors(files[BlobName(manifest)], "layers").Prepend(Config(files[BlobName(manifest)]))).ToList();
        Assert.Equal(manifests.Concat(referenced).Append(index.Digest).Select(BlobName).ToHashSet(), blobs.ToHashSet());
        // The base's layers from its registry, each platform's own; our layer is both platforms', written once.
        Assert.Contains(BlobName(_baseLayers["amd64"]), blobs);
        Assert.Contains(BlobName(_baseLayers["arm64"]), blobs);
        var ours = Assert.Single(referenced.GroupBy(digest => digest), same => same.Count() == 2).Key;
        Assert.Equal(AssemblyRecord.Read(index.Images[1].Directory)!.Layers[0].Digest, ours);
        Assert.Empty(Directory.EnumerateFiles(_root, ".base.*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task IntoAnOciArchiveWithoutAPushEachPlatformsRequirementsBaseIsStillPushedByItsContentKeyForTheAssembler()
    {
        using var registries = Registries();
        var engine = EngineThatPushes();

        var index = await Build(registries).AssembleAsync(Plan(push: false, archive: true, requirements: "FROM registry.test/base:1\nRUN apt-get install -y jq\n"),
            "the default", _ => new EngineRequirementsBuilder(new ConnectedEngine(engine, engine.Info), ControlApi: null), CancellationToken.None);

        Assert.Equal(2, engine.Pushes.Distinct().Count());
        Assert.All(engine.Pushes, pushed => Assert.StartsWith("registry.test/app:pipelineimage-requirements-", pushed.ToString(), StringComparison.Ordinal));
        Assert.All(index.Images, image => Assert.Equal(engine.PushedDigest, AssemblyRecord.Read(image.Directory)!.BaseDigest));
        Assert.Empty(engine.Loads);
    }

    [Fact]
    public async Task APlatformNothingHereRunsIsPimg1020BeforeAnythingIsBuiltUnlessTheRegistryHasItsRequirementsBase()
    {
        using var registries = Registries();
        var engine = EngineThatPushes();

        var plan = Plan(requirements: "FROM registry.test/base:1\nRUN apt-get install -y jq\n");
        var unrunnable = new Dictionary<string, PipelineImageException>
        {
            ["linux/arm64"] = new(DiagnosticCodes.NoEmulator, "linux/arm64", "the engine at unix:///fake.sock", "linux/amd64"),
        };
        RequirementsBuilder OnTheEngine(string platform) => new EngineRequirementsBuilder(new ConnectedEngine(engine, engine.Info), ControlApi: null);

        var error = await Assert.ThrowsAsync<PipelineImageException>(() =>
            Build(registries).AssembleAsync(plan, "the default", OnTheEngine, CancellationToken.None, unrunnable));

        Assert.Same(unrunnable["linux/arm64"], error);
        Assert.Empty(engine.Builds);
        Assert.Empty(engine.Pushes);

        // Built once where something runs it (a node, another runner): the registry has it under its content key.
        await Build(registries).AssembleAsync(plan, "the default", OnTheEngine, CancellationToken.None);
        var arm64 = engine.Pushes[1];
        _registry.Manifests[$"app:{arm64.Tag}"] = _registry.Manifests[$"base:{engine.PushedDigest}"];
        engine.Pushes.Clear();

        await Build(registries).AssembleAsync(plan, "the default", OnTheEngine, CancellationToken.None, unrunnable);

        Assert.Contains("Nothing here runs linux/arm64, and nothing of it needs to: the registry has its requirements base", _log);
        Assert.DoesNotContain(arm64, engine.Pushes);
    }

    [Fact]
    public async Task AnOciArchiveOfTheIndexIsTheSameBytesEveryTime()
    {
        using var registries = Registries();
        var index = await Build(registries).AssembleAsync(Plan(), "no engine answered", _ => NoEngine, CancellationToken.None);
        using var image = IndexImage.Open(Path.Combine(_root, "index"), index.Digest, registries, new BuildLog(_log.Add, _log.Add))!;

        Assert.Equal(await ArchiveAsync(image), await ArchiveAsync(image));
    }

    [Fact]
    public async Task ABaseLayerItsRegistryDoesNotGiveIsPimg1018NamingThatPlatformsBase()
    {
        using var registries = Registries();
        var index = await Build(registries).AssembleAsync(Plan(), "no engine answered", _ => NoEngine, CancellationToken.None);
        using var image = IndexImage.Open(Path.Combine(_root, "index"), index.Digest, registries, new BuildLog(_log.Add, _log.Add))!;
        _registry.Blobs.Remove($"base@{_baseLayers["arm64"]}");

        var e = await Assert.ThrowsAsync<PipelineImageException>(() => ArchiveAsync(image));

        Assert.Equal(DiagnosticCodes.BaseImageUnreadable, e.ResourceName);
        Assert.Contains($"registry.test/base@{_baseManifests["arm64"]}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADockerArchiveOfTheIndexIsPimg2050NamingTheOciFormat()
    {
        using var registries = Registries();
        var index = await Build(registries).AssembleAsync(Plan(), "no engine answered", _ => NoEngine, CancellationToken.None);
        using var image = IndexImage.Open(Path.Combine(_root, "index"), index.Digest, registries, new BuildLog(_log.Add, _log.Add))!;

        var e = await Assert.ThrowsAsync<PipelineImageException>(() => image.WriteArchiveAsync(false, References, Stream.Null, CancellationToken.None));

        Assert.Equal(DiagnosticCodes.PlatformsUnsupported, e.ResourceName);
        Assert.Contains("'linux/amd64;linux/arm64'", e.Message, StringComparison.Ordinal);
        Assert.Contains("a docker-archive (PipelineImageArchiveFormat=docker, the default) holds one image: set PipelineImageArchiveFormat=oci", e.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnIndexWhosePlatformImageIsGoneIsNotOpened()
    {
        using var registries = Registries();
        var index = await Build(registries).AssembleAsync(Plan(), "no engine answered", _ => NoEngine, CancellationToken.None);

        Directory.Delete(Path.Combine(_root, "platforms", "linux-arm64"), recursive: true);

        Assert.Null(IndexImage.Open(Path.Combine(_root, "index"), index.Digest, registries, new BuildLog(_log.Add, _log.Add)));
    }

    private static readonly ImageReference[] References = [new("registry.test/app", "1.0.0"), new("registry.test/app", "latest")];

    private static async Task<byte[]> ArchiveAsync(IndexImage image)
    {
        using var stream = new MemoryStream();
        await image.WriteArchiveAsync(true, References, stream, CancellationToken.None);
        return stream.ToArray();
    }

    // Every entry's name, directories too, in the order written.
    private static List<string> EntryNames(byte[] archive)
    {
        using var reader = new TarReader(new MemoryStream(archive));
        var names = new List<string>();
        while (reader.GetNextEntry() is { } entry)
        {
            names.Add(entry.Name);
        }

        return names;
    }

    // The digests of a document's descriptors (an index's manifests, a manifest's layers), and a manifest's config.
    private static List<string> Descriptors(byte[] document, string property)
    {
        using var json = JsonDocument.Parse(document);
        return json.RootElement.GetProperty(property).EnumerateArray().Select(descriptor => descriptor.GetProperty("digest").GetString()!).ToList();
    }

    private static string Config(byte[] manifest)
    {
        using var json = JsonDocument.Parse(manifest);
        return json.RootElement.GetProperty("config").GetProperty("digest").GetString()!;
    }

    private static string BlobName(string digest) => "blobs/sha256/" + digest["sha256:".Length..];

    [Fact]
    public async Task OnTheContainerdStoreTheWholeIndexGoesInNamedByTheFirstReferenceAndOnceThereOnlyItsTags()
    {
        using var registries = Registries();
        var index = await Build(registries).AssembleAsync(Plan(), "no engine answered", _ => NoEngine, CancellationToken.None);
        var engine = new FakeContainerEngine { ContainerdStore = true };
        using var image = IndexImage.Open(Path.Combine(_root, "index"), index.Digest, registries, new BuildLog(_log.Add, _log.Add))!;

        var said = await image.LoadAsync(engine, engine.Info, References, CancellationToken.None);

        var entries = ArchiveEntries.Read(Assert.Single(engine.Loads));
        using (var named = JsonDocument.Parse(entries["index.json"]))
        {
            Assert.Equal(index.Digest, Assert.Single(named.RootElement.GetProperty("manifests").EnumerateArray()).GetProperty("digest").GetString());
        }

        Assert.All(index.Images, platform => Assert.Contains($"blobs/sha256/{platform.ManifestDigest[7..]}", entries.Keys));
        Assert.Equal([References[1]], engine.Tagged);
        Assert.Equal($"the whole index ({index.Digest}): its containerd image store holds indexes", said);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root, "index"), "*.tar"));

        engine.Add(index.Digest);
        engine.Tagged.Clear();
        var again = await image.LoadAsync(engine, engine.Info, References, CancellationToken.None);

        Assert.Single(engine.Loads);
        Assert.Equal(References, engine.Tagged);
        Assert.Contains("which it had: tagged only", again, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OnTheContainerdStoreItsOwnPlatformsBaseLayersStayOutWhenTheIndexLoadedLastIsThereOnTheSameBases(bool earlierThere)
    {
        using var registries = Registries();
        var engine = new FakeContainerEngine { ContainerdStore = true };
        var first = await Build(registries).AssembleAsync(Plan(), "no engine answered", _ => NoEngine, CancellationToken.None);
        using (var image = IndexImage.Open(Path.Combine(_root, "index"), first.Digest, registries, new BuildLog(_log.Add, _log.Add))!)
        {
            await image.LoadAsync(engine, engine.Info, References, CancellationToken.None);
        }

        if (earlierThere)
        {
            engine.Add(first.Digest);
        }

        var changed = await Build(registries).AssembleAsync(Plan(epoch: 2), "no engine answered", _ => NoEngine, CancellationToken.None);
        using var again = IndexImage.Open(Path.Combine(_root, "index"), changed.Digest, registries, new BuildLog(_log.Add, _log.Add))!;
        var said = await again.LoadAsync(engine, engine.Info, References, CancellationToken.None);

        Assert.NotEqual(first.Digest, changed.Digest);
        var entries = ArchiveEntries.Read(engine.Loads[1]);
        // Only the engine's own platform's base may be left out: a pull of the index brings back that platform's content alone.
        Assert.Equal(!earlierThere, entries.ContainsKey(BlobName(_baseLayers["amd64"])));
        Assert.True(entries.ContainsKey(BlobName(_baseLayers["arm64"])));
        Assert.All(changed.Images, platform => Assert.Contains(BlobName(platform.ManifestDigest), entries.Keys));
        Assert.Equal(earlierThere, said.Contains("without the linux/amd64 base's layers: it holds them", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AStoreOfOneImageANameGetsTheImageOfItsOwnPlatformAndOneOfNoneOfThemNothing()
    {
        using var registries = Registries();
        var index = await Build(registries).AssembleAsync(Plan(), "no engine answered", _ => NoEngine, CancellationToken.None);
        using var image = IndexImage.Open(Path.Combine(_root, "index"), index.Digest, registries, new BuildLog(_log.Add, _log.Add))!;
        var arm = new FakeContainerEngine { Info = new("unix:///fake.sock", "26.1.5", "1.45", "linux/arm64") };
        var s390x = new FakeContainerEngine { Info = new("unix:///fake.sock", "26.1.5", "1.45", "linux/s390x") };

        var said = await image.LoadAsync(arm, arm.Info, References, CancellationToken.None);
        var none = await image.LoadAsync(s390x, s390x.Info, References, CancellationToken.None);

        var config = AssemblyRecord.Read(index.Images[1].Directory)!.ConfigDigest;
        using var manifest = JsonDocument.Parse(ArchiveEntries.Read(Assert.Single(arm.Loads))["manifest.json"]);
        Assert.Contains(config[7..], manifest.RootElement[0].GetProperty("Config").GetString(), StringComparison.Ordinal);
        Assert.StartsWith($"the linux/arm64 image only ({config}): its store holds one image a name", said, StringComparison.Ordinal);
        Assert.Empty(s390x.Loads);
        Assert.Equal("nothing: its store holds one image a name, not an index, and the index has no image of its platform (linux/s390x)", none);
    }

    // An engine whose push of a requirements base gives the amd64 base's manifest, which is then in the image's
    // repository (one image stands for both platforms' here).
    private Tasks.FakeContainerEngine EngineThatPushes()
    {
        var engine = new Tasks.FakeContainerEngine { PushedDigest = _baseManifests["amd64"] };
        _registry.Manifests[$"app:{engine.PushedDigest}"] = _registry.Manifests[$"base:{engine.PushedDigest}"];
        foreach (var (key, blob) in _registry.Blobs.Where(blob => blob.Key.StartsWith("base@", StringComparison.Ordinal)).ToList())
        {
            _registry.Blobs["app@" + key["base@".Length..]] = blob;
        }

        return engine;
    }

    private static readonly NoRequirementsBuilder NoEngine = new(new EngineUnavailableException("unix:///fake.sock", "the default socket", "no such file"));

    private RegistryClients Registries() => new(DockerConfig.Empty, _ => _ => null, _log.Add, [], CancellationToken.None, _registry);

    private AssembledIndexBuild Build(RegistryClients registries) => new(_root, Path.Combine(_root, "bases"), registries, _ => null, [], new BuildLog(_log.Add, _log.Add));

    // A plan of two platforms that pushes; `requirements`: the requirements base's Dockerfile (RUN steps).
    private PlanFile Plan(bool push = true, bool archive = false, string? requirements = null, long epoch = 1)
    {
        var dockerfile = Path.Combine(_root, "Dockerfile");
        File.WriteAllText(dockerfile, "FROM registry.test/base:1\n");
        var plan = new BuildPlan("registry.test/app", [new("registry.test/app", "1.0.0")], "registry.test/base:1", "FROM registry.test/base:1\n",
            [ContextEntry.FromContent(ImagePlanner.DockerfilePath, "FROM registry.test/base:1\n"u8.ToArray())],
            PipelineImage.Requirements.RequirementPlan.Empty)
        {
            Assembly = new(epoch, null, [new PlannedLayer("WORKDIR /app", [new LayerEntry("app", "directory", "0755")])], new())
            {
                Requirements = requirements is null ? null : new PlannedRequirementsBase(requirements, null, []),
            },
        };
        return PlanFile.Create(plan, null, dockerfile, null, new PlannedOptions("", "", "missing", false, Push: push, Archive: archive) { Platforms = ["linux/amd64", "linux/arm64"] },
            FileHashCache.Load(Path.Combine(_root, "hashes.tsv")).Hash);
    }
}
