using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// PipelineImagePlatforms end to end: one publish of a framework-dependent app with an OS and a pip requirement, on the two-platform
/// stand-in of the .NET runtime image in the loopback registry (build/arm64-stand-ins.sh), pushes an index of
/// linux/amd64 and linux/arm64; the arm64 requirements base is built by the default engine's BuildKit under QEMU, or by a
/// builder node, and the arm64 image runs there under QEMU; a runner without an engine assembles and pushes the index
/// from the requirements bases in the registry.
/// </summary>
[Collection(PlatformsCollection.Name)]
public sealed class PlatformsTests(PackageFeed feed)
{
    private const string BaseImage = "localhost:5000/stand-ins/dotnet/runtime:10.0";
    private const string Program = """Console.WriteLine($"ran on {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}");""";

    [EngineFact]
    public async Task OnePublishPushesAnIndexOfBothPlatformsThatRunsOnEachAndACodeChangeRunsNoStepAndUploadsTheAppLayerOnce()
    {
        await using var wheels = new LocalPackageIndex(("pimg-demo", "1.0.0", "GREETING = 'hello from a wheel'\n"));
        var properties = $"""
            <PipelineImagePush>true</PipelineImagePush>
            <PipelineImageRegistry>localhost:5000</PipelineImageRegistry>
            <PipelineImageBase>{BaseImage}</PipelineImageBase>
            <PipelineImagePlatforms>linux/amd64;linux/arm64</PipelineImagePlatforms>
            <PipelineImageOsPackageManager>apt</PipelineImageOsPackageManager>
            <PipelineImageNetwork>host</PipelineImageNetwork>
            <PipelineImagePipIndexUrl>{wheels.Url}</PipelineImagePipIndexUrl>
            <PipelineImageSbom>true</PipelineImageSbom>
            <PipelineImageArchiveOutputPath>artifacts/app.tar</PipelineImageArchiveOutputPath>
            <PipelineImageArchiveFormat>oci</PipelineImageArchiveFormat>
            """;
        const string items = """
            <PipelineRequirement Include="jq" />
            <PipelineRequirement Include="pimg-demo" Version="1.0.0" Manager="pip" />
            """;
        await using var project = new TestProject(feed, properties: properties, items: items, program: Program);
        var name = $"localhost:5000/{project.ImageName}";
        var bases = new List<string>();
        try
        {
            var first = await project.PublishAsync("-v:n");

            Assert.True(first.ExitCode == 0, first.ToString());
            bases.AddRange(Regex.Matches(first.Output, $@"Building the requirements base ({Regex.Escape(name)}:pipelineimage-requirements-[0-9a-f]{{64}}) with the engine")
                .Select(match => match.Groups[1].Value).Distinct());
            Assert.True(bases.Count == 2, first.Output);
            using var record = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "image.json")));
            var index = record.RootElement.GetProperty("manifest").GetString()!;
            Assert.Equal(index, record.RootElement.GetProperty("pushed").GetProperty($"{name}:1.0.0").GetString());
            var platforms = record.RootElement.GetProperty("platforms");
            Assert.Equal(["linux/amd64", "linux/arm64"], platforms.EnumerateObject().Select(platform => platform.Name));

            // The registry holds the index under the tag, naming each platform's manifest.
            var (mediaType, manifests) = await IndexAsync(project.ImageName, "1.0.0");
            Assert.Contains(mediaType, new[] { "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json" });
            Assert.Equal([("amd64", platforms.GetProperty("linux/amd64").GetString()), ("arm64", platforms.GetProperty("linux/arm64").GetString())], manifests);

            // Each platform runs the app and has the requirement: arm64 under QEMU.
            foreach (var (platform, machine, architecture) in new[] { ("linux/amd64", "x86_64", "X64"), ("linux/arm64", "aarch64", "Arm64") })
            {
                var pull = await Docker.RunAsync("pull", "--platform", platform, $"{name}:1.0.0");
                Assert.True(pull.ExitCode == 0, pull.ToString());
                var app = await Docker.RunAsync("run", "--rm", "--network", "none", "--platform", platform, $"{name}:1.0.0");
                Assert.True(app.ExitCode == 0 && app.Output.Trim() == $"ran on {architecture}", app.ToString());
                var uname = await Docker.RunAsync("run", "--rm", "--network", "none", "--platform", platform, "--entrypoint", "uname", $"{name}:1.0.0", "-m");
                Assert.Equal(machine, uname.Output.Trim());
                var jq = await Docker.RunAsync("run", "--rm", "--network", "none", "--platform", platform, "--entrypoint", "jq", $"{name}:1.0.0", "--version");
                Assert.True(jq.ExitCode == 0 && jq.Output.StartsWith("jq-", StringComparison.Ordinal), jq.ToString());
                var wheel = await Docker.RunAsync("run", "--rm", "--network", "none", "--platform", platform, "--entrypoint", "/opt/venv/bin/python", $"{name}:1.0.0",
                    "-c", "import pimg_demo; print(pimg_demo.GREETING)");
                Assert.True(wheel.ExitCode == 0 && wheel.Output.Trim() == "hello from a wheel", wheel.ToString());
            }

            // Each platform's bill lists that platform's packages and is attached to its manifest; the index's to the index.
            foreach (var (platform, architecture) in new[] { ("linux/amd64", "amd64"), ("linux/arm64", "arm64") })
            {
                var bill = await File.ReadAllTextAsync(record.RootElement.GetProperty("platformSboms").GetProperty(platform).GetString()!);
                Assert.Matches($"\"purl\": \"pkg:deb/[a-z]+/jq@[^\"]+\\?arch={architecture}\"", bill);
                Assert.Contains("\"purl\": \"pkg:pypi/pimg-demo@1.0.0\"", bill);
                var referrers = await ReferrersAsync(project.ImageName, platforms.GetProperty(platform).GetString()!);
                Assert.Equal(["application/vnd.cyclonedx+json"], referrers);
            }

            Assert.Equal(["application/vnd.cyclonedx+json"], await ReferrersAsync(project.ImageName, index));

            // The OCI archive holds the index as pushed, with every platform's image: the containerd store loads it whole.
            var archive = Path.Combine(project.Directory, "artifacts", "app.tar");
            var blobs = ArchiveBlobs(archive, out var named);
            Assert.Equal(index, named);
            Assert.All(platforms.EnumerateObject(), platform => Assert.Contains(platform.Value.GetString()!, blobs));
            Assert.Equal(0, (await Docker.RunAsync("rmi", $"{name}:1.0.0")).ExitCode);
            var load = await Docker.RunAsync("load", "--input", archive);
            Assert.True(load.ExitCode == 0, load.ToString());
            var loaded = await Docker.RunAsync("run", "--rm", "--pull", "never", "--network", "none", "--platform", "linux/arm64", $"{name}:1.0.0");
            Assert.True(loaded.ExitCode == 0 && loaded.Output.Trim() == "ran on Arm64", loaded.ToString());

            // Unchanged: nothing built, nothing pushed.
            var unchanged = await project.PublishAsync("-v:n");

            Assert.True(unchanged.ExitCode == 0, unchanged.ToString());
            Assert.DoesNotContain("Building the requirements base", unchanged.Output);
            Assert.Equal(2, Regex.Matches(unchanged.Output, "is in the registry: nothing of it is built").Count);
            Assert.DoesNotContain("Wrote the layer", unchanged.Output);
            Assert.Contains("is in its registry as pushed before", unchanged.Output);

            // A code change: no RUN step on any platform; the app's layer goes up once, each platform's config and manifest with it.
            project.WriteProgram(Program.Replace("ran on", "now runs on", StringComparison.Ordinal));
            var changed = await project.PublishAsync("-v:n");

            Assert.True(changed.ExitCode == 0, changed.ToString());
            Assert.DoesNotContain("Building the requirements base", changed.Output);
            Assert.Single(Regex.Matches(changed.Output, "Wrote the layer of COPY .pipelineimage/app/"));
            Assert.Contains("the whole index (sha256:", changed.Output);
            Assert.Contains("without the linux/amd64 base's layers: it holds them", changed.Output);
            Assert.Matches(@"Pushed the linux/amd64 image of localhost:5000/\S+ \(sha256:[0-9a-f]{64}\): 2 blob\(s\) uploaded", changed.Output);
            Assert.Matches(@"Pushed the linux/arm64 image of localhost:5000/\S+ \(sha256:[0-9a-f]{64}\): 1 blob\(s\) uploaded", changed.Output);
            Assert.Equal(0, (await Docker.RunAsync("pull", "--platform", "linux/arm64", $"{name}:1.0.0")).ExitCode);
            var rerun = await Docker.RunAsync("run", "--rm", "--network", "none", "--platform", "linux/arm64", $"{name}:1.0.0");
            Assert.Equal("now runs on Arm64", rerun.Output.Trim());

            // A runner without an engine: the requirements bases are in the registry, so the index is assembled and
            // pushed here, with no engine and no RUN step.
            project.WriteProgram(Program.Replace("ran on", "ran without an engine on", StringComparison.Ordinal));
            var noEngine = await project.PublishAsync(new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix:///nonexistent/pipelineimage/docker.sock" }, "-v:n");

            Assert.True(noEngine.ExitCode == 0, noEngine.ToString());
            Assert.Contains("No engine answers at unix:///nonexistent/pipelineimage/docker.sock", noEngine.Output);
            Assert.Equal(2, Regex.Matches(noEngine.Output, "is in the registry: nothing of it is built").Count);
            Assert.DoesNotContain("Loaded ", noEngine.Output);
            Assert.Equal(0, (await Docker.RunAsync("pull", "--platform", "linux/arm64", $"{name}:1.0.0")).ExitCode);
            var assembled = await Docker.RunAsync("run", "--rm", "--network", "none", "--platform", "linux/arm64", $"{name}:1.0.0");
            Assert.Equal("ran without an engine on Arm64", assembled.Output.Trim());
        }
        finally
        {
            await Docker.RemoveRepositoryAsync(name);
        }
    }

    [EngineFact]
    public async Task ABuilderNodeBuildsTheRunStepsOfItsPlatformAndTheEngineThoseOfTheOthers()
    {
        // Docker 26 on overlay2, through its BuildKit's Control API, stands in for an arm64 machine's BuildKit.
        var node = EngineUnderTest.DockerGraphDriver;
        var properties = $"""
            <PipelineImagePush>true</PipelineImagePush>
            <PipelineImageRegistry>localhost:5000</PipelineImageRegistry>
            <PipelineImageBase>{BaseImage}</PipelineImageBase>
            <PipelineImagePlatforms>linux/amd64;linux/arm64</PipelineImagePlatforms>
            <PipelineImageOsPackageManager>apt</PipelineImageOsPackageManager>
            <PipelineImageNetwork>host</PipelineImageNetwork>
            """;
        var items = $"""<PipelineRequirement Include="jq" /><PipelineImageBuilderNode Include="{node.Socket}" Platform="linux/arm64" />""";
        await using var project = new TestProject(feed, properties: properties, items: items, program: Program);
        var name = $"localhost:5000/{project.ImageName}";
        try
        {
            var publish = await project.PublishAsync("-v:n");

            Assert.True(publish.ExitCode == 0, publish.ToString());
            Assert.Contains($"Builder node for linux/arm64: BuildKit's Control API of the engine at {node.Socket}", publish.Output);
            var built = Regex.Matches(publish.Output, $@"Building the requirements base {Regex.Escape(name)}:pipelineimage-requirements-[0-9a-f]{{64}} with the engine at (\S+) ")
                .Select(match => match.Groups[1].Value).ToList();
            Assert.True(built.Count == 2 && built[0].StartsWith(EngineUnderTest.Default.Socket, StringComparison.Ordinal)
                && built[1].StartsWith(node.Socket, StringComparison.Ordinal), publish.Output);
            var pull = await Docker.RunAsync("pull", "--platform", "linux/arm64", $"{name}:1.0.0");
            Assert.True(pull.ExitCode == 0, pull.ToString());
            var jq = await Docker.RunAsync("run", "--rm", "--network", "none", "--platform", "linux/arm64", "--entrypoint", "jq", $"{name}:1.0.0", "--version");
            Assert.True(jq.ExitCode == 0 && jq.Output.StartsWith("jq-", StringComparison.Ordinal), jq.ToString());
        }
        finally
        {
            await Docker.RemoveRepositoryAsync(name);
            await node.Cli.RemoveRepositoryAsync(name);
        }
    }

    [EngineFact]
    public async Task OnPodmanTheRunStepsOfEachPlatformAreBuiltThereAndOnlyItsOwnPlatformsImageGoesIntoItsStore()
    {
        // Podman 5 speaks plain HTTP to 127.0.0.1:5000 (its registries.conf), not to localhost:5000.
        var engine = EngineUnderTest.Podman5;
        var properties = """
            <PipelineImagePush>true</PipelineImagePush>
            <PipelineImageRegistry>127.0.0.1:5000</PipelineImageRegistry>
            <PipelineImageBase>127.0.0.1:5000/stand-ins/dotnet/runtime:10.0</PipelineImageBase>
            <PipelineImagePlatforms>linux/amd64;linux/arm64</PipelineImagePlatforms>
            <PipelineImageOsPackageManager>apt</PipelineImageOsPackageManager>
            <PipelineImageNetwork>host</PipelineImageNetwork>
            """;
        await using var project = new TestProject(feed, properties: properties, items: """<PipelineRequirement Include="jq" />""", program: Program, engine: engine);
        var name = $"127.0.0.1:5000/{project.ImageName}";
        try
        {
            var publish = await project.PublishAsync("-v:n");

            Assert.True(publish.ExitCode == 0, publish.ToString());
            Assert.Equal(2, Regex.Matches(publish.Output, $@"Building the requirements base {Regex.Escape(name)}:pipelineimage-requirements-[0-9a-f]{{64}} with the engine at {Regex.Escape(engine.Socket)}").Count);
            Assert.Contains("the linux/amd64 image only", publish.Output);
            foreach (var (platform, architecture) in new[] { ("linux/amd64", "X64"), ("linux/arm64", "Arm64") })
            {
                Assert.Equal(0, (await Docker.RunAsync("pull", "--platform", platform, $"{name}:1.0.0")).ExitCode);
                var app = await Docker.RunAsync("run", "--rm", "--network", "none", "--platform", platform, $"{name}:1.0.0");
                Assert.True(app.ExitCode == 0 && app.Output.Trim() == $"ran on {architecture}", app.ToString());
                var jq = await Docker.RunAsync("run", "--rm", "--network", "none", "--platform", platform, "--entrypoint", "jq", $"{name}:1.0.0", "--version");
                Assert.True(jq.ExitCode == 0 && jq.Output.StartsWith("jq-", StringComparison.Ordinal), jq.ToString());
            }

            var local = await engine.Cli.RunAsync("run", "--rm", "--network", "none", $"{name}:1.0.0");
            Assert.True(local.ExitCode == 0 && local.Output.Trim() == "ran on X64", local.ToString());
        }
        finally
        {
            await Docker.RemoveRepositoryAsync(name);
            await engine.Cli.RemoveRepositoryAsync(name);
        }
    }

    [EngineFact]
    public async Task WithASigningKeyTheIndexAndEachPlatformsManifestAreSignedAndCosignVerifiesEach()
    {
        var properties = $"""
            <PipelineImagePush>true</PipelineImagePush>
            <PipelineImageRegistry>localhost:5000</PipelineImageRegistry>
            <PipelineImageBase>{BaseImage}</PipelineImageBase>
            <PipelineImagePlatforms>linux/amd64;linux/arm64</PipelineImagePlatforms>
            <PipelineImageSigningKey>cosign.key</PipelineImageSigningKey>
            """;
        await using var project = new TestProject(feed, properties: properties, program: Program);
        Assert.Equal(0, (await Cosign.GenerateKeyPairAsync(project.Directory, "index-password")).ExitCode);
        var name = $"localhost:5000/{project.ImageName}";
        try
        {
            var publish = await project.PublishAsync(new Dictionary<string, string?> { ["COSIGN_PASSWORD"] = "index-password" });

            Assert.True(publish.ExitCode == 0, publish.ToString());
            using var record = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "image.json")));
            var digests = record.RootElement.GetProperty("platforms").EnumerateObject().Select(platform => platform.Value.GetString()!)
                .Prepend(record.RootElement.GetProperty("manifest").GetString()!).ToList();
            Assert.Equal(3, digests.Count);
            foreach (var digest in digests)
            {
                Assert.Contains($"Signed {name}@{digest}", publish.Output);
                var verified = await Cosign.VerifyAsync($"{name}@{digest}", Path.Combine(project.Directory, "cosign.pub"));
                Assert.True(verified.ExitCode == 0, verified.ToString());
                var provenance = await Cosign.VerifyAttestationAsync($"{name}@{digest}", Path.Combine(project.Directory, "cosign.pub"), "slsaprovenance1");
                Assert.True(provenance.ExitCode == 0, provenance.ToString());
            }
        }
        finally
        {
            await Docker.RemoveRepositoryAsync(name);
        }
    }

    [EngineFact]
    public async Task ANativeAotAppIsCompiledForEachPlatformAndEachImageRunsItsOwnExecutable()
    {
        var properties = """
            <PublishAot>true</PublishAot>
            <PipelineImagePush>true</PipelineImagePush>
            <PipelineImageRegistry>localhost:5000</PipelineImageRegistry>
            <PipelineImageBase>localhost:5000/stand-ins/dotnet/runtime-deps:10.0</PipelineImageBase>
            <PipelineImagePlatforms>linux/amd64;linux/arm64</PipelineImagePlatforms>
            """;
        await using var project = new TestProject(feed, properties: properties, program: Program);
        var name = $"localhost:5000/{project.ImageName}";
        var armPublish = Path.Combine(project.Directory, "obj", "Release", "net10.0", "linux-x64", "pipelineimage", "publish", "linux-arm64");
        try
        {
            // Before anything is published for arm64: the restore lacks its runtime identifier, then its C toolchain is missing.
            var unrestored = await project.PublishAsync();

            Assert.True(unrestored.ExitCode != 0, unrestored.ToString());
            Assert.Contains("error PIMG2054: PipelineImagePlatforms 'linux/amd64;linux/arm64' publishes this app once per platform", unrestored.Output);
            Assert.Contains("add <RuntimeIdentifiers>linux-x64;linux-arm64</RuntimeIdentifiers> to the project", unrestored.Output);
            project.WriteProject(properties + "<RuntimeIdentifiers>linux-x64;linux-arm64</RuntimeIdentifiers>", "");
            var noToolchain = System.IO.Directory.CreateTempSubdirectory("pimg-no-toolchain-").FullName;
            var uncompilable = await project.PublishAsync($"-p:_PipelineImageToolchainRoot={noToolchain}/");
            System.IO.Directory.Delete(noToolchain);

            Assert.True(uncompilable.ExitCode != 0, uncompilable.ToString());
            Assert.Contains("error PIMG2053: PipelineImagePlatforms 'linux/amd64;linux/arm64' with PublishAot=true: native AOT for linux/arm64 (linux-arm64) on this x64 machine",
                uncompilable.Output);
            Assert.False(System.IO.Directory.Exists(armPublish));

            // With both: an executable per platform, arm64's compiled here with the cross toolchain, each in its own image.
            var first = await project.PublishAsync("-v:n");

            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.True(File.Exists(Path.Combine(armPublish, project.AssemblyName)), first.Output);
            var (_, manifests) = await IndexAsync(project.ImageName, "1.0.0");
            Assert.Equal(["amd64", "arm64"], manifests.Select(manifest => manifest.Item1));
            // ELF's e_machine, at offset 18: 0x3e x86-64, 0xb7 AArch64.
            foreach (var (platform, architecture, machine) in new[] { ("linux/amd64", "X64", "3e"), ("linux/arm64", "Arm64", "b7") })
            {
                Assert.Equal(0, (await Docker.RunAsync("pull", "--platform", platform, $"{name}:1.0.0")).ExitCode);
                var app = await Docker.RunAsync("run", "--rm", "--network", "none", "--platform", platform, $"{name}:1.0.0");
                Assert.True(app.ExitCode == 0 && app.Output.Trim() == $"ran on {architecture}", app.ToString());
                // A native executable of that architecture, with no managed assembly or symbols beside it.
                var files = await Docker.RunAsync("run", "--rm", "--network", "none", "--platform", platform, "--entrypoint", "/bin/sh", $"{name}:1.0.0",
                    "-c", $"ls /app; head -c 20 /app/{project.AssemblyName} | od -An -tx1 | tr -d ' \n'");
                var lines = files.Output.Trim().Split('\n');
                Assert.True(lines.Length == 2 && lines[0] == project.AssemblyName, files.ToString());
                Assert.Equal(machine, lines[1][36..38]);
            }

            // Unchanged: nothing written, nothing pushed.
            var unchanged = await project.PublishAsync("-v:n");

            Assert.True(unchanged.ExitCode == 0, unchanged.ToString());
            Assert.DoesNotContain("Wrote the layer", unchanged.Output);
            Assert.Contains("is in its registry as pushed before", unchanged.Output);

            // A code change: each platform's executable is its own layer, written and pushed once.
            project.WriteProgram(Program.Replace("ran on", "now runs on", StringComparison.Ordinal));
            var changed = await project.PublishAsync("-v:n");

            Assert.True(changed.ExitCode == 0, changed.ToString());
            Assert.Equal(2, Regex.Matches(changed.Output, "Wrote the layer of COPY .pipelineimage/app/").Count);
            Assert.Matches(@"Pushed the linux/amd64 image of localhost:5000/\S+ \(sha256:[0-9a-f]{64}\): 2 blob\(s\) uploaded", changed.Output);
            Assert.Matches(@"Pushed the linux/arm64 image of localhost:5000/\S+ \(sha256:[0-9a-f]{64}\): 2 blob\(s\) uploaded", changed.Output);
            Assert.Equal(0, (await Docker.RunAsync("pull", "--platform", "linux/arm64", $"{name}:1.0.0")).ExitCode);
            var rerun = await Docker.RunAsync("run", "--rm", "--network", "none", "--platform", "linux/arm64", $"{name}:1.0.0");
            Assert.Equal("now runs on Arm64", rerun.Output.Trim());
        }
        finally
        {
            await Docker.RemoveRepositoryAsync(name);
        }
    }

    // The tag's index in the open registry: its media type, and each manifest's architecture and digest.
    // The artifact types of a manifest's referrers: its referrers tag, as Debian's registry has no referrers API.
    private static async Task<string[]> ReferrersAsync(string repository, string digest)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://localhost:5000/v2/{repository}/manifests/{digest.Replace(':', '-')}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.oci.image.index.v1+json"));
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("manifests").EnumerateArray().Select(referrer => referrer.GetProperty("artifactType").GetString()!).ToArray();
    }

    // The digests of an OCI layout archive's blobs, and the digest its index.json names.
    private static HashSet<string> ArchiveBlobs(string archive, out string named)
    {
        var blobs = new HashSet<string>(StringComparer.Ordinal);
        named = "";
        using var reader = new System.Formats.Tar.TarReader(File.OpenRead(archive));
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.Name == "index.json")
            {
                using var document = JsonDocument.Parse(entry.DataStream!);
                named = Assert.Single(document.RootElement.GetProperty("manifests").EnumerateArray()).GetProperty("digest").GetString()!;
            }
            else if (entry.Name.StartsWith("blobs/sha256/", StringComparison.Ordinal) && entry.Name.Length > "blobs/sha256/".Length)
            {
                blobs.Add("sha256:" + entry.Name["blobs/sha256/".Length..]);
            }
        }

        return blobs;
    }

    private static async Task<(string MediaType, (string, string?)[] Manifests)> IndexAsync(string repository, string tag)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://localhost:5000/v2/{repository}/manifests/{tag}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.oci.image.index.v1+json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.docker.distribution.manifest.list.v2+json"));
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.Content.Headers.ContentType!.MediaType!, document.RootElement.GetProperty("manifests").EnumerateArray()
            .Select(manifest => (manifest.GetProperty("platform").GetProperty("architecture").GetString()!, manifest.GetProperty("digest").GetString())).ToArray());
    }
}
