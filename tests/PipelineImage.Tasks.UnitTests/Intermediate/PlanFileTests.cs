using PipelineImage.Context;
using PipelineImage.Intermediate;
using PipelineImage.Planning;

namespace PipelineImage.Tests.Intermediate;

public sealed class PlanFileTests : IDisposable
{
    private static readonly PipelineImage.Planning.AssemblyPlan NoLayers = new(1, null, [], new());

    private readonly string _root = Directory.CreateTempSubdirectory("pimg-plan-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void PlanJsonAndImageJsonUseTheGeneratedMetadataNotReflection()
    {
        // With no resolver, System.Text.Json falls back to reflection and emits code for every property at run time.
        var resolver = IntermediateJson.Files.TypeInfoResolver;

        Assert.IsType<IntermediateJson>(resolver);
        Assert.NotNull(resolver.GetTypeInfo(typeof(PlanFile), IntermediateJson.Files));
        Assert.NotNull(resolver.GetTypeInfo(typeof(ImageRecord), IntermediateJson.Files));
    }

    [Fact]
    public async Task APlanReadsBackAsItWasWrittenWithTheSameContextBytes()
    {
        var plan = Create();
        var path = Path.Combine(_root, "plan.json");
        await File.WriteAllTextAsync(path, plan.ToJson());

        var read = await PlanFile.ReadAsync(path, CancellationToken.None);

        Assert.Equal(plan.ToJson(), read.ToJson());
        Assert.Equal(await TarAsync(plan.ContextEntries()), await TarAsync(read.ContextEntries()));
        Assert.Contains("\"references\": [\n    {\n      \"name\": \"hello\",\n      \"tag\": \"1.0.0\"", plan.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheInputsKeyFollowsContentModesAndOptionsButNotTagsOrWhereTheFilesAre()
    {
        var key = Create().InputsKey;

        Assert.Matches("^sha256:[0-9a-f]{64}$", key);
        Assert.Equal(key, Create().InputsKey);
        Assert.Equal(key, Create(tags: ["2.0.0"]).InputsKey);
        Assert.Equal(key, Create(moveTo: "elsewhere").InputsKey);
        Assert.NotEqual(key, Create(content: "changed").InputsKey);
        Assert.NotEqual(key, Create(executable: true).InputsKey);
        Assert.NotEqual(key, Create(network: "host").InputsKey);
    }

    [Fact]
    public void TheClassicBuildersOwnDockerfileIsRecordedAndTakenFromWhereItWasWritten()
    {
        var written = Path.Combine(_root, "Dockerfile.classic");
        File.WriteAllText(written, "FROM scratch\n# classic\n");
        File.WriteAllText(Path.Combine(_root, "Dockerfile"), "FROM scratch\n");
        var plan = new BuildPlan("hello", [new("hello", "1.0.0")], "scratch", "FROM scratch\n",
            [
                ContextEntry.FromContent(ImagePlanner.DockerfilePath, "FROM scratch\n"u8.ToArray()),
                ContextEntry.FromContent(ImagePlanner.ClassicDockerfilePath, "FROM scratch\n# classic\n"u8.ToArray()),
            ],
            PipelineImage.Requirements.RequirementPlan.Empty) { ClassicDockerfile = "FROM scratch\n# classic\n", Assembly = NoLayers };

        var file = PlanFile.Create(plan, null, Path.Combine(_root, "Dockerfile"), written, new PlannedOptions("", "", "missing", false), FileHashCache.Load(Path.Combine(_root, "hashes.tsv")).Hash);

        Assert.Equal(".pipelineimage/Dockerfile.classic", file.ClassicDockerfile);
        Assert.Equal(written, file.Context.Single(entry => entry.Path == ImagePlanner.ClassicDockerfilePath).Source);
        Assert.Equal(".pipelineimage/Dockerfile.classic", file.DockerfileFor(PipelineImage.Engine.ImageBuilder.Classic));
        Assert.Equal(".pipelineimage/Dockerfile", file.DockerfileFor(PipelineImage.Engine.ImageBuilder.BuildKit));
        Assert.Equal(".pipelineimage/Dockerfile", file.DockerfileFor(PipelineImage.Engine.ImageBuilder.Podman));
        Assert.Contains("\"classicDockerfile\": \".pipelineimage/Dockerfile.classic\"", file.ToJson(), StringComparison.Ordinal);
        Assert.DoesNotContain("classicDockerfile", Create().ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretsAreRecordedByWhereTheyAreNeverByValueAndChangeNoInputsKey()
    {
        var plain = Create();
        var plan = Create(secrets: [new("pip-index", SecretSource.Environment, "PIP_INDEX_TOKEN"), new("netrc", SecretSource.File, "/home/u/.netrc")]);
        var path = Path.Combine(_root, "plan.json");
        await File.WriteAllTextAsync(path, plan.ToJson());

        var read = await PlanFile.ReadAsync(path, CancellationToken.None);

        Assert.Equal(plan.Secrets, read.Secrets);
        Assert.Contains("\"secrets\": [\n    {\n      \"id\": \"pip-index\",\n      \"source\": \"Environment\",\n      \"location\": \"PIP_INDEX_TOKEN\"", plan.ToJson(), StringComparison.Ordinal);
        Assert.DoesNotContain("secrets", plain.ToJson(), StringComparison.Ordinal);
        Assert.Equal(plain.InputsKey, plan.InputsKey);
        Assert.DoesNotContain("secrets", Create(secrets: []).ToJson(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "is not a plan")]
    [InlineData("{\"schema\": 2}", "has schema 2, and this version of PipelineImage.Tasks reads 1")]
    [InlineData("{\"schema\": 1, \"name\": \"a\", \"references\": [], \"baseImage\": \"b\", \"dockerfile\": \"D\", \"options\": {\"network\": \"\", \"platform\": \"\", \"pull\": \"sometimes\", \"noCache\": false}, \"context\": []}", "is not a plan")]
    public async Task WhatIsNoPlanOfThisSchemaIsPimg4006(string text, string reason)
    {
        var path = Path.Combine(_root, "plan.json");
        await File.WriteAllTextAsync(path, text);

        var e = await Assert.ThrowsAsync<PipelineImage.Diagnostics.PipelineImageException>(() => PlanFile.ReadAsync(path, CancellationToken.None));

        Assert.Equal("InvalidPlan", e.ResourceName);
        Assert.StartsWith(reason, (string)e.Arguments[1]);
    }

    [Fact]
    public void TheRequirementsBaseIsTaggedByItsContentKeyWhichFollowsItsPinnedDockerfileNotTheAppOrItsTags()
    {
        var requirements = new PipelineImage.Planning.PlannedRequirementsBase("FROM base:1\nRUN x\n", null, [".pipelineimage/app/app.dll"]);
        PlanFile BaseOf(PlanFile plan, string digest, string name = "Dockerfile")
        {
            var pinned = PipelineImage.Assembling.RequirementsBase.Pinned("base:1", digest);
            var dockerfile = Path.Combine(_root, name);
            File.WriteAllText(dockerfile, PipelineImage.Assembling.RequirementsBase.Pin(requirements.Dockerfile, "base:1", pinned));
            return (plan with { Assembly = NoLayers with { Requirements = requirements } }).ForRequirementsBase(pinned, dockerfile, null,
                FileHashCache.Load(Path.Combine(_root, "hashes.tsv")).Hash);
        }

        var first = BaseOf(Create(), "sha256:" + new string('1', 64));

        var reference = Assert.Single(first.References);
        Assert.Equal("hello", reference.Name);
        Assert.Equal(PlanFile.RequirementsTagPrefix + first.InputsKey["sha256:".Length..], reference.Tag);
        Assert.Equal("base@sha256:" + new string('1', 64), first.BaseImage);
        Assert.Equal([ImagePlanner.DockerfilePath, ".pipelineimage/app/app.dll"], first.Context.Select(entry => entry.Path));
        Assert.Null(first.Assembly);
        Assert.Equal(reference, BaseOf(Create(tags: ["2.0.0"], moveTo: "other"), "sha256:" + new string('1', 64), "Dockerfile.again").References[0]);
        Assert.NotEqual(reference, BaseOf(Create(), "sha256:" + new string('2', 64)).References[0]);
        Assert.NotEqual(reference, BaseOf(Create(content: "another requirements file"), "sha256:" + new string('1', 64)).References[0]);
        Assert.Throws<InvalidOperationException>(() => Create().ForRequirementsBase("base@sha256:1", "Dockerfile", null, _ => ""));
    }

    private PlanFile Create(string content = "app", bool executable = false, string network = "", IReadOnlyList<string>? tags = null, string moveTo = "", IReadOnlyList<PlannedSecret>? secrets = null)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root, moveTo)).FullName;
        var app = Path.Combine(directory, "app.dll");
        var dockerfile = Path.Combine(directory, "Dockerfile");
        File.WriteAllText(app, content);
        File.WriteAllText(dockerfile, "FROM scratch\n");
        var references = (tags ?? ["1.0.0"]).Select(tag => new PipelineImage.Naming.ImageReference("hello", tag)).ToList();
        var plan = new BuildPlan("hello", references, "scratch", "FROM scratch\n",
            [ContextEntry.FromContent(ImagePlanner.DockerfilePath, "FROM scratch\n"u8.ToArray()), ContextEntry.FromFile(".pipelineimage/app/app.dll", app, executable)],
            PipelineImage.Requirements.RequirementPlan.Empty) { Assembly = NoLayers };
        return PlanFile.Create(plan, null, dockerfile, null, new PlannedOptions(network, "", "missing", false), FileHashCache.Load(Path.Combine(directory, "hashes.tsv")).Hash, secrets);
    }

    private static async Task<byte[]> TarAsync(IReadOnlyList<ContextEntry> entries)
    {
        using var stream = new MemoryStream();
        await ContextTarWriter.WriteAsync(entries, stream, CancellationToken.None);
        return stream.ToArray();
    }
}
