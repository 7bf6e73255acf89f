using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>Source files, extra files and ignore rules taking effect in a running image.</summary>
[Collection(EngineCollection.Name)]
public sealed class BuildContextTests(PackageFeed feed)
{
    private const string ListFiles = """
        foreach (var root in new[] { "/src", "/app/config" })
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                Console.WriteLine(file);
        Console.WriteLine(File.ReadAllText("/app/config/settings/app.yaml").Trim());
        """;

    [EngineFact]
    public async Task SourceTreeAndExtraFilesArriveThroughTheRootDockerignore()
    {
        await using var project = new TestProject(feed,
            properties: "<PipelineImageIncludeSourceFiles>true</PipelineImageIncludeSourceFiles>",
            items: """<PipelineImageFile Include="config/**/*.yaml" Destination="/app/config/" />""",
            program: ListFiles);
        Directory.CreateDirectory(Path.Combine(project.Directory, ".git"));
        Write(project, ".git/HEAD", "ref: refs/heads/main");
        Write(project, "config/settings/app.yaml", "mode: train");
        Write(project, "config/local.yaml", "token: do-not-ship");
        Write(project, "notes/keep.md", "kept");
        Write(project, "notes/secret.txt", "do-not-ship");
        Write(project, ".dockerignore", "**/bin\n**/obj\n.git\nnotes/*.txt\nconfig/local.yaml\n");

        var publish = await project.PublishAsync("-v:n");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        var run = await Docker.RunImageAsync($"{project.ImageName}:latest");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(
            [
                "/src/.dockerignore", "/src/App.csproj", "/src/Program.cs", "/src/config/settings/app.yaml", "/src/notes/keep.md",
                "/src/nuget.config", "/app/config/settings/app.yaml", "mode: train",
            ],
            run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var manifest = await File.ReadAllLinesAsync(Path.Combine(project.OutputDirectory, "context.txt"));
        Assert.Contains("notes/keep.md\t4", manifest);
        Assert.Contains(".pipelineimage/files/app/config/settings/app.yaml\t11", manifest);
        Assert.DoesNotContain(manifest, line => line.StartsWith(".git/", StringComparison.Ordinal) || line.Contains("secret") || line.Contains("local.yaml") || line.StartsWith("obj/", StringComparison.Ordinal));
        Assert.Equal(manifest.Order(StringComparer.Ordinal), manifest);
        Assert.Contains($"ignore rules from {Path.Combine(project.Directory, ".dockerignore")}", publish.Output);
    }

    [EngineFact]
    public async Task DockerIgnoreFileItemsApplyInOrderAndDefaultsApplyWithoutAnyIgnoreFile()
    {
        await using var project = new TestProject(feed,
            properties: "<PipelineImageIncludeSourceFiles>true</PipelineImageIncludeSourceFiles>",
            items: """
                <PipelineImageFile Include="config/settings/app.yaml" Destination="/app/config/settings/app.yaml" />
                <DockerIgnoreFile Include="deploy/base.dockerignore" />
                <DockerIgnoreFile Include="deploy/pipeline.dockerignore" />
                """,
            program: ListFiles);
        Write(project, "config/settings/app.yaml", "mode: serve");
        Write(project, "deploy/base.dockerignore", "*\n");
        Write(project, "deploy/pipeline.dockerignore", "!config\n!Program.cs\n");
        Write(project, ".dockerignore", "this file is not used when DockerIgnoreFile items exist\n");

        var publish = await project.PublishAsync();

        Assert.True(publish.ExitCode == 0, publish.ToString());
        var run = await Docker.RunImageAsync($"{project.ImageName}:latest");
        Assert.Equal(["/src/Program.cs", "/src/config/settings/app.yaml", "/app/config/settings/app.yaml", "mode: serve"],
            run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [EngineFact]
    public async Task WithoutAnIgnoreFileTheDefaultsKeepBuildOutputAndSecretsOut()
    {
        await using var project = new TestProject(feed,
            properties: "<PipelineImageIncludeSourceFiles>true</PipelineImageIncludeSourceFiles>",
            program: """foreach (var f in Directory.EnumerateFiles("/src", "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)) Console.WriteLine(f);""");
        Write(project, ".env", "PASSWORD=hunter2");
        Write(project, "certs/server.pfx", "binary");

        var publish = await project.PublishAsync();

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains("ignore rules from the default rules", publish.Output);
        var run = await Docker.RunImageAsync($"{project.ImageName}:latest");
        Assert.Equal(["/src/App.csproj", "/src/Program.cs", "/src/nuget.config"],
            run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [EngineFact]
    public async Task MissingIgnoreFileIsPimg3002BeforeAnyEngineCall()
    {
        await using var project = new TestProject(feed,
            properties: "<PipelineImageIncludeSourceFiles>true</PipelineImageIncludeSourceFiles>",
            items: """<DockerIgnoreFile Include="deploy/missing.dockerignore" />""");

        var publish = await project.PublishAsync(new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock" });

        Assert.NotEqual(0, publish.ExitCode);
        Assert.Contains("error PIMG3002: The DockerIgnoreFile item 'deploy/missing.dockerignore'", publish.Output);
        Assert.DoesNotContain("PIMG1001", publish.Output);
    }

    [EngineFact]
    public async Task IgnoreFilesAreValidatedEvenWhenNoSourceFilesAreSent()
    {
        await using var missing = new TestProject(feed, items: """<DockerIgnoreFile Include="deploy/missing.dockerignore" />""");
        var noEngine = new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock" };

        var first = await missing.PublishAsync(noEngine);

        Assert.NotEqual(0, first.ExitCode);
        Assert.Contains("error PIMG3002: The DockerIgnoreFile item 'deploy/missing.dockerignore'", first.Output);

        await using var invalid = new TestProject(feed);
        Write(invalid, ".dockerignore", "bin/\n[\n");

        var second = await invalid.PublishAsync(noEngine);

        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains("error PIMG3001: ", second.Output);
        Assert.DoesNotContain("PIMG1001", second.Output);
    }

    private static void Write(TestProject project, string path, string content)
    {
        var full = Path.Combine(project.Directory, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }
}
