using System.Net.Http;
using System.Text.RegularExpressions;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// The core scenarios on every engine and builder: Docker 26 on the containerd image store (the default engine, a fresh
/// Docker 29's configuration) with BuildKit and the classic builder, Docker 20.10 with both, Docker 26 on the
/// graph-driver store with BuildKit, and Podman 4.3 and 5 with their own builder (buildah). Each publishes a real
/// project and checks the image with that engine's own CLI. Our assembler makes every image but one with a parent
/// Dockerfile, and these builders only RUN steps (<see cref="EngineBaseTests"/>).
/// </summary>
[Collection(BuilderMatrixCollection.Name)]
public sealed class BuilderMatrixTests(PackageFeed feed) : BuilderScenarios(feed)
{
    /// <summary>
    /// Each engine once, with one of its builders: for what the assembler does alone (an archive of an image without RUN
    /// steps), where the builder makes no difference and the engine's store does.
    /// </summary>
    public static TheoryData<string> EveryEngine() => ["docker-containerd/buildkit", "docker20/classic", "docker-graphdriver/buildkit", "podman", "podman5"];

    /// <summary>
    /// Each kind of builder of RUN steps once: BuildKit (today's), the classic builder (no cache mounts) and buildah
    /// (Podman 5's); the other engines run the same builders, which the other scenarios here run on each.
    /// </summary>
    public static TheoryData<string> EveryKindOfBuilder() => ["docker-containerd/buildkit", "docker20/classic", "podman5"];

    /// <summary>The builders that send a context their own way: BuildKit's session (today's, and Docker 20.10's first one), the classic builder's tar, and Podman's.</summary>
    public static TheoryData<string> EveryEngineBuilder() => ["docker-containerd/buildkit", "docker20/buildkit", "docker20/classic", "podman5"];

    [MatrixTheory]
    [MemberData(nameof(EveryKindOfBuilder))]
    public Task TheSampleBuildsAndRuns(string builder) => SampleAsync(BuilderUnderTest.Named(builder));

    [MatrixTheory]
    [MemberData(nameof(EveryEngineBuilder))]
    public Task PublishRunsWithTheContextOfTheIgnoreRulesAndAnUnchangedPublishBuildsNothing(string builder) =>
        PublishAndRunAsync(BuilderUnderTest.Named(builder));

    [MatrixTheory]
    [MemberData(nameof(EveryKindOfBuilder))]
    public Task AddingOnePipAndOneAptRequirementDownloadsOnlyThoseWhereTheBuilderHasCacheMounts(string builder) =>
        RequirementsAsync(BuilderUnderTest.Named(builder));

    [MatrixTheory]
    [MemberData(nameof(EveryKindOfBuilder))]
    public Task AFailedRunStepIsOnePimg1003WithTheStepAndItsOutput(string builder) => FailedStepAsync(BuilderUnderTest.Named(builder));

    [MatrixTheory]
    [InlineData("docker-containerd/buildkit")]
    [InlineData("docker20/buildkit")]
    [InlineData("podman5")]
    public Task AParentDockerfileIsBuiltFirstAndThePushReachesTheRegistry(string builder) => ParentAndPushAsync(BuilderUnderTest.Named(builder));

    [MatrixTheory]
    [MemberData(nameof(EveryEngine))]
    public Task AnArchiveOfEitherFormatLoadsBackIntoItsEngineAndRuns(string builder) => ArchivesAsync(BuilderUnderTest.Named(builder));

    [MatrixTheory]
    [InlineData("docker-containerd/buildkit", "Builder: buildkit (PipelineImageBuilder=buildkit)")]
    [InlineData("podman", "Builder: podman (PipelineImageBuilder=classic)")]
    [InlineData("podman5", "Builder: podman (PipelineImageBuilder=classic)")]
    public Task ASecretReachesItsStepAndNoLayerHistoryLogOrBinlog(string builder, string chosen) =>
        new SecretsTests(Feed).SecretInNothingButTheStepAsync(BuilderUnderTest.Named(builder), chosen);
}

/// <summary>
/// The core scenarios, run on each builder and engine by <see cref="BuilderMatrixTests"/>: each publishes a real
/// project and checks the image with that engine's own CLI.
/// </summary>
public abstract partial class BuilderScenarios(PackageFeed feed)
{
    /// <summary>The packed package the projects consume.</summary>
    protected PackageFeed Feed { get; } = feed;

