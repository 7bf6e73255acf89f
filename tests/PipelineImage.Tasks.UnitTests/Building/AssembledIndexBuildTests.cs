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
using PipelineImage.Tests.Registry;
using PipelineImage.Transport;

namespace PipelineImage.Tests.Building;

/// <summary>
/// PipelineImagePlatforms through the assembler (<see cref="AssembledIndexBuild"/>) and the push of the index
/// (<see cref="IndexImage"/>), with a registry in memory whose base is an index of linux/amd64 and linux/arm64/v8.
/// </summary>
public sealed class AssembledIndexBuildTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pimg-index-build-").FullName;
    private readonly InMemoryRegistry _registry = new();
    private readonly List<string> _log = [];
    private readonly Dictionary<string, string> _baseManifests;

    public AssembledIndexBuildTests() => _baseManifests = _registry.AddPlatformIndex("base", "1", ("amd64", ""), ("arm64", "v8"));

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
    public async Task AnIndexWhosePlatformImageIsGoneIsNotOpenedAndAnArchiveOfItIsPimg2050()
    {
        using var registries = Registries();
        var index = await Build(registries).AssembleAsync(Plan(), "no engine answered", _ => NoEngine, CancellationToken.None);
        using var image = IndexImage.Open(Path.Combine(_root, "index"), index.Digest, registries, new BuildLog(_log.Add, _log.Add))!;

        var e = await Assert.ThrowsAsync<PipelineImageException>(() => image.WriteArchiveAsync(true, [], Stream.Null, CancellationToken.None));
        Directory.Delete(Path.Combine(_root, "platforms", "linux-arm64"), recursive: true);

        Assert.Equal(DiagnosticCodes.PlatformsUnsupported, e.ResourceName);
        Assert.Null(IndexImage.Open(Path.Combine(_root, "index"), index.Digest, registries, new BuildLog(_log.Add, _log.Add)));
    }

    private static readonly NoRequirementsBuilder NoEngine = new(new EngineUnavailableException("unix:///fake.sock", "the default socket", "no such file"));

    private RegistryClients Registries() => new(DockerConfig.Empty, _ => _ => null, _log.Add, [], CancellationToken.None, _registry);

    private AssembledIndexBuild Build(RegistryClients registries) => new(_root, Path.Combine(_root, "bases"), registries, _ => null, [], new BuildLog(_log.Add, _log.Add));

    private PlanFile Plan()
    {
        var dockerfile = Path.Combine(_root, "Dockerfile");
        File.WriteAllText(dockerfile, "FROM registry.test/base:1\n");
        var plan = new BuildPlan("registry.test/app", [new("registry.test/app", "1.0.0")], "registry.test/base:1", "FROM registry.test/base:1\n",
            [ContextEntry.FromContent(ImagePlanner.DockerfilePath, "FROM registry.test/base:1\n"u8.ToArray())],
            PipelineImage.Requirements.RequirementPlan.Empty)
        {
            Assembly = new(1, null, [], new()),
        };
        return PlanFile.Create(plan, null, dockerfile, null, new PlannedOptions("", "", "missing", false, Push: true) { Platforms = ["linux/amd64", "linux/arm64"] },
            FileHashCache.Load(Path.Combine(_root, "hashes.tsv")).Hash);
    }
}
