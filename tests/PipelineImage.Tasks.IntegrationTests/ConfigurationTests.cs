using System.Text.Json;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>Image configuration end to end: what `docker inspect` and the running container see, entrypoint modes,
/// a parent Dockerfile, skip-build output built by hand, and bad values.</summary>
[Collection(EngineCollection.Name)]
public sealed class ConfigurationTests(PackageFeed feed)
{
    private static readonly Dictionary<string, string?> UnusableEngine = new() { ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock" };

    private const string ShowArguments = """Console.WriteLine("args: " + string.Join(" ", args));""";

    [EngineFact]
    public async Task EnvironmentLabelsPortsUserAndWorkingDirectoryReachTheImageAndTheProcess()
    {
        await using var project = new TestProject(feed,
            properties: """
                <Version>3.1.0</Version>
                <PipelineImageWorkingDirectory>/opt/pipeline</PipelineImageWorkingDirectory>
                <PipelineImageUser>1654</PipelineImageUser>
                <RepositoryUrl>https://ci-bot:s3cret-token@git.example.com/team/pipeline.git</RepositoryUrl>
                <SourceRevisionId>0123456789abcdef</SourceRevisionId>
                """,
            items: """
                <PipelineImageEnvironmentVariable Include="PIPELINE_STEP" Value="train" />
                <PipelineImageEnvironmentVariable Include="ODD" Value="a &quot;b&quot; $HOME \x 'c'" />
                <PipelineImageLabel Include="com.example.team" Value="ml platform" />
                <PipelineImagePort Include="8080" />
                <PipelineImagePort Include="5353" Type="udp" />
                """,
            program: """
                Console.WriteLine($"{Environment.CurrentDirectory}|{Environment.GetEnvironmentVariable("PIPELINE_STEP")}|{Environment.GetEnvironmentVariable("ODD")}|{Environment.UserName}|{File.Exists("/opt/pipeline/" + typeof(Program).Assembly.GetName().Name + ".dll")}");
                """);

        var publish = await project.PublishAsync();

        Assert.True(publish.ExitCode == 0, publish.ToString());
        var config = (await Docker.InspectImageAsync($"{project.ImageName}:3.1.0"))!.Value.GetProperty("Config");
        Assert.Equal("/opt/pipeline", config.GetProperty("WorkingDir").GetString());
        Assert.Equal("1654", config.GetProperty("User").GetString());
        var env = config.GetProperty("Env").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("PIPELINE_STEP=train", env);
        Assert.Contains("ODD=a \"b\" $HOME \\x 'c'", env);
        var labels = config.GetProperty("Labels");
        Assert.Equal("ml platform", labels.GetProperty("com.example.team").GetString());
        Assert.Equal("3.1.0", labels.GetProperty("org.opencontainers.image.version").GetString());
        Assert.Equal("https://git.example.com/team/pipeline.git", labels.GetProperty("org.opencontainers.image.source").GetString());
        Assert.Equal("0123456789abcdef", labels.GetProperty("org.opencontainers.image.revision").GetString());
        Assert.Equal("mcr.microsoft.com/dotnet/runtime:10.0", labels.GetProperty("org.opencontainers.image.base.name").GetString());
        Assert.Equal(["5353/udp", "8080/tcp"], config.GetProperty("ExposedPorts").EnumerateObject().Select(p => p.Name).Order());
        Assert.DoesNotContain("s3cret", config.ToString());
        Assert.DoesNotContain("s3cret", await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "Dockerfile")));

