using System.Text;
using PipelineImage.Assembling;
using PipelineImage.Context;
using PipelineImage.Intermediate;
using PipelineImage.Planning;
using PipelineImage.Registry;
using PipelineImage.Tests.Registry;

namespace PipelineImage.Tests.Assembling;

public sealed class ImageAssemblerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pimg-assembler-").FullName;
    private readonly InMemoryRegistry _registry = new();
    private readonly string _baseManifestDigest;

    public ImageAssemblerTests()
    {
        var config = """{"architecture":"amd64","os":"linux","config":{"Labels":{"org.pipelineimage.content-key":"sha256:k"}},"rootfs":{"type":"layers","diff_ids":[]}}"""u8.ToArray();
        _registry.Blobs[$"base@{InMemoryRegistry.Digest(config)}"] = config;
        var manifest = Encoding.UTF8.GetBytes(
            $$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","config":{"mediaType":"{{MediaTypes.OciConfig}}","digest":"{{InMemoryRegistry.Digest(config)}}","size":{{config.Length}}},"layers":[]}""");
        _baseManifestDigest = InMemoryRegistry.Digest(manifest);
        _registry.Manifests["base:1"] = (MediaTypes.OciManifest, manifest);
        _registry.Manifests[$"base:{_baseManifestDigest}"] = (MediaTypes.OciManifest, manifest);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task TheBaseIsPinnedByItsManifestDigestAndItsConfigurationIsReadFromTheRegistryOnce()
    {
        var assembler = new ImageAssembler(registry => new RegistryClient(registry, null, _ => { }, [], _registry), _ => { });
        var plan = Plan();
        var directory = Path.Combine(_root, "assembled");

        Assert.Equal(_baseManifestDigest, await assembler.ResolveAsync("registry.test/base:1", "", CancellationToken.None));
        var first = await assembler.AssembleAsync(plan, directory, await assembler.ReadFromRegistryAsync("registry.test/base:1", "", directory, CancellationToken.None),
            CancellationToken.None);
        var configReads = _registry.Requests.Count(request => request.StartsWith("GET /v2/base/blobs/", StringComparison.Ordinal));
        var second = await assembler.AssembleAsync(plan, directory,
            await assembler.ReadFromRegistryAsync($"registry.test/base@{_baseManifestDigest}", "", directory, CancellationToken.None), CancellationToken.None);

        Assert.Equal(1, configReads);
        Assert.Equal(1, _registry.Requests.Count(request => request.StartsWith("GET /v2/base/blobs/", StringComparison.Ordinal)));
        Assert.Equal(first.ManifestDigest, second.ManifestDigest);
        Assert.Equal(_baseManifestDigest, second.BaseDigest);
        // The base's content key (a requirements base's) is not this image's.
        Assert.DoesNotContain("org.pipelineimage.content-key", File.ReadAllText(AssemblyRecord.BlobPath(directory, second.ConfigDigest)), StringComparison.Ordinal);
    }

    private PlanFile Plan()
    {
        var dockerfile = Path.Combine(_root, "Dockerfile");
        File.WriteAllText(dockerfile, "FROM registry.test/base:1\n");
        var plan = new BuildPlan("app", [new("app", "1.0.0")], "registry.test/base:1", "FROM registry.test/base:1\n",
            [ContextEntry.FromContent(ImagePlanner.DockerfilePath, "FROM registry.test/base:1\n"u8.ToArray())],
            PipelineImage.Requirements.RequirementPlan.Empty) { Assembly = new(1, null, [], new()) };
        return PlanFile.Create(plan, null, dockerfile, null, new PlannedOptions("", "", "missing", false), FileHashCache.Load(Path.Combine(_root, "hashes.tsv")).Hash);
    }
}
