using System.Text.Json;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// What broke on Docker's containerd image store (issue 30), each on that engine: BuildKit built on the registry's
/// base instead of the local one the content key names, and asked the registry even when the base was there (so
/// BuildKit builds there go through the engine's Control API, with image-resolve-mode=local); its OCI archives
/// declared gzip layers uncompressed, had no manifest.json for the graph-driver store, and named the image so that
/// the containerd store could not find it by its short name.
/// </summary>
[Collection(BuilderMatrixCollection.Name)]
public sealed class ContainerdStoreTests(PackageFeed feed)
{
    private static readonly EngineUnderTest Engine = EngineUnderTest.DockerContainerd;

    // The engine's BuildKit with nothing to build (our assembler makes this image, on the base the engine holds), and
    // its Control API (POST /grpc) at PipelineImageBuildKitHost building a requirements base on that base.
    public static TheoryData<string, string> BuildKits() => new()
    {
        { "<PipelineImageBuilder>buildkit</PipelineImageBuilder>", "" },
        { $"<PipelineImageBuildKitHost>{Engine.Socket}</PipelineImageBuildKitHost><PipelineImageNetwork>host</PipelineImageNetwork>", Jq },
    };

    private const string Jq = """<PipelineRequirement Include="jq" />""";

    [ModernEngineFact]
    public async Task BuildKitBuildsOnTheLocalBaseWhenTheRegistrysTagHasMovedAndTheNextPublishSaysSoTruly()
    {
        // The registry's tag is runtime-deps (no .NET); the local one, the same name, is runtime: only an image whose
        // requirements base BuildKit built on the local base runs the app.
        var name = $"127.0.0.1:5000/pimg-moved-{Guid.NewGuid():N}"[..40] + ":10.0";
        await using var project = new TestProject(feed, engine: Engine,
            properties: $"<PipelineImageDockerHost>{Engine.Socket}</PipelineImageDockerHost><PipelineImageBase>{name}</PipelineImageBase>"
                + $"<PipelineImageBuildKitHost>{Engine.Socket}</PipelineImageBuildKitHost><PipelineImageNetwork>host</PipelineImageNetwork>",
            items: Jq, program: """Console.WriteLine("built on the local base");""");
        try
        {
            await MustAsync(Engine.Cli.RunAsync("tag", "mcr.microsoft.com/dotnet/runtime-deps:10.0", name));
            await MustAsync(Engine.Cli.RunAsync("push", name));
            await MustAsync(Engine.Cli.RunAsync("tag", "mcr.microsoft.com/dotnet/runtime:10.0", name));
            var local = (await Engine.Cli.InspectImageAsync(name))!.Value;

            var publish = await project.PublishAsync("-v:n");

            Assert.True(publish.ExitCode == 0, publish.ToString());
            Assert.Contains($"Building through the BuildKit Control API of the Docker engine at {Engine.Socket}", publish.Output);
            var run = await Engine.Cli.RunImageAsync($"{project.ImageName}:latest");
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal("built on the local base", run.Output.Trim());
            var baseLayers = Layers(local);
            Assert.Equal(baseLayers, (await Engine.Cli.LayersAsync($"{project.ImageName}:latest")).Take(baseLayers.Count));

            var again = await project.PublishAsync("-v:n");
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.Contains($" is up to date: the engine has ", again.Output);
            Assert.Contains($"on {name} ({local.GetProperty("Id").GetString()})", again.Output);
        }
        finally
        {
            await Engine.Cli.RunAsync("image", "rm", name);
        }
    }

    [ModernEngineTheory]
    [MemberData(nameof(BuildKits))]
    public async Task APresentBaseWhoseRegistryRefusesEveryRequestIsBuiltOn(string builder, string items)
    {
        // Nothing listens on 127.0.0.1:1. Our assembler reads the base from the engine, and asks no registry; BuildKit's
        // Control API still sends the registry a HEAD for the local base's digest (Docker 26.1: two, each refused at
        // once), then builds on the local image; a FROM pinned by that digest fails instead, as POST
        // /build?version=2 resolves it remotely only.
        var repository = $"pimg-offline-{Guid.NewGuid():N}"[..24];
        var name = $"127.0.0.1:1/{repository}:10.0";
        await using var project = new TestProject(feed, engine: Engine,
            properties: $"<PipelineImageDockerHost>{Engine.Socket}</PipelineImageDockerHost><PipelineImageBase>{name}</PipelineImageBase>" + builder,
            items: items, program: """Console.WriteLine("built offline");""");
        try
        {
            await MustAsync(Engine.Cli.RunAsync("tag", "mcr.microsoft.com/dotnet/runtime:10.0", name));

            var publish = await project.PublishAsync("-v:n");

            Assert.True(publish.ExitCode == 0, publish.ToString());
            Assert.Equal("built offline", (await Engine.Cli.RunImageAsync($"{project.ImageName}:latest")).Output.Trim());
        }
        finally
        {
            await Engine.Cli.RunAsync("image", "rm", name);
        }
    }

