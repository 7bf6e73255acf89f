using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// The base image read before planning on it (from the engine's copy): what its os-release, passwd, shell and .NET
/// shared frameworks decide, and what they refuse before anything is built.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class BaseImageTests(PackageFeed feed)
{
    private const string StandIn = "mcr.microsoft.com/dotnet/runtime:10.0";

    [EngineFact]
    public async Task ScratchAndAUserTheBaseLacksAreRefusedBeforeAnythingIsBuilt()
    {
        await using var project = new TestProject(feed);

        var scratch = await project.PublishAsync("-p:PipelineImageBase=scratch");
        var alice = await project.PublishAsync("-p:PipelineImageUser=alice", "-v:n");

        Assert.NotEqual(0, scratch.ExitCode);
        Assert.Contains("error PIMG2043: PipelineImageUser (empty: the default, app) is 'app', and the base image 'scratch' has no such user", scratch.Output);
        Assert.Contains("error PIMG2045: The app is framework-dependent and needs Microsoft.NETCore.App 10.0", scratch.Output);
        Assert.NotEqual(0, alice.ExitCode);
        Assert.Contains($"error PIMG2043: PipelineImageUser is 'alice', and the base image '{StandIn}' has no such user", alice.Output);
        Assert.Contains("app (1654)", alice.Output);
        Assert.Matches($@"The base image {System.Text.RegularExpressions.Regex.Escape(StandIn)}: Debian GNU/Linux 12 \(bookworm\); shell /(usr/)?bin/sh; [0-9]+ user\(s\) in /etc/passwd; \.NET shared frameworks: Microsoft\.NETCore\.App/10\.0\.[0-9]+", alice.Output);
        Assert.False(File.Exists(Path.Combine(project.OutputDirectory, "plan.json")));
        Assert.Null(await Docker.InspectImageAsync($"{project.ImageName}:latest"));
    }

    [EngineFact]
    public async Task ABaseOfATeamsOwnNameInstallsWithWhatItsOsReleaseSays()
    {
        // The stand-in (Debian) under a name that tells nothing; and one whose os-release says Alpine, whose mirror is
        // out of reach here: its plan is shown (PipelineImageSkipBuild). That one is in a registry only, and read there.
        var id = Guid.NewGuid().ToString("N");
        var debian = $"registry.example.com/platform/dotnet-{id}:10";
        var alpine = $"localhost:5000/platform/alpine-dotnet-{id}:10";
        var context = Directory.CreateTempSubdirectory("pimg-base-context-").FullName;
        const string osRelease = "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.22.1\nPRETTY_NAME=\"Alpine Linux v3.22\"\n";
        await File.WriteAllTextAsync(Path.Combine(context, "os-release"), osRelease);
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"),
            $"FROM {StandIn}\nCOPY os-release /usr/lib/os-release\nCOPY os-release /etc/os-release.alpine\nUSER root\nRUN rm -f /etc/os-release && mv /etc/os-release.alpine /etc/os-release\n");
        try
        {
            Assert.Equal(0, (await Docker.RunAsync("tag", StandIn, debian)).ExitCode);
            var built = await Docker.RunAsync("build", "--network", "host", "-q", "-t", alpine, context);
            Assert.True(built.ExitCode == 0, built.ToString());
            var pushed = await Docker.RunAsync("push", alpine);
            Assert.True(pushed.ExitCode == 0, pushed.ToString());
            await Docker.RunAsync("image", "rm", alpine);
            await using var project = new TestProject(feed,
                properties: $"<PipelineImageBase>{debian}</PipelineImageBase><PipelineImageNetwork>host</PipelineImageNetwork>",
                items: """<PipelineRequirement Include="jq" />""",
                program: TestSources.ShellingOutProgram("""Console.WriteLine(Run("jq", "-n", "-c", "{os: \"debian\"}"));"""));

            var onDebian = await project.PublishAsync("-v:n");
            var onAlpine = await project.PublishAsync($"-p:PipelineImageBase={alpine}", "-p:PipelineImageSkipBuild=true", "-v:n");

            Assert.True(onDebian.ExitCode == 0, onDebian.ToString());
            Assert.Equal("{\"os\":\"debian\"}", (await Docker.RunImageAsync($"{project.ImageName}:latest")).Output.Trim().Split('\n')[^1]);
            Assert.True(onAlpine.ExitCode == 0, onAlpine.ToString());
            Assert.Contains($"The base image {alpine} is read from its registry: the engine at ", onAlpine.Output);
            Assert.Contains($"The base image {alpine}: Alpine Linux v3.22;", onAlpine.Output);
            var dockerfile = await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "Dockerfile"));
            Assert.Contains("apk add --no-cache", dockerfile);
            Assert.DoesNotContain("apt-get", dockerfile);
        }
        finally
        {
            await Docker.RunAsync("image", "rm", "--force", debian, alpine);
            Directory.Delete(context, recursive: true);
        }
    }

    [EngineFact]
    public async Task RequirementsOnABaseWithoutAShellAreRefusedBeforeAnyBuild()
    {
        // A chiseled-style base: a user and an os-release, no shell, under a name that says nothing of it.
        var name = $"registry.example.com/platform/no-shell-{Guid.NewGuid():N}:10";
        var context = Directory.CreateTempSubdirectory("pimg-base-context-").FullName;
        await File.WriteAllTextAsync(Path.Combine(context, "os-release"), "ID=ubuntu\nVERSION_ID=\"24.04\"\n");
        await File.WriteAllTextAsync(Path.Combine(context, "passwd"), "root:x:0:0:root:/root:/sbin/nologin\napp:x:1654:1654::/home/app:/sbin/nologin\n");
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), "FROM scratch\nCOPY os-release /etc/os-release\nCOPY passwd /etc/passwd\n");
        try
        {
            var built = await Docker.RunAsync("build", "-q", "-t", name, context);
            Assert.True(built.ExitCode == 0, built.ToString());
            await using var project = new TestProject(feed,
                properties: $"<PipelineImageBase>{name}</PipelineImageBase>",
                items: """<PipelineRequirement Include="jq" />""");

            var publish = await project.PublishAsync();

            Assert.NotEqual(0, publish.ExitCode);
            Assert.Contains($"error PIMG5004: The base image '{name}' is a chiseled or distroless image, with no shell", publish.Output);
            Assert.False(File.Exists(Path.Combine(project.OutputDirectory, "plan.json")));
        }
        finally
        {
            await Docker.RunAsync("image", "rm", "--force", name);
            Directory.Delete(context, recursive: true);
        }
    }

    [EngineFact]
    public async Task ABundleThatExtractsItselfRunsOnABaseWhoseUserHasNoHome()
    {
        // runtime-deps with its user's home removed, as a base made with useradd --no-create-home would have it.
        var name = $"registry.example.com/platform/no-home-{Guid.NewGuid():N}:10";
        var context = Directory.CreateTempSubdirectory("pimg-base-context-").FullName;
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"),
            "FROM mcr.microsoft.com/dotnet/runtime-deps:10.0\nUSER root\nRUN rm -rf /home/app\nUSER app\n");
        try
        {
            var built = await Docker.RunAsync("build", "--network", "host", "-q", "-t", name, context);
            Assert.True(built.ExitCode == 0, built.ToString());
            await using var project = new TestProject(feed,
                properties: $"<PipelineImageBase>{name}</PipelineImageBase><IncludeAllContentForSelfExtract>true</IncludeAllContentForSelfExtract>",
                program: """Console.WriteLine($"extracted under {Environment.GetEnvironmentVariable("DOTNET_BUNDLE_EXTRACT_BASE_DIR")}");""");

            var publish = await project.PublishAsync("-r", "linux-x64", "--self-contained", "-p:PublishSingleFile=true");

            Assert.True(publish.ExitCode == 0, publish.ToString());
            Assert.Contains($"its user's home (/home/app) is not in the base image {name}: the image sets DOTNET_BUNDLE_EXTRACT_BASE_DIR=/tmp/.net", publish.Output);
            var run = await Docker.RunImageAsync($"{project.ImageName}:latest");
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal("extracted under /tmp/.net", run.Output.Trim());
        }
        finally
        {
            await Docker.RunAsync("image", "rm", "--force", name);
            Directory.Delete(context, recursive: true);
        }
    }
    [EngineFact]
    public async Task TheUserWritesTheDirectoriesItWasGivenAndNothingElse()
    {
        await using var project = new TestProject(feed,
            properties: "<PipelineImageWritableWorkingDirectory>true</PipelineImageWritableWorkingDirectory>",
            items: """<PipelineImageWritableDirectory Include="outputs" /><PipelineImageWritableDirectory Include="/var/lib/step/cache" />""",
            program: """
                var published = Directory.GetFiles(AppContext.BaseDirectory, "*.deps.json")[0];
                foreach (var path in new[] { "/app/written.txt", "/app/outputs/written.txt", "/var/lib/step/cache/written.txt", published, "/var/lib/written.txt" })
                {
                    try
                    {
                        File.AppendAllText(path, "x");
                        Console.WriteLine($"{path}: written");
                    }
                    catch (UnauthorizedAccessException)
                    {
                        Console.WriteLine($"{path}: denied");
                    }
                }
                """);
        string[] expected =
        [
            "/app/written.txt: written", "/app/outputs/written.txt: written", "/var/lib/step/cache/written.txt: written",
            $"/app/{project.AssemblyName}.deps.json: denied", "/var/lib/written.txt: denied",
        ];

        // Our assembler's layers (every builder's, and a BuildKit host's: only a parent Dockerfile is built whole, and on a
        // parent the writable directories need numeric owners).
        var publish = await project.PublishAsync();

        Assert.True(publish.ExitCode == 0, publish.ToString());
        var run = await Docker.RunImageAsync($"{project.ImageName}:latest");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(expected, run.Output.Trim().Split('\n'));

        var dockerfile = await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "Dockerfile"));
        Assert.Contains("COPY --chown=1654:1654 [\".pipelineimage/writable/0/\", \"/\"]", dockerfile);
    }
}