    // samples/HelloPipeline as it is, copied out of the tree with its paths to the repository made absolute, under an
    // image name of its own.
    protected static async Task SampleAsync(BuilderUnderTest builder)
    {
        var sample = Path.Combine(PackageFeed.RepositoryRoot, "samples", "HelloPipeline");
        var directory = Directory.CreateTempSubdirectory("pimg-sample-").FullName;
        var name = $"pimg-sample-{Guid.NewGuid():N}"[..24];
        try
        {
            File.Copy(Path.Combine(sample, "Program.cs"), Path.Combine(directory, "Program.cs"));
            var project = (await File.ReadAllTextAsync(Path.Combine(sample, "HelloPipeline.csproj")))
                .Replace(@"$(MSBuildThisFileDirectory)..\..\", PackageFeed.RepositoryRoot + "/", StringComparison.Ordinal)
                .Replace(@"..\..\", PackageFeed.RepositoryRoot + "/", StringComparison.Ordinal);
            await File.WriteAllTextAsync(Path.Combine(directory, "HelloPipeline.csproj"), project);

            var publish = await ProcessRunner.RunAsync("dotnet",
                ["publish", Path.Combine(directory, "HelloPipeline.csproj"), "-c", "Release", "-nodeReuse:false", $"-p:PipelineImageName={name}", .. builder.Arguments],
                directory, timeout: TimeSpan.FromMinutes(5));

            Assert.True(publish.ExitCode == 0, publish.ToString());
            var run = await builder.Cli.RunImageAsync($"{name}:1.0.0", "-e", "PIPELINE_STEP=train");
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Matches(@"^HelloPipeline ran on \.NET 10\.[0-9.]+ as user 'app', step 'train'$", run.Output.Trim());
        }
        finally
        {
            await builder.Cli.RemoveRepositoryAsync(name);
            Directory.Delete(directory, recursive: true);
        }
    }

    // The builder builds the whole Dockerfile here: it has a parent Dockerfile (the base alone).
    protected async Task PublishAndRunAsync(BuilderUnderTest builder)
    {
        await using var project = new TestProject(Feed, engine: builder.Engine,
            properties: builder.Properties + "<PipelineImageIncludeSourceFiles>true</PipelineImageIncludeSourceFiles>" + TestSources.BaseOnlyParent,
            items: """<DockerIgnoreFile Include=".dockerignore" />""",
            program: """Console.WriteLine(string.Join(",", Directory.GetFiles("/src/data").Select(Path.GetFileName).Order()));""");
        await TestSources.WriteBaseOnlyParentAsync(project.Directory);
        Directory.CreateDirectory(Path.Combine(project.Directory, "data"));
        await File.WriteAllTextAsync(Path.Combine(project.Directory, "data", "keep.txt"), "kept\n");
        await File.WriteAllTextAsync(Path.Combine(project.Directory, "data", "run.log"), "ignored\n");
        await File.WriteAllTextAsync(Path.Combine(project.Directory, ".dockerignore"), "bin/\nobj/\n**/*.log\n");

        var first = await project.PublishAsync("-v:n");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Matches($@"Building {project.ImageName} with the engine at {Regex.Escape(builder.Engine.Socket)}\S* from [^\n]*\({builder.Engine.Product} [0-9]", first.Output);
        Assert.Contains($"Builder: {builder.Builder} (", first.Output);
        Assert.Matches(@"Step [0-9]+/[0-9]+ : COPY ", first.Output);
        var run = await builder.Cli.RunImageAsync($"{project.ImageName}:latest");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("keep.txt", run.Output.Trim());

        var again = await project.PublishAsync("-v:n");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains(" is up to date: the engine has ", again.Output);
    }

    private static string RequirementsProgram => TestSources.ShellingOutProgram("""
        Console.WriteLine(Run("jq", "-n", "-c", "{step: 1}"));
        Console.WriteLine(Run("python", "-c", "import pimg_demo; print(pimg_demo.GREETING)"));
        Console.WriteLine(Run("tree", "--version").Split(' ')[1]);
        Console.WriteLine(Run("python", "-c", "import pimg_extra; print(pimg_extra.VALUE)"));
        """);

    // After one pip requirement and one apt package are added, a builder with cache mounts fetches those two and
    // nothing else (pip's downloads counted by the local index, apt's from its own "Get:" lines); the classic
    // builder fetches everything again. The builders' caches outlive the test, so apt may have every package already:
    // what is asserted is that nothing of the first build is fetched again.
    protected async Task RequirementsAsync(BuilderUnderTest builder)
    {
        // Podman's builder with cache mounts is the one auto chooses for the RUN steps (the requirements base).
        builder = builder.Builder == "podman" ? builder with { Auto = true } : builder;
        await using var index = new LocalPackageIndex(
            ("pimg-demo", "1.0.0", "GREETING = 'hello from a wheel'\n"),
            ("pimg-extra", "2.0.0", "VALUE = 42\n"));
        // A working directory no other build has: no step after its WORKDIR is in the builder's layer cache.
        var properties = builder.Properties + $"""
            <PipelineImageWorkingDirectory>/w{Guid.NewGuid():N}</PipelineImageWorkingDirectory>
            <PipelineImageNetwork>host</PipelineImageNetwork>
            <PipelineImagePipIndexUrl>{index.Url}</PipelineImagePipIndexUrl>
            """;
        const string first = """
            <PipelineRequirement Include="jq" />
            <PipelineRequirement Include="pimg-demo" Version="1.0.0" Manager="pip" />
            """;
        await using var project = new TestProject(Feed, engine: builder.Engine, properties: properties, items: first, program: RequirementsProgram);

        var before = await project.PublishAsync("-v:n");

        Assert.True(before.ExitCode == 0, before.ToString());
        Assert.Equal(1, index.Downloads);
        Assert.Contains("Setting up jq ", before.Output);
        Assert.Contains($"Builder: {builder.Builder} (", before.Output);
        Assert.Contains("it builds .pipelineimage/Dockerfile\n", before.Output.ReplaceLineEndings("\n"));
        Assert.Equal(builder.HasCacheMounts, (await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "Dockerfile"))).Contains("RUN --mount=type=cache,", StringComparison.Ordinal));

        project.WriteProject(properties, first + """
            <PipelineRequirement Include="tree" />
            <PipelineRequirement Include="pimg-extra" Version="2.0.0" Manager="pip" />
            """);
        var after = await project.PublishAsync("-v:n");

        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Contains("Setting up tree ", after.Output);
        if (builder.HasCacheMounts)
        {
            Assert.Equal(2, index.Downloads);
            Assert.Empty(AptDownloads(after.Output).Except(["tree"]));
        }
        else
        {
            Assert.Equal(3, index.Downloads);
            Assert.Contains("jq", AptDownloads(after.Output));
        }

        var run = await builder.Cli.RunImageAsync($"{project.ImageName}:latest");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["{\"step\":1}", "hello from a wheel", "v2.1.0", "42"], run.Output.Trim().Split('\n').Select(line => line.Trim()));