    [ModernEngineTheory]
    [InlineData("oci", "an OCI image layout)")]
    [InlineData("docker", "a docker-archive)")]
    public async Task AnArchiveOfABuildKitImageLoadsIntoTheContainerdStoreTheGraphDriverStoreAndPodman5(string format, string written)
    {
        await using var project = new TestProject(feed, engine: Engine,
            properties: $"""
                <PipelineImageDockerHost>{Engine.Socket}</PipelineImageDockerHost>
                <PipelineImageBuildKitHost>{Engine.Socket}</PipelineImageBuildKitHost>
                <PipelineImageNetwork>host</PipelineImageNetwork>
                <PipelineImageArchiveOutputPath>artifacts/app.tar</PipelineImageArchiveOutputPath>
                <PipelineImageArchiveFormat>{format}</PipelineImageArchiveFormat>
                """,
            items: Jq, program: """Console.WriteLine("loaded from the archive");""");
        var archive = Path.Combine(project.Directory, "artifacts", "app.tar");
        var reference = $"{project.ImageName}:1.0.0";

        var publish = await project.PublishAsync("-v:n");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains(written, publish.Output);
        foreach (var engine in new[] { EngineUnderTest.DockerContainerd, EngineUnderTest.DockerGraphDriver, EngineUnderTest.Podman5 })
        {
            await engine.Cli.RunAsync("image", "rm", "--force", reference, $"{project.ImageName}:latest");
            try
            {
                var load = await engine.Cli.RunAsync("load", "--input", archive);
                Assert.True(load.ExitCode == 0, $"{engine}: {load}");
                var run = await engine.Cli.RunImageAsync(reference);
                Assert.True(run.ExitCode == 0, $"{engine}: {run}");
                Assert.Equal("loaded from the archive", run.Output.Trim());
            }
            finally
            {
                if (engine != Engine)
                {
                    await engine.Cli.RunAsync("image", "rm", "--force", reference, $"{project.ImageName}:latest");
                }
            }
        }
    }

    [ModernEngineFact]
    public async Task TheAssembledImageGoesInWholeOnceThenAsOurLayersAloneAndTheEngineSavesItWhole()
    {
        // The base is in the registry only (pushed, then untagged here): our layers go on the registry's.
        var name = $"127.0.0.1:5000/pimg-asm-{Guid.NewGuid():N}"[..36] + ":10.0";
        await MustAsync(Engine.Cli.RunAsync("tag", "mcr.microsoft.com/dotnet/runtime:10.0", name));
        await MustAsync(Engine.Cli.RunAsync("push", name));
        await MustAsync(Engine.Cli.RunAsync("image", "rm", name));
        await using var project = new TestProject(feed, engine: Engine,
            properties: $"<PipelineImageDockerHost>{Engine.Socket}</PipelineImageDockerHost><PipelineImageBase>{name}</PipelineImageBase>",
            program: """Console.WriteLine("assembled first");""");
        var reference = $"{project.ImageName}:1.0.0";

        var first = await project.PublishAsync("-v:n");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("The whole image goes into the engine: the engine keeps its images in containerd's store", first.Output);
        Assert.Contains($"into the engine at {Engine.Socket} (the whole image)", first.Output);
        Assert.Equal("assembled first", (await Engine.Cli.RunImageAsync(reference)).Output.Trim());

        project.WriteProgram("""Console.WriteLine("assembled again");""");
        var changed = await project.PublishAsync("-v:n");

        Assert.True(changed.ExitCode == 0, changed.ToString());
        Assert.Contains("(our layers; it has the base's)", changed.Output);
        Assert.Equal("assembled again", (await Engine.Cli.RunImageAsync(reference)).Output.Trim());
        // The engine knows the image by the digest a push gives it, and holds every blob its manifest names.
        var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "assembled", "assembly.json")))
            .RootElement.GetProperty("manifestDigest").GetString();
        Assert.Equal(manifest, (await Engine.Cli.InspectImageAsync(reference))!.Value.GetProperty("Id").GetString());
        var saved = Path.Combine(project.Directory, "saved.tar");
        await MustAsync(Engine.Cli.RunAsync("save", "--output", saved, reference));
        var missing = MissingBlobs(saved);
        Assert.True(missing.Count == 0, "docker save lacks " + string.Join(", ", missing));

        var unchanged = await project.PublishAsync("-v:n");
        Assert.True(unchanged.ExitCode == 0, unchanged.ToString());
        Assert.DoesNotContain("Loaded ", unchanged.Output);
    }

    // The blobs that the archive's image names (config and layers) and it does not hold.
    private static List<string> MissingBlobs(string archive)
    {
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using (var reader = new System.Formats.Tar.TarReader(File.OpenRead(archive)))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                using var bytes = new MemoryStream();
                entry.DataStream?.CopyTo(bytes);
                entries[entry.Name] = bytes.ToArray();
            }
        }

        byte[] Blob(string digest) => entries.GetValueOrDefault("blobs/sha256/" + digest["sha256:".Length..]) ?? [];
        var named = JsonDocument.Parse(entries["index.json"]).RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString()!;
        var manifest = JsonDocument.Parse(Blob(named)).RootElement;
        return manifest.GetProperty("layers").EnumerateArray().Append(manifest.GetProperty("config"))
            .Select(descriptor => descriptor.GetProperty("digest").GetString()!)
            .Where(digest => Blob(digest).Length == 0)
            .ToList();
    }

    private static List<string> Layers(JsonElement image) =>
        image.GetProperty("RootFS").GetProperty("Layers").EnumerateArray().Select(layer => layer.GetString()!).ToList();

    private static async Task MustAsync(Task<ProcessResult> command)
    {
        var result = await command;
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