        var run = await Docker.RunImageAsync($"{project.ImageName}:3.1.0");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("/opt/pipeline|train|a \"b\" $HOME \\x 'c'|app|True", run.Output.Trim());
    }

    [EngineFact]
    public async Task APublishProfileSetsThePipelineImagePropertiesAsTheCommandLineWould()
    {
        await using var project = new TestProject(feed, program: """Console.WriteLine("published by profile");""");
        var profiles = Path.Combine(project.Directory, "Properties", "PublishProfiles");
        Directory.CreateDirectory(profiles);
        // As Visual Studio's Publish dialog writes a folder profile, with the image's settings added.
        await File.WriteAllTextAsync(Path.Combine(profiles, "PipelineImage.pubxml"), """
            <Project>
              <PropertyGroup>
                <Configuration>Release</Configuration>
                <PublishProvider>FileSystem</PublishProvider>
                <PublishDir>bin\Release\pipeline-image\</PublishDir>
                <PipelineImageTags>from-profile</PipelineImageTags>
                <PipelineImageBuilder>classic</PipelineImageBuilder>
              </PropertyGroup>
            </Project>
            """);

        var publish = await project.PublishAsync("-p:PublishProfile=PipelineImage", "-v:n");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains("Builder: assembler (PipelineImageBuilder=classic on Docker; the engine builds only RUN steps)", publish.Output);
        Assert.True(publish.Output.Contains($"App -> {project.ImageName}:from-profile (sha256:", StringComparison.Ordinal), publish.Output);
        Assert.True(File.Exists(Path.Combine(project.Directory, "bin", "Release", "pipeline-image", project.AssemblyName + ".dll")), publish.Output);
        Assert.Equal("published by profile", (await Docker.RunImageAsync($"{project.ImageName}:from-profile")).Output.Trim());
    }

    [EngineFact]
    public async Task EachEntrypointModeStartsTheStepAsDocumented()
    {
        await using var project = new TestProject(feed,
            items: """
                <PipelineImageDefaultArg Include="--step;train" />
                <PipelineImageEntrypoint Include="/bin/sh;-c;echo &quot;custom $@&quot;;sh" Condition="'$(Mode)' == 'custom'" />
                """,
            program: ShowArguments);
        var dll = $"/app/{project.AssemblyName}.dll";

        var app = await project.PublishAsync();
        Assert.True(app.ExitCode == 0, app.ToString());
        Assert.Equal("args: --step train", (await Docker.RunImageAsync($"{project.ImageName}:latest")).Output.Trim());
        Assert.Equal("args: --step score", (await Docker.RunCommandAsync($"{project.ImageName}:latest", "--step", "score")).Output.Trim());

        var none = await project.PublishAsync("-p:PipelineImageEntrypointMode=none");
        Assert.True(none.ExitCode == 0, none.ToString());
        var config = (await Docker.InspectImageAsync($"{project.ImageName}:latest"))!.Value.GetProperty("Config");
        Assert.Equal(JsonValueKind.Null, config.GetProperty("Entrypoint").ValueKind);
        Assert.Equal("args: --step score", (await Docker.RunCommandAsync($"{project.ImageName}:latest", "dotnet", dll, "--step", "score")).Output.Trim());

        var custom = await project.PublishAsync("-p:Mode=custom");
        Assert.True(custom.ExitCode == 0, custom.ToString());
        Assert.Equal("custom --step train", (await Docker.RunImageAsync($"{project.ImageName}:latest")).Output.Trim());
    }

    [EngineFact]
    public async Task AParentDockerfileIsBuiltOnceAndReusedWhileItIsUnchanged()
    {
        await using var project = new TestProject(feed,
            properties: """
                <PipelineImageParentDockerfile>docker/Parent.Dockerfile</PipelineImageParentDockerfile>
                <PipelineImageNetwork>none</PipelineImageNetwork>
                """,
            items: """<PipelineImageParentBuildArg Include="GREETING" Value="hello" />""",
            program: """Console.WriteLine(File.ReadAllText("/etc/pipeline-greeting").Trim() + " v1");""");
        Directory.CreateDirectory(Path.Combine(project.Directory, "docker"));
        await File.WriteAllTextAsync(Path.Combine(project.Directory, "docker", "Parent.Dockerfile"), TestSources.GreetingParentDockerfile);

        var first = await project.PublishAsync("-v:n");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($"Building the parent image {project.ImageName}-parent:", first.Output);
        Assert.Equal("hello from the parent v1", (await Docker.RunImageAsync($"{project.ImageName}:latest")).Output.Trim());
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "Dockerfile"));
        Assert.Matches($"FROM {project.ImageName}-parent:[0-9a-f]{{16}}\n", dockerfile);

        project.WriteProgram("""Console.WriteLine(File.ReadAllText("/etc/pipeline-greeting").Trim() + " v2");""");
        var second = await project.PublishAsync("-v:n");

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("is up to date", second.Output);
        Assert.DoesNotContain("Building the parent image", second.Output);
        Assert.Equal("hello from the parent v2", (await Docker.RunImageAsync($"{project.ImageName}:latest")).Output.Trim());
    }

    [EngineFact]
    public async Task SkipBuildWritesAContextThatTheDockerCliBuildsIntoTheSameImage()
    {
        await using var project = new TestProject(feed, program: ShowArguments);
        var published = await project.PublishAsync();
        Assert.True(published.ExitCode == 0, published.ToString());
        var built = (await Docker.InspectImageAsync($"{project.ImageName}:latest"))!.Value.GetProperty("Id").GetString();
        // The published image stays (and with it the engine's cache of its steps) under another tag.
        await Docker.RunAsync("tag", $"{project.ImageName}:latest", $"{project.ImageName}:published");
        await Docker.RunAsync("image", "rm", $"{project.ImageName}:latest", $"{project.ImageName}:1.0.0");

        var skipped = await project.PublishAsync(UnusableEngine, "-p:PipelineImageSkipBuild=true");

        Assert.True(skipped.ExitCode == 0, skipped.ToString());
        Assert.DoesNotContain("PIMG1001", skipped.Output);
        Assert.Null(await Docker.InspectImageAsync($"{project.ImageName}:latest"));
        var tar = Path.Combine(project.OutputDirectory, "context.tar");
        Assert.Contains($"docker build -f .pipelineimage/Dockerfile -t {project.ImageName}:1.0.0 -t {project.ImageName}:latest - < {tar}", skipped.Output);

        // By hand, as the log says, with this machine's docker CLI (its classic builder: it has no buildx for BuildKit).
        var byHand = await ProcessRunner.RunAsync("sh", ["-c", $"{Docker.Binary} build -q -f .pipelineimage/Dockerfile -t {project.ImageName}:latest - < '{tar}'"],
            project.Directory);

        Assert.True(byHand.ExitCode == 0, byHand.ToString());
        // The same files and configuration as the published image, which the default assembles. (Not the same layers:
        // the builder keeps each file's time, and its layer count differs from the assembler's by one here.)
        var publishedImage = (await Docker.InspectImageAsync(built!))!.Value;
        var handBuilt = (await Docker.InspectImageAsync($"{project.ImageName}:latest"))!.Value;
        foreach (var setting in new[] { "Entrypoint", "Cmd", "WorkingDir", "User", "Env" })
        {
            Assert.Equal(publishedImage.GetProperty("Config").GetProperty(setting).ToString(), handBuilt.GetProperty("Config").GetProperty(setting).ToString());
        }

        Assert.Equal(await FilesAsync(built!), await FilesAsync($"{project.ImageName}:latest"));
        Assert.Equal("args:", (await Docker.RunImageAsync($"{project.ImageName}:latest")).Output.Trim());
    }

    [EngineFact]
    public async Task NoCacheRebuildsEveryStepAndGeneratedLabelsCanBeTurnedOff()
    {
        // The engine's BuildKit builds the whole Dockerfile on a parent (our own layers are deterministic: nothing to redo).
        await using var project = new TestProject(feed,
            properties: "<PipelineImageGenerateLabels>false</PipelineImageGenerateLabels><PipelineImageBuilder>buildkit</PipelineImageBuilder>" + TestSources.BaseOnlyParent);
        await TestSources.WriteBaseOnlyParentAsync(project.Directory);
        var first = await project.PublishAsync();
        Assert.True(first.ExitCode == 0, first.ToString());

        var cached = await project.PublishAsync("-v:n");
        var uncached = await project.PublishAsync("-v:n", "-p:PipelineImageNoCache=true", "-p:PipelineImagePlatform=linux/amd64");

        Assert.Contains(" is up to date: ", cached.Output);
        Assert.True(uncached.ExitCode == 0, uncached.ToString());
        Assert.Contains("Building: PipelineImageNoCache=true builds every step anew.", uncached.Output);
        // No COPY or RUN step came from the cache. (BuildKit may still take a WORKDIR from it: a directory, no content.)
        var lines = uncached.Output.Split('\n');
        var fromCache = lines.Skip(1).Where((line, i) => line.Contains("Using cache", StringComparison.Ordinal)
            && System.Text.RegularExpressions.Regex.IsMatch(lines[i], @"Step [0-9]+/[0-9]+ : (COPY|RUN) ")).ToList();
        Assert.True(fromCache.Count == 0, uncached.Output);
        var labels = (await Docker.InspectImageAsync($"{project.ImageName}:latest"))!.Value.GetProperty("Config").GetProperty("Labels");
        Assert.DoesNotContain(labels.ValueKind == JsonValueKind.Object ? labels.EnumerateObject().Select(l => l.Name) : [],
            name => name.StartsWith("org.opencontainers.image.", StringComparison.Ordinal));
    }

    [EngineFact]
    public async Task BadValuesFailWithTheirCodesAndThePlatformIsCheckedAgainstTheEngine()
    {
        await using var project = new TestProject(feed);

        foreach (var (property, code) in new[]
                 {
                     ("-p:PipelineImageUser=app user", "PIMG2013"),
                     ("-p:PipelineImageWorkingDirectory=relative/dir", "PIMG2012"),
                     ("-p:PipelineImageEntrypointMode=shell", "PIMG2014"),
                     ("-p:PipelineImagePlatform=linux", "PIMG2019"),
                     ("-p:PipelineImagePull=sometimes", "PIMG2020"),
                     ("-p:PipelineImageParentDockerfile=missing/Dockerfile", "PIMG2021"),
                 })
        {
            var publish = await project.PublishAsync(UnusableEngine, property);
            Assert.NotEqual(0, publish.ExitCode);
            Assert.Contains($"error {code}: ", publish.Output);
            Assert.DoesNotContain("PIMG1001", publish.Output);
        }

        // RUN steps for another architecture, which the classic builder cannot run (an image without any is assembled for any platform).
        project.WriteProject("", """<PipelineRequirement Include="jq" />""");
        var foreign = await project.PublishAsync("-p:PipelineImagePlatform=linux/riscv64", "-p:PipelineImageBuilder=classic");
        Assert.Contains("error PIMG1005: ", foreign.Output);
        project.WriteProject("", "");
        var offline = await project.PublishAsync("-p:PipelineImageBase=localhost/pimg-not-here:1", "-p:PipelineImagePull=never");
        Assert.Contains("error PIMG1006: ", offline.Output);
        Assert.Null(await Docker.InspectImageAsync($"{project.ImageName}:latest"));
    }

    // Every file under the working directory with its hash, owner and mode, as the image has them.
    private static async Task<string> FilesAsync(string image) =>
        (await Docker.RunAsync("run", "--rm", "--network", "none", "--entrypoint", "sh", image, "-c",
            "find /app -type f -exec stat -c '%n %u:%g %a' {} + | sort && find /app -type f -exec sha256sum {} + | sort")).Output;

    [EngineFact]
    public Task TheReadmesCommandLineListFormsGiveEveryTagInBash() => AssertListFormsAsync(
        ["-p:PipelineImageTags=1.4.0%3Bstable", "'-p:PipelineImageTags=\"1.4.0;stable\"'"], (project, commandLine) => project.BashAsync(commandLine));

    [PowerShellFact]
    public Task TheReadmesCommandLineListFormsGiveEveryTagInPowerShell() => AssertListFormsAsync(
        ["-p:PipelineImageTags=1.4.0%3Bstable", "'-p:PipelineImageTags=\"1.4.0;stable\"'"], (project, commandLine) => project.PowerShellAsync(commandLine));

    // The forms as the README writes them, typed into the shell; SkipBuild: the plan's references are the tags.
    private async Task AssertListFormsAsync(string[] forms, Func<TestProject, string, Task<ProcessResult>> shell)
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(PackageFeed.RepositoryRoot, "README.md"));
        await using var project = new TestProject(feed);

        foreach (var form in forms)
        {
            Assert.Contains($"`{form}`", readme);
            var publish = await shell(project, $"dotnet publish App.csproj -c Release -nodeReuse:false -p:PipelineImageSkipBuild=true {form}");

            Assert.True(publish.ExitCode == 0, publish.ToString());
            using var plan = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "plan.json")));
            Assert.Equal([$"{project.ImageName}:1.4.0", $"{project.ImageName}:stable"],
                plan.RootElement.GetProperty("references").EnumerateArray()
                    .Select(reference => $"{reference.GetProperty("name").GetString()}:{reference.GetProperty("tag").GetString()}"));
        }
    }
}