        // The caches stay with the builder: no package, list or wheel of theirs is in the image, and apt's clean-up
        // configuration is back in place.
        var inImage = await builder.Cli.RunAsync("run", "--rm", "--network", "none", "--entrypoint", "sh", $"{project.ImageName}:latest", "-c",
            "ls /var/cache/apt/archives/*.deb /var/lib/apt/lists/*_Packages* /root/.cache/pip 2>/dev/null | wc -l; ls /etc/apt/apt.conf.d/docker-clean");
        Assert.Equal(["0", "/etc/apt/apt.conf.d/docker-clean"], inImage.Output.Trim().Split('\n').Select(line => line.Trim()));
    }

    protected async Task FailedStepAsync(BuilderUnderTest builder)
    {
        await using var project = new TestProject(Feed, engine: builder.Engine,
            properties: builder.Properties + "<PipelineImageNetwork>host</PipelineImageNetwork>",
            items: """<PipelineRequirement Include="pimg-no-such-package" />""");

        var publish = await project.PublishAsync();

        Assert.NotEqual(0, publish.ExitCode);
        var errors = publish.Output.Split('\n').Where(line => line.Contains("error PIMG1003: ", StringComparison.Ordinal)).Distinct().ToList();
        var error = Assert.Single(errors);
        Assert.True(Regex.IsMatch(error, @"error PIMG1003: The image build failed at Step [0-9]+/[0-9]+ : RUN "), error);
        Assert.Contains("Its last output: ", error);
        Assert.Contains("Unable to locate package pimg-no-such-package", error);
        Assert.DoesNotContain("\u001b", publish.Output, StringComparison.Ordinal);
        Assert.Null(await builder.Cli.InspectImageAsync($"{project.ImageName}:latest"));
    }

    protected async Task ParentAndPushAsync(BuilderUnderTest builder)
    {
        const string registry = "127.0.0.1:5000";
        await using var project = new TestProject(Feed, engine: builder.Engine,
            properties: builder.Properties + $"""
                <PipelineImageParentDockerfile>docker/Parent.Dockerfile</PipelineImageParentDockerfile>
                <PipelineImageNetwork>none</PipelineImageNetwork>
                <PipelineImageRegistry>{registry}</PipelineImageRegistry>
                <PipelineImagePush>true</PipelineImagePush>
                """,
            items: """<PipelineImageParentBuildArg Include="GREETING" Value="hello" />""",
            program: """Console.WriteLine(File.ReadAllText("/etc/pipeline-greeting").Trim());""");
        Directory.CreateDirectory(Path.Combine(project.Directory, "docker"));
        await File.WriteAllTextAsync(Path.Combine(project.Directory, "docker", "Parent.Dockerfile"), TestSources.GreetingParentDockerfile);
        var name = $"{registry}/{project.ImageName}";

        try
        {
            var publish = await project.PublishAsync("-v:n");

            Assert.True(publish.ExitCode == 0, publish.ToString());
            Assert.Contains($"Building the parent image {name}-parent:", publish.Output);
            Assert.Contains($"Pushed {name}:1.0.0 (sha256:", publish.Output);
            // The containerd store reports no size for a quick upload: that is no size, not 0 B.
            Assert.DoesNotMatch(@"[1-9][0-9]* layer\(s\) uploaded \(0 B", publish.Output);
            Assert.Equal("hello from the parent", (await builder.Cli.RunImageAsync($"{name}:1.0.0")).Output.Trim());
            using var http = new HttpClient();
            var tags = await http.GetStringAsync($"http://{registry}/v2/{project.ImageName}/tags/list");
            Assert.Contains("\"1.0.0\"", tags);
            Assert.Contains("\"latest\"", tags);
        }
        finally
        {
            await builder.Cli.RemoveRepositoryAsync($"{name}-parent");
        }
    }

    // PipelineImageArchiveOutputPath in each format: the archive the engine's image was saved to goes back into the same
    // engine, with every tag, and runs; the second format is written from the image the first archive loaded.
    protected async Task ArchivesAsync(BuilderUnderTest builder)
    {
        await using var project = new TestProject(Feed, engine: builder.Engine,
            properties: builder.Properties + "<PipelineImageRegistry>localhost:5000</PipelineImageRegistry><PipelineImageArchiveOutputPath>artifacts/app.tar</PipelineImageArchiveOutputPath>",
            program: """Console.WriteLine("from the archive");""");
        var name = $"localhost:5000/{project.ImageName}";
        var archive = Path.Combine(project.Directory, "artifacts", "app.tar");
        try
        {
            foreach (var (format, written) in new[] { ("docker", "a docker-archive)"), ("oci", "an OCI image layout)") })
            {
                var publish = await project.PublishAsync("-v:n", $"-p:PipelineImageArchiveFormat={format}");

                Assert.True(publish.ExitCode == 0, publish.ToString());
                Assert.Matches($@"Saved {Regex.Escape(name)}:1\.0\.0(, {Regex.Escape(name)}:latest)? \(sha256:[^\n]*{Regex.Escape(written)}", publish.Output);
                await builder.Cli.RunAsync("image", "rm", "--force", $"{name}:1.0.0", $"{name}:latest");
                Assert.Null(await builder.Cli.InspectImageAsync($"{name}:1.0.0"));
                var load = await builder.Cli.RunAsync("load", "--input", archive);
                Assert.True(load.ExitCode == 0, $"{format}: {load}");
                Assert.Equal("from the archive", (await builder.Cli.RunImageAsync($"{name}:1.0.0")).Output.Trim());
                // Every tag, except from an OCI layout where the engine reads its index, which names the first (Podman
                // refuses more than one image there); Docker's graph-driver stores read its manifest.json, with all.
                var graphDriver = builder.Engine == EngineUnderTest.Docker20 || builder.Engine == EngineUnderTest.DockerGraphDriver;
                if (format == "docker" || graphDriver)
                {
                    Assert.Equal("from the archive", (await builder.Cli.RunImageAsync($"{name}:latest")).Output.Trim());
                }
                else
                {
                    Assert.Null(await builder.Cli.InspectImageAsync($"{name}:latest"));
                }
            }
        }
        finally
        {
            await builder.Cli.RunAsync("image", "rm", "--force", $"{name}:1.0.0", $"{name}:latest");
        }
    }

    // The packages apt fetched: "Get:3 http://mirror/debian bookworm/main amd64 tree amd64 2.1.0-1 [54.5 kB]".
    private static List<string> AptDownloads(string output) =>
        AptGet().Matches(output).Select(match => match.Groups["name"].Value).Distinct().Order(StringComparer.Ordinal).ToList();

    [GeneratedRegex(@"Get:\d+ \S+ \S+ \S+ (?<name>[a-z0-9][a-z0-9+.-]*) \S+ \S+ \[")]
    private static partial Regex AptGet();
}
