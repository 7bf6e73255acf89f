namespace PipelineImage.IntegrationTests.Infrastructure;

/// <summary>
/// A consumer project in a temporary directory that references the packed PipelineImage.Tasks, as a user's would,
/// and is published with the real <c>dotnet publish</c>. Disposing it removes the directory and its images.
/// </summary>
public sealed class TestProject : IAsyncDisposable
{
    private readonly PackageFeed _feed;
    private readonly HashSet<string> _builtImageIds = [];
    private readonly string _sdk;
    private readonly EngineUnderTest _engine;

    /// <param name="engine">
    /// The engine the project builds on: its publishes get its socket as DOCKER_HOST, and its images are removed from it.
    /// The default engine unless given.
    /// </param>
    /// <param name="assemblyName">The AssemblyName (so the image name), for another clone of the same project; a new one unless given.</param>
    public TestProject(PackageFeed feed, string sdk = "Microsoft.NET.Sdk", string properties = "", string items = "", string? program = null, EngineUnderTest? engine = null,
        string? assemblyName = null)
    {
        _feed = feed;
        _engine = engine ?? EngineUnderTest.Default;
        AssemblyName = assemblyName ?? $"E2e{Guid.NewGuid():N}"[..15];
        Directory = System.IO.Directory.CreateTempSubdirectory("pimg-project-").FullName;
        File.WriteAllText(Path.Combine(Directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="pipelineimage-under-test" value="{feed.FeedDirectory}" />
              </packageSources>
            </configuration>
            """);
        _sdk = sdk;
        WriteProject(properties, items);
        WriteProgram(program ?? """Console.WriteLine($"step ran as {Environment.UserName}: {Environment.GetEnvironmentVariable("PIPELINE_STEP")}");""");
    }

    public string Directory { get; }

    public string AssemblyName { get; }

    /// <summary>The image name PipelineImage.Tasks derives from the AssemblyName.</summary>
    public string ImageName => AssemblyName.ToLowerInvariant();

    public string ProjectPath => Path.Combine(Directory, "App.csproj");

    public string OutputDirectory => Path.Combine(Directory, "obj", "Release", "net10.0", "pipelineimage");

    /// <summary>Writes App.csproj with these properties and items, as a user's edit would.</summary>
    public void WriteProject(string properties, string items) => File.WriteAllText(ProjectPath, $"""
        <Project Sdk="{_sdk}">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <AssemblyName>{AssemblyName}</AssemblyName>
            <ImplicitUsings>enable</ImplicitUsings>
            {properties}
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="PipelineImage.Tasks" Version="{_feed.Version}" PrivateAssets="all" />
            {items}
          </ItemGroup>
        </Project>
        """);

    public void WriteProgram(string code) => File.WriteAllText(Path.Combine(Directory, "Program.cs"), code);

    public Task<ProcessResult> PublishAsync(params string[] arguments) => PublishAsync(null, arguments);

    public Task<ProcessResult> PublishAsync(IReadOnlyDictionary<string, string?>? environment, params string[] arguments) =>
        DotnetAsync(environment, ["publish", ProjectPath, "-c", "Release", "-nodeReuse:false", .. arguments]);

    /// <summary>Runs a command line in bash in the project's directory, with the publish's environment (a README's form, as typed).</summary>
    public async Task<ProcessResult> BashAsync(string commandLine)
    {
        var result = await ProcessRunner.RunAsync("bash", ["-c", commandLine], Directory, Environment(null));
        RememberBuiltImages();
        return result;
    }

    /// <summary>Runs a command line in PowerShell (<see cref="PowerShellFactAttribute.Path"/>), as a script typed in it, in the project's directory.</summary>
    public async Task<ProcessResult> PowerShellAsync(string commandLine)
    {
        var script = System.IO.Path.Combine(Directory, "command.ps1");
        await File.WriteAllTextAsync(script, commandLine + "\nexit $LASTEXITCODE\n");
        var environment = Environment(null);
        environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
        var result = await ProcessRunner.RunAsync(PowerShellFactAttribute.Path, ["-NoProfile", "-NonInteractive", "-File", script], Directory, environment);
        RememberBuiltImages();
        return result;
    }

    /// <summary>Publishes, and sends the publish SIGINT (Ctrl+C) when a line of its output has the text.</summary>
    public Task<ProcessResult> PublishAndInterruptAsync(string interruptAt, params string[] arguments) =>
        DotnetAsync(null, ["publish", ProjectPath, "-c", "Release", "-nodeReuse:false", .. arguments], interruptAt);

    /// <summary>Calls the PushPipelineImage target on its own, as a CI step after the publish would.</summary>
    public Task<ProcessResult> PushTargetAsync(IReadOnlyDictionary<string, string?>? environment, params string[] arguments) =>
        DotnetAsync(environment, ["msbuild", ProjectPath, "-t:PushPipelineImage", "-p:Configuration=Release", "-nodeReuse:false", .. arguments]);

    private async Task<ProcessResult> DotnetAsync(IReadOnlyDictionary<string, string?>? environment, string[] arguments, string? interruptAt = null)
    {
        var result = await ProcessRunner.RunAsync("dotnet", arguments, Directory, Environment(environment), interruptAt: interruptAt);
        RememberBuiltImages();
        return result;
    }

    private Dictionary<string, string?> Environment(IReadOnlyDictionary<string, string?>? environment)
    {
        var variables = new Dictionary<string, string?>
        {
            ["NUGET_PACKAGES"] = _feed.PackagesDirectory,
            ["DOCKER_HOST"] = _engine.Socket,
        };

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[key] = value;
        }

        return variables;
    }

    // A rebuild moves the tags to the new image; the old one would be left dangling without this.
    private void RememberBuiltImages()
    {
        if (!System.IO.Directory.Exists(Path.Combine(Directory, "obj")))
        {
            return;
        }

        foreach (var manifest in System.IO.Directory.EnumerateFiles(Path.Combine(Directory, "obj"), "image.json", SearchOption.AllDirectories))
        {
            using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(manifest));
            _builtImageIds.Add(document.RootElement.GetProperty("imageId").GetString()!);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _engine.Cli.RemoveRepositoryAsync(ImageName);
        await _engine.Cli.RemoveRepositoryAsync(ImageName + "-parent");
        if (_builtImageIds.Count > 0)
        {
            await _engine.Cli.RunAsync(["image", "rm", "--force", .. _builtImageIds]);
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
