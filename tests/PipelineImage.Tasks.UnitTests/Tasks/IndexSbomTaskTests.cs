using System.Text;
using System.Text.Json;
using PipelineImage.Context;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Planning;
using PipelineImage.Sbom;
using PipelineImage.Tasks;
using PipelineImage.Tests.Registry;
using PipelineImage.Transport;

namespace PipelineImage.Tests.Tasks;

/// <summary>
/// PipelineImagePlatforms with PipelineImageSbom through the tasks a pushing publish runs (BuildPipelineImage,
/// DescribePipelineImage, PushPipelineImage), with a registry in memory and no engine: a bill per platform, attached to
/// that platform's manifest, and the index's, attached to the index.
/// </summary>
public sealed class IndexSbomTaskTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pimg-index-sbom-").FullName;
    private readonly FakeBuildEngine _log = new();
    private readonly InMemoryRegistry _registry = new();

    public IndexSbomTaskTests() => _registry.AddPlatformIndex("base", "1", _ => null, ("amd64", ""), ("arm64", "v8"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void EachPlatformHasItsBillAttachedToItsManifestAndTheIndexOneNestingThem()
    {
        var imageJson = Path.Combine(_root, "image.json");
        Assert.True(new BuildPipelineImage { BuildEngine = _log, EngineFactory = NoEngine, RegistryHandler = _registry, PlanPath = WritePlan(), ImageRecordPath = imageJson }
            .Execute(), Errors());
        var sbomPath = Path.Combine(_root, "sbom.cdx.json");
        Assert.True(Describe(imageJson, sbomPath).Execute(), Errors());
        Assert.True(new PushPipelineImage { BuildEngine = _log, EngineFactory = NoEngine, RegistryHandler = _registry, ImageRecordPath = imageJson, RetryDelays = [] }
            .Execute(), Errors());

        var record = ImageRecord.Parse(File.ReadAllText(imageJson), imageJson);
        var platforms = record.Platforms!;
        Assert.Equal(new Dictionary<string, string>
        {
            ["linux/amd64"] = Path.Combine(_root, "sbom.linux-amd64.cdx.json"),
            ["linux/arm64"] = Path.Combine(_root, "sbom.linux-arm64.cdx.json"),
        }, record.PlatformSboms);
        foreach (var (platform, path) in record.PlatformSboms!)
        {
            using var bill = JsonDocument.Parse(File.ReadAllText(path));
            var described = bill.RootElement.GetProperty("metadata").GetProperty("component");
            Assert.Equal(platforms[platform], described.GetProperty("version").GetString());
            Assert.Contains(described.GetProperty("properties").EnumerateArray(),
                property => property.GetProperty("name").GetString() == "pipelineimage:platform" && property.GetProperty("value").GetString() == platform);
            Assert.Equal(File.ReadAllBytes(path), AttachedBill(platforms[platform]));
        }

        using var index = JsonDocument.Parse(File.ReadAllText(sbomPath));
        Assert.Equal(record.ImageId, index.RootElement.GetProperty("metadata").GetProperty("component").GetProperty("version").GetString());
        Assert.Equal(platforms.Values, index.RootElement.GetProperty("components").EnumerateArray().Select(image => image.GetProperty("version").GetString()));
        Assert.Equal(File.ReadAllBytes(sbomPath), AttachedBill(record.ImageId));

        // Described once: a second call writes nothing.
        Assert.True(Describe(imageJson, sbomPath).Execute(), Errors());
        Assert.Contains(_log.Messages, message => message.Message == $"{sbomPath} describes {record.ImageId} already");
    }

    [Fact]
    public void AnIndexDescribedBeforeBillsPerPlatformIsDescribedAgainAndAGoneBillOfAPlatformIsNotAttached()
    {
        var imageJson = Path.Combine(_root, "image.json");
        Assert.True(new BuildPipelineImage { BuildEngine = _log, EngineFactory = NoEngine, RegistryHandler = _registry, PlanPath = WritePlan(), ImageRecordPath = imageJson }
            .Execute(), Errors());
        var sbomPath = Path.Combine(_root, "sbom.cdx.json");
        File.WriteAllText(sbomPath, "{}\n");
        var earlier = ImageRecord.Parse(File.ReadAllText(imageJson), imageJson) with { Sbom = sbomPath };
        File.WriteAllText(imageJson, earlier.ToJson());

        Assert.True(Describe(imageJson, sbomPath).Execute(), Errors());
        var record = ImageRecord.Parse(File.ReadAllText(imageJson), imageJson);
        Assert.Equal(2, record.PlatformSboms!.Count);
        File.Delete(record.PlatformSboms["linux/arm64"]);
        Assert.True(new PushPipelineImage { BuildEngine = _log, EngineFactory = NoEngine, RegistryHandler = _registry, ImageRecordPath = imageJson, RetryDelays = [] }
            .Execute(), Errors());

        Assert.Equal(File.ReadAllBytes(record.PlatformSboms["linux/amd64"]), AttachedBill(record.Platforms!["linux/amd64"]));
        Assert.False(_registry.Manifests.ContainsKey($"app:{record.Platforms["linux/arm64"].Replace(':', '-')}"));
    }

    [Fact]
    public void APlatformsBillIsBesideTheIndexOne() =>
        Assert.Equal(Path.Combine("/obj", "sbom.linux-arm64-v8.cdx.json"), IndexBills.PlatformPath(Path.Combine("/obj", "sbom.cdx.json"), "linux/arm64/v8"));

    [Fact]
    public void InTheIndexBillEachPlatformsPackagesHaveBomRefsOfTheirOwn()
    {
        var package = new Package("nuget", "Newtonsoft.Json", "13.0.3", "pkg:nuget/Newtonsoft.Json@13.0.3");

        using var bill = JsonDocument.Parse(CycloneDx.WriteIndex("registry.test/app", "sha256:index", ["registry.test/app:1.0.0"],
            [("linux/amd64", "sha256:amd", [package]), ("linux/arm64", "sha256:arm", [package])]));

        var refs = bill.RootElement.GetProperty("components").EnumerateArray()
            .SelectMany(image => image.GetProperty("components").EnumerateArray().Select(library => library.GetProperty("bom-ref").GetString())).ToList();
        Assert.Equal(["linux/amd64|pkg:nuget/Newtonsoft.Json@13.0.3", "linux/arm64|pkg:nuget/Newtonsoft.Json@13.0.3"], refs);
    }

    // The bill the registry has as the referrer of a subject (the referrers tag, as the registry has no referrers API).
    private byte[] AttachedBill(string subject)
    {
        using var referrers = JsonDocument.Parse(_registry.Manifests[$"app:{subject.Replace(':', '-')}"].Bytes);
        var referrer = Assert.Single(referrers.RootElement.GetProperty("manifests").EnumerateArray()).GetProperty("digest").GetString();
        using var artifact = JsonDocument.Parse(_registry.Manifests[$"app:{referrer}"].Bytes);
        Assert.Equal(subject, artifact.RootElement.GetProperty("subject").GetProperty("digest").GetString());
        return _registry.Blobs[$"app@{Assert.Single(artifact.RootElement.GetProperty("layers").EnumerateArray()).GetProperty("digest").GetString()}"];
    }

    private DescribePipelineImage Describe(string imageJson, string sbomPath) =>
        new() { BuildEngine = _log, EngineFactory = NoEngine, RegistryHandler = _registry, ImageRecordPath = imageJson, SbomPath = sbomPath };

    private static IContainerEngine NoEngine(EngineConnection connection) =>
        new FakeContainerEngine { Fail = ("connect", new EngineUnavailableException("unix:///fake.sock", "DOCKER_HOST", "connection refused")) };

    private string Errors() => string.Join("\n", _log.Errors.Select(e => e.Message));

    private string WritePlan()
    {
        const string dockerfileText = "FROM registry.test/base:1\n";
        var dockerfile = Path.Combine(_root, "Dockerfile");
        File.WriteAllText(dockerfile, dockerfileText);
        var plan = new BuildPlan("registry.test/app", [new("registry.test/app", "1.0.0")], "registry.test/base:1", dockerfileText,
            [ContextEntry.FromContent(ImagePlanner.DockerfilePath, Encoding.UTF8.GetBytes(dockerfileText))], PipelineImage.Requirements.RequirementPlan.Empty)
        {
            Assembly = new(1, null, [], new()),
        };
        var file = PlanFile.Create(plan, null, dockerfile, null, new PlannedOptions("", "", "missing", false, Push: true) { Platforms = ["linux/amd64", "linux/arm64"] },
            FileHashCache.Load(Path.Combine(_root, "hashes.tsv")).Hash);
        var path = Path.Combine(_root, "plan.json");
        File.WriteAllText(path, file.ToJson());
        return path;
    }
}
