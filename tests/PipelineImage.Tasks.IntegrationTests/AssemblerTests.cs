using System.Text.Json;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// The assembler end to end: with DOCKER_HOST pointing nowhere, publishes write their own layers on the base image
/// from the loopback registry and push through the registry API, to the open registry (the base mounted) and the
/// htpasswd one (the base copied over); clean clones of one project in other directories, at other times, push the
/// same manifest digest, and the third uploads nothing. The engine is used only to check the result.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class AssemblerTests(PackageFeed feed)
{
    private const string BaseImage = "localhost:5000/dotnet/runtime:10.0";
    private const string Program = """Console.WriteLine($"assembled, ran as {Environment.UserName} in {Environment.CurrentDirectory}");""";

    // No engine: a socket that does not exist.
    private static readonly Dictionary<string, string?> NoEngine = new() { ["DOCKER_HOST"] = "unix:///nonexistent/pipelineimage/docker.sock" };

    private static readonly Dictionary<string, string?> NoEngineWithAuth = new(NoEngine)
    {
        ["PIPELINEIMAGE_REGISTRY_USERNAME"] = "pipeline-ci",
        ["PIPELINEIMAGE_REGISTRY_PASSWORD"] = "pimg-loopback-test-password",
    };

    [EngineFact]
    public async Task CleanClonesPushTheSameDigestWithoutAnEngineAndTheThirdUploadsNoBlob()
    {
        await PushBaseImageAsync();
        var assemblyName = $"E2eAsm{Guid.NewGuid():N}"[..15];
        const string properties = $"""
            <PipelineImagePush>true</PipelineImagePush>
            <PipelineImageBase>{BaseImage}</PipelineImageBase>
            <ContinuousIntegrationBuild>true</ContinuousIntegrationBuild>
            """;
        await using var first = await CloneAsync(properties, assemblyName);
        var name = $"localhost:5000/{first.ImageName}";

        var one = await first.PublishAsync(NoEngine, "-v:n", "-p:PipelineImageRegistry=localhost:5000");

        Assert.True(one.ExitCode == 0, one.ToString());
        Assert.Contains("the image is assembled here (it has no RUN step) and pushed through the registry API", one.Output);
        Assert.Matches($@"Pushed {name.Replace(".", @"\.")}:1\.0\.0 \(sha256:[0-9a-f]{{64}}\) without an engine: [1-9] blob\(s\) uploaded", one.Output);
        var digest = PushedDigest(first, $"{name}:1.0.0");
        Assert.Equal(digest, PushedDigest(first, $"{name}:latest"));

        // Another clone, elsewhere and later, into the other registry (its own storage; the base's layers copied there).
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await using var second = await CloneAsync(properties, assemblyName);
        var two = await second.PublishAsync(NoEngineWithAuth, "-v:n", "-p:PipelineImageRegistry=localhost:5001");

        Assert.True(two.ExitCode == 0, two.ToString());
        Assert.True(digest == PushedDigest(second, $"localhost:5001/{second.ImageName}:1.0.0"),
            $"{File.ReadAllText(Path.Combine(first.OutputDirectory, "plan.json"))}\n{File.ReadAllText(Path.Combine(second.OutputDirectory, "plan.json"))}");
        Assert.Contains("Credentials for localhost:5001: from the PIPELINEIMAGE_REGISTRY_USERNAME and PIPELINEIMAGE_REGISTRY_PASSWORD", two.Output);
        Assert.DoesNotContain("pimg-loopback-test-password", two.Output);

        // A third clean clone to the first registry: the manifest is there, and only the tags go up.
        await using var third = await CloneAsync(properties, assemblyName);
        var three = await third.PublishAsync(NoEngine, "-v:n", "-p:PipelineImageRegistry=localhost:5000");

        Assert.True(three.ExitCode == 0, three.ToString());
        Assert.Equal(digest, PushedDigest(third, $"{name}:1.0.0"));
        Assert.Contains($"Pushed {name}:1.0.0 ({digest}) without an engine: 0 blob(s) uploaded (0 B)", three.Output);
        Assert.Contains($"already has {digest}: only the tag latest is added", three.Output);

        // The registry holds it whole: pulled by the engine, it runs as the app user in /app.
        var pull = await Docker.RunAsync("pull", $"{name}:1.0.0");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal("assembled, ran as app in /app", (await Docker.RunImageAsync($"{name}:1.0.0")).Output.Trim());
        await Docker.RunAsync("image", "rm", $"{name}:1.0.0", $"{name}:latest");
    }

    [EngineFact]
    public async Task TheAssembledImageHasTheFilesAndConfigurationOfTheEngineBuildOfItsDockerfile()
    {
        await PushBaseImageAsync();
        await using var project = new TestProject(feed,
            properties: $"""
                <PipelineImageBase>{BaseImage}</PipelineImageBase>
                <PipelineImageTags>engine</PipelineImageTags>
                """,
            items: """
                <PackageReference Include="Newtonsoft.Json" Version="13.0.3" />
                <PipelineImageEnvironmentVariable Include="PIPELINE_STEP" Value="assembled $HOME" />
                <PipelineImageLabel Include="team" Value="data" />
                <PipelineImagePort Include="9000" />
                <PipelineImageDefaultArg Include="--verbose" />
                """,
            program: Program);
        var engine = await project.PublishAsync();
        Assert.True(engine.ExitCode == 0, engine.ToString());
        var name = $"localhost:5000/{project.ImageName}";

        var assembled = await project.PublishAsync(NoEngine, "-p:PipelineImageRegistry=localhost:5000",
            "-p:PipelineImageTags=assembled", "-p:PipelineImagePush=true");
        Assert.True(assembled.ExitCode == 0, assembled.ToString());
        var pull = await Docker.RunAsync("pull", $"{name}:assembled");
        Assert.True(pull.ExitCode == 0, pull.ToString());

        var built = (await Docker.InspectImageAsync($"{project.ImageName}:engine"))!.Value.GetProperty("Config");
        var ours = (await Docker.InspectImageAsync($"{name}:assembled"))!.Value.GetProperty("Config");
        foreach (var field in new[] { "Env", "Entrypoint", "Cmd", "WorkingDir", "User", "ExposedPorts" })
        {
            Assert.Equal(built.GetProperty(field).ToString(), ours.GetProperty(field).ToString());
        }

        Assert.Equal(Labels(built), Labels(ours));
        Assert.Equal(await ListingAsync($"{project.ImageName}:engine"), await ListingAsync($"{name}:assembled"));
        await Docker.RunAsync("image", "rm", $"{name}:assembled");
    }

    [EngineFact]
    public async Task AnAssembledPushSurvivesFaultsAndItsArchiveLoadsWithDockerLoad()
    {
        await PushBaseImageAsync();
        var manifest = new Fault("PUT", "^/v2/.+/manifests/", 2, FaultKind.ServiceUnavailable);
        var upload = new Fault("PUT", "^/v2/.+/blobs/uploads/", 1, FaultKind.Reset);
        await using var proxy = new FaultyRegistryProxy(5000, manifest, upload);
        await using var project = new TestProject(feed,
            properties: $"""
                <PipelineImageRegistry>{proxy.Registry}</PipelineImageRegistry>
                <PipelineImagePush>true</PipelineImagePush>
                <PipelineImageBase>{BaseImage}</PipelineImageBase>
                <PipelineImageTags>1.0.0</PipelineImageTags>
                <PipelineImageArchiveOutputPath>out/</PipelineImageArchiveOutputPath>
                """,
            program: Program);
        var name = $"{proxy.Registry}/{project.ImageName}";

        var publish = await project.PublishAsync(NoEngine, "-v:n");

        Assert.True(publish.ExitCode == 0, $"{publish}\n{string.Join("\n", proxy.Requests)}");
        Assert.Equal((2, 1), (proxy.Failed(manifest), proxy.Failed(upload)));
        Assert.Contains("answered 503 Service Unavailable; trying again in 2 s (attempt 3 of 4)", publish.Output);
        // Every manifest PUT before the last was refused: until then no tag pointed at the image.
        Assert.Equal(["503", "503", "passed"], proxy.Requests.Where(r => r.StartsWith("PUT /v2/", StringComparison.Ordinal) && r.Contains("/manifests/"))
            .Select(r => r[(r.LastIndexOf("-> ", StringComparison.Ordinal) + 3)..]));

        // The archive was written without an engine; docker load gives the image back, tagged, and it runs.
        var archive = Path.Combine(project.Directory, "out", project.ImageName + ".tar.gz");
        Assert.Contains($"to {archive}", publish.Output);
        var load = await Docker.RunAsync("load", "-i", archive);
        Assert.True(load.ExitCode == 0, load.ToString());
        Assert.Contains($"Loaded image: {name}:1.0.0", load.Output);
        Assert.Equal("assembled, ran as app in /app", (await Docker.RunImageAsync($"{name}:1.0.0")).Output.Trim());
        await Docker.RunAsync("image", "rm", $"{name}:1.0.0");

        // The registry behind the proxy holds the image whole.
        var pull = await Docker.RunAsync("pull", $"localhost:5000/{project.ImageName}:1.0.0");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal("assembled, ran as app in /app", (await Docker.RunImageAsync($"localhost:5000/{project.ImageName}:1.0.0")).Output.Trim());
        await Docker.RunAsync("image", "rm", $"localhost:5000/{project.ImageName}:1.0.0");
    }

    [EngineFact]
    public async Task WithoutAPushTheAssembledImageIsLoadedIntoDockerWithOurLayersAloneAndAnUnchangedOneOnlyTagged()
    {
        await PushBaseImageAsync();
        // Docker's graph-driver store (Docker 20.10 here) takes our layers alone from the first load; the containerd store
        // takes the whole image first (ContainerdStoreTests).
        var engine = EngineUnderTest.Docker20;
        await using var project = new TestProject(feed, engine: engine,
            properties: $"<PipelineImageBase>{BaseImage}</PipelineImageBase>", program: Program);

        var first = await project.PublishAsync("-v:n", "-p:PipelineImageSbom=true");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($"Loaded {project.ImageName}:1.0.0, {project.ImageName}:latest into the engine at", first.Output);
        Assert.Contains("(our layers; it has the base's)", first.Output);
        // Loaded, it is read for its bill of materials: the base's Debian packages are there.
        Assert.Matches($"Wrote the bill of materials of {project.ImageName} to .*: 0 NuGet, [1-9][0-9]* OS and 0 pip package", first.Output);
        Assert.Equal("assembled, ran as app in /app", (await engine.Cli.RunImageAsync($"{project.ImageName}:1.0.0")).Output.Trim());

        var unchanged = await project.PublishAsync("-v:n");

        Assert.True(unchanged.ExitCode == 0, unchanged.ToString());
        Assert.Contains(", the same layers, configuration and manifest. No load; tagged it.", unchanged.Output);
        Assert.DoesNotContain("Loaded ", unchanged.Output);
        Assert.DoesNotContain("Wrote the layer", unchanged.Output);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(project.OutputDirectory, "assembled"), ".*", SearchOption.AllDirectories));

        // Out of process (as in Visual Studio) the tool assembles alike: a code change writes one layer and loads it.
        project.WriteProgram(Program.Replace("assembled,", "changed,"));
        var changed = await project.PublishAsync("-v:n", "-p:PipelineImageOutOfProcess=true");

        Assert.True(changed.ExitCode == 0, changed.ToString());
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(changed.Output, "Wrote the layer of COPY "));
        Assert.Equal("changed, ran as app in /app", (await engine.Cli.RunImageAsync($"{project.ImageName}:1.0.0")).Output.Trim());
    }

    [PodmanFact]
    public async Task OnPodmanTheWholeAssembledImageIsLoadedOnceThenOurLayersAlone()
    {
        await PushBaseImageAsync();
        await using var project = new TestProject(feed,
            properties: $"""
                <PipelineImageBase>{BaseImage}</PipelineImageBase>
                <PipelineImageDockerHost>{BuilderUnderTest.PodmanSocket}</PipelineImageDockerHost>
                """,
            program: Program, engine: EngineUnderTest.Podman);

        var publish = await project.PublishAsync("-v:n");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains("(the whole image)", publish.Output);
        Assert.Equal("assembled, ran as app in /app", (await Podman.RunImageAsync($"{project.ImageName}:1.0.0")).Output.Trim());

        // Podman holds the base's layers by their registry digests now: a code change goes in as our layers alone.
        project.WriteProgram(Program.Replace("assembled,", "changed,"));
        var changed = await project.PublishAsync("-v:n");

        Assert.True(changed.ExitCode == 0, changed.ToString());
        Assert.Contains("(our layers; it has the base's)", changed.Output);
        Assert.Equal("changed, ran as app in /app", (await Podman.RunImageAsync($"{project.ImageName}:1.0.0")).Output.Trim());
        Assert.Equal("changed, ran as app in /app", (await Podman.RunImageAsync($"{project.ImageName}:latest")).Output.Trim());
    }

    [PodmanFact]
    public async Task AnAssembledImagesOciLayoutIsWrittenWithoutAnEngineAndLoadsIntoPodman()
    {
        await PushBaseImageAsync();
        await using var project = new TestProject(feed,
            properties: $"""
                <PipelineImageBase>{BaseImage}</PipelineImageBase>
                <PipelineImageArchiveOutputPath>out/</PipelineImageArchiveOutputPath>
                <PipelineImageArchiveFormat>oci</PipelineImageArchiveFormat>
                """,
            program: Program);
        var archive = Path.Combine(project.Directory, "out", project.ImageName + ".tar.gz");

        var publish = await project.PublishAsync(NoEngine, "-v:n");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains($"to {archive} (", publish.Output);
        Assert.Contains("an OCI image layout)", publish.Output);
        try
        {
            var load = await Podman.RunAsync("load", "--input", archive);
            Assert.True(load.ExitCode == 0, load.ToString());
            // Named as the layout's io.containerd.image.name says, fully qualified, as Docker names it too.
            Assert.True(load.Output.Contains($"Loaded image: docker.io/library/{project.ImageName}:1.0.0", StringComparison.Ordinal), load.ToString());
            Assert.Equal("assembled, ran as app in /app", (await Podman.RunImageAsync($"{project.ImageName}:1.0.0")).Output.Trim());
        }
        finally
        {
            await Podman.RunAsync("image", "rm", $"{project.ImageName}:1.0.0");
        }
    }

    [EngineFact]
    public async Task RequirementsBaseIsBuiltAndPushedOnceAndARunnerWithoutAnEngineAssemblesOnIt()
    {
        // A base in the registry that the engine does not hold, as on a fresh runner: the requirements base is pinned to
        // its registry digest, so that a runner without an engine finds it by the same content key.
        const string freshBase = "localhost:5000/dotnet/runtime-fresh:10.0";
        foreach (var step in new[] { new[] { "tag", "mcr.microsoft.com/dotnet/runtime:10.0", freshBase }, ["push", freshBase], ["image", "rm", freshBase] })
        {
            var run = await Docker.RunAsync(step);
            Assert.True(run.ExitCode == 0, run.ToString());
        }

        var assemblyName = $"E2eReq{Guid.NewGuid():N}"[..15];
        const string properties = $"""
            <PipelineImagePush>true</PipelineImagePush>
            <PipelineImageRegistry>localhost:5000</PipelineImageRegistry>
            <PipelineImageBase>{freshBase}</PipelineImageBase>
            <PipelineImageOsPackageManager>apt</PipelineImageOsPackageManager>
            <PipelineImageNetwork>host</PipelineImageNetwork>
            <PipelineImageSbom>true</PipelineImageSbom>
            <ContinuousIntegrationBuild>true</ContinuousIntegrationBuild>
            """;
        const string items = """<PipelineRequirement Include="jq" />""";
        await using var first = await CloneAsync(properties, assemblyName, items);
        var name = $"localhost:5000/{first.ImageName}";
        string? requirementsBase = null, replacement = null;
        string BuiltBase(string output) => System.Text.RegularExpressions.Regex.Match(output,
            $@"Building the requirements base ({System.Text.RegularExpressions.Regex.Escape(name)}:pipelineimage-requirements-[0-9a-f]{{64}}) with the engine").Groups[1].Value;
        try
        {
            // With an engine: it builds the requirements base alone, pushes it under its content key, and our layers go on it.
            var one = await first.PublishAsync("-v:n");

            Assert.True(one.ExitCode == 0, one.ToString());
            requirementsBase = BuiltBase(one.Output);
            Assert.True(requirementsBase.Length > 0, one.Output);
            Assert.Contains($"Pushed the requirements base {requirementsBase} (sha256:", one.Output);
            // The engine's step (BuildKit may take it from its cache of another build on the same base: jq is checked in
            // the image below).
            Assert.Matches(@"Step [0-9]+/[0-9]+ : RUN ", one.Output);
            var pinned = File.ReadAllText(Path.Combine(first.OutputDirectory, "requirements", "Dockerfile"));
            Assert.Matches(@"\nFROM localhost:5000/dotnet/runtime-fresh@sha256:[0-9a-f]{64}\n", pinned);
            Assert.True(File.Exists(Path.Combine(first.OutputDirectory, "requirements", "hashes.tsv")), "the base's file hashes are kept");
            var digest = PushedDigest(first, $"{name}:1.0.0");

            // A clean clone on a runner without an engine finds the base in the registry: nothing built, nothing uploaded.
            await using var second = await CloneAsync(properties, assemblyName, items);
            var two = await second.PublishAsync(NoEngine, "-v:n");

            Assert.True(two.ExitCode == 0, two.ToString());
            Assert.Contains($"The requirements base {requirementsBase} (sha256:", two.Output);
            Assert.Contains("is in the registry: nothing of it is built", two.Output);
            Assert.Equal(digest, PushedDigest(second, $"{name}:1.0.0"));
            Assert.Contains($"Pushed {name}:1.0.0 ({digest}) without an engine: 0 blob(s) uploaded (0 B)", two.Output);

            // Its bill of materials is read from the layers in the registry, with no engine: the same bytes on both runners, jq in it.
            Assert.Matches("Wrote the bill of materials of .* to .*sbom.cdx.json: 0 NuGet, [1-9][0-9]* OS and 0 pip package", two.Output);
            var bill = await File.ReadAllTextAsync(Path.Combine(second.OutputDirectory, "sbom.cdx.json"));
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(first.OutputDirectory, "sbom.cdx.json")), bill);
            Assert.Contains("\"pkg:deb/debian/jq@", bill, StringComparison.Ordinal);

            // The pushed image runs the app, with the requirement installed by the base.
            var pull = await Docker.RunAsync("pull", $"{name}:1.0.0");
            Assert.True(pull.ExitCode == 0, pull.ToString());
            Assert.Equal("assembled, ran as app in /app", (await Docker.RunImageAsync($"{name}:1.0.0")).Output.Trim());
            var jq = await Docker.RunAsync("run", "--rm", "--network", "none", "--entrypoint", "jq", $"{name}:1.0.0", "--version");
            Assert.True(jq.ExitCode == 0 && jq.Output.StartsWith("jq-", StringComparison.Ordinal), jq.ToString());

            // Another requirement is another base; the engine keeps the new one and lets the earlier one go.
            first.WriteProject(properties, items + """<PipelineRequirement Include="tree" />""");
            var three = await first.PublishAsync("-v:n");

            Assert.True(three.ExitCode == 0, three.ToString());
            replacement = BuiltBase(three.Output);
            Assert.True(replacement.Length > 0 && replacement != requirementsBase, three.Output);
            Assert.Contains($"Removed the earlier requirements base {requirementsBase} from the engine", three.Output);
            Assert.Null(await Docker.InspectImageAsync(requirementsBase));
            Assert.NotNull(await Docker.InspectImageAsync(replacement));
        }
        finally
        {
            // The engine pulled the base by digest to build on it: that reference goes too.
            var pulled = (await Docker.RunAsync("image", "ls", "--digests", "--format", "{{.Repository}}@{{.Digest}}", "localhost:5000/dotnet/runtime-fresh")).Output
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(line => !line.EndsWith("@<none>", StringComparison.Ordinal));
            await Docker.RunAsync(["image", "rm", $"{name}:1.0.0", .. pulled, .. new[] { requirementsBase, replacement }.Where(r => r is { Length: > 0 }).Select(r => r!)]);
        }
    }

    [EngineFact]
    public async Task RunStepsWithoutAnEngineOrARequirementsBaseInTheRegistryAreAnErrorThatSaysWhatNeedsOne()
    {
        await PushBaseImageAsync();
        await using var project = new TestProject(feed,
            properties: $"<PipelineImageRegistry>localhost:5000</PipelineImageRegistry><PipelineImagePush>true</PipelineImagePush><PipelineImageBase>{BaseImage}</PipelineImageBase><PipelineImageOsPackageManager>apt</PipelineImageOsPackageManager>",
            items: """<PipelineRequirement Include="jq" Type="os" />""");
        var missing = $"the image needs one for the requirements base localhost:5000/{project.ImageName}:pipelineimage-requirements-";

        var auto = await project.PublishAsync(NoEngine);

        Assert.True(auto.ExitCode != 0, auto.ToString());
        Assert.True(auto.Output.Contains("error PIMG1015: No Docker engine answers at 'unix:///nonexistent/pipelineimage/docker.sock'", StringComparison.Ordinal), auto.Output);
        Assert.Contains(missing, auto.Output);
        Assert.Contains("which its registry does not have yet", auto.Output);

        // The retired setting says what changed, and the publish goes on as with auto.
        var assembler = await project.PublishAsync(NoEngine, "-p:PipelineImageBuilder=assembler");

        Assert.NotEqual(0, assembler.ExitCode);
        Assert.Contains("warning PIMG2048: PipelineImageBuilder=assembler no longer changes anything", assembler.Output);
        Assert.Contains("error PIMG1015: ", assembler.Output);
        Assert.Contains(missing, assembler.Output);
        Assert.False(File.Exists(Path.Combine(project.OutputDirectory, "image.json")));
    }

    // A clean clone of one repository: the same files, committed with the same author, message and times, give the
    // same commit in any directory; ContinuousIntegrationBuild then maps the paths of the compiler's output (SourceLink).
    private async Task<TestProject> CloneAsync(string properties, string assemblyName, string items = "")
    {
        var project = new TestProject(feed, properties: properties, items: items, program: Program, assemblyName: assemblyName);
        var environment = new Dictionary<string, string?>
        {
            ["GIT_AUTHOR_NAME"] = "ci", ["GIT_AUTHOR_EMAIL"] = "ci@example.invalid", ["GIT_AUTHOR_DATE"] = "2026-01-01T00:00:00Z",
            ["GIT_COMMITTER_NAME"] = "ci", ["GIT_COMMITTER_EMAIL"] = "ci@example.invalid", ["GIT_COMMITTER_DATE"] = "2026-01-01T00:00:00Z",
        };
        foreach (var git in new[] { new[] { "init", "-q", "-b", "main" }, ["add", "-A"], ["commit", "-q", "-m", "pipeline"] })
        {
            var run = await ProcessRunner.RunAsync("git", git, project.Directory, environment);
            Assert.True(run.ExitCode == 0, run.ToString());
        }

        return project;
    }

    // The stand-in base, in the open registry as a base image is in a user's.
    private static async Task PushBaseImageAsync()
    {
        var tag = await Docker.RunAsync("tag", "mcr.microsoft.com/dotnet/runtime:10.0", BaseImage);
        Assert.True(tag.ExitCode == 0, tag.ToString());
        var push = await Docker.RunAsync("push", BaseImage);
        Assert.True(push.ExitCode == 0, push.ToString());
    }

    private static string PushedDigest(TestProject project, string reference)
    {
        using var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(project.OutputDirectory, "image.json")));
        Assert.Equal(record.RootElement.GetProperty("manifest").GetString(), record.RootElement.GetProperty("pushed").GetProperty(reference).GetString());
        return record.RootElement.GetProperty("pushed").GetProperty(reference).GetString()!;
    }

    private static string Labels(JsonElement config) => string.Join("\n", config.GetProperty("Labels").EnumerateObject()
        .Where(label => label.Name != "org.pipelineimage.content-key").Select(label => $"{label.Name}={label.Value}"));

    // Every path under /app with its owner and mode, as the image's file system has it.
    private static async Task<string> ListingAsync(string reference)
    {
        var run = await Docker.RunAsync("run", "--rm", "--network", "none", "--user", "0", "--entrypoint", "find", reference,
            "/app", "-printf", "%p %U:%G %m %y\n");
        Assert.True(run.ExitCode == 0, run.ToString());
        return string.Join("\n", run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }
}
