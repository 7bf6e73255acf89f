using Microsoft.Build.Evaluation;
using Microsoft.Build.Execution;
using Microsoft.Build.Framework;

namespace PipelineImage.TargetsTests;

/// <summary>
/// A project that imports the package's real props and targets around a stand-in for the SDK's Publish (a publish
/// directory with one file), evaluated and built in-process. No engine is involved: the engine address is one where
/// nothing listens, so a target that reached it would fail with PIMG1001.
/// </summary>
internal sealed class TargetsProject : IDisposable
{
    /// <summary>The test collection of every class that builds: MSBuild's default BuildManager takes one build at a time.</summary>
    public const string Collection = "MSBuild builds";

    private static readonly string RepositoryRoot = FindRepositoryRoot();

    // The package's layout (tasks/net8.0, tasks/net472, tool, docs/README.md) made from the build outputs, once.
    private static readonly Lazy<string> Package = new(() =>
    {
        var root = System.IO.Directory.CreateTempSubdirectory("pimg-targets-package-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => System.IO.Directory.Delete(root, recursive: true);
        Copy(Path.Combine(RepositoryRoot, "src", "PipelineImage.Tasks", "bin", "Release", "net8.0"), Path.Combine(root, "tasks", "net8.0"));
        Copy(Path.Combine(RepositoryRoot, "src", "PipelineImage.ToolTasks", "bin", "Release", "net472"), Path.Combine(root, "tasks", "net472"));
        Copy(Path.Combine(RepositoryRoot, "src", "PipelineImage.Tool", "bin", "Release", "net8.0"), Path.Combine(root, "tool"));
        System.IO.Directory.CreateDirectory(Path.Combine(root, "docs"));
        File.Copy(Path.Combine(RepositoryRoot, "README.md"), Path.Combine(root, "docs", "README.md"));
        return root;
    });

    /// <summary>The guide in the package layout, which help links point into.</summary>
    public static string Guide => Path.Combine(Package.Value, "docs", "README.md");

    private static void Copy(string from, string to)
    {
        foreach (var file in System.IO.Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public TargetsProject(string properties = "", string items = "")
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("pimg-targets-").FullName;
        var publish = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "bin", "publish")).FullName;
        File.WriteAllText(Path.Combine(publish, "App.dll"), "not really an assembly");
        var build = Path.Combine(RepositoryRoot, "nuget", "build");
        var tasks = Path.Combine(Package.Value, "tasks", "net8.0", "PipelineImage.Tasks.dll");
        var toolTasks = Path.Combine(Package.Value, "tasks", "net472", "PipelineImage.ToolTasks.dll");
        var tool = Path.Combine(Package.Value, "tool", "PipelineImage.Tool.dll");
        File.WriteAllText(ProjectPath, $"""
            <Project>
              <PropertyGroup>
                <AssemblyName>App</AssemblyName>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <TargetFrameworkIdentifier>.NETCoreApp</TargetFrameworkIdentifier>
                <TargetFrameworkVersion>v10.0</TargetFrameworkVersion>
                <TargetFileName>App.dll</TargetFileName>
                <Version>1.0.0</Version>
                <IntermediateOutputPath>obj/</IntermediateOutputPath>
                <PublishDir>bin/publish/</PublishDir>
                <PipelineImageTasksAssembly>{tasks}</PipelineImageTasksAssembly>
                <PipelineImageToolTasksAssembly>{toolTasks}</PipelineImageToolTasksAssembly>
                <PipelineImageToolAssembly>{tool}</PipelineImageToolAssembly>
                <PipelineImageDockerHost>tcp://127.0.0.1:1</PipelineImageDockerHost>
                {properties}
              </PropertyGroup>
              <Import Project="{build}/PipelineImage.Tasks.props" />
              <ItemGroup>
                {items}
              </ItemGroup>
              <Target Name="Publish">
                <ItemGroup>
                  <ResolvedFileToPublish Include="bin/publish/App.dll" RelativePath="App.dll" />
                </ItemGroup>
              </Target>
              <Target Name="Clean" />
              <Import Project="{build}/PipelineImage.Tasks.targets" />
            </Project>
            """);
    }

    public string Directory { get; }

    public string ProjectPath => Path.Combine(Directory, "App.csproj");

    public string OutputDirectory => Path.Combine(Directory, "obj", "pipelineimage");

    /// <summary>Builds the targets with the global properties; what was logged, and the targets that ran.</summary>
    public BuildOutcome Build(string target, IDictionary<string, string>? globalProperties = null)
    {
        using var collection = new ProjectCollection(globalProperties ?? new Dictionary<string, string>());
        var logger = new RecordingLogger();
        var instance = new ProjectInstance(ProjectPath, globalProperties ?? new Dictionary<string, string>(), null, collection);
        var succeeded = instance.Build([target], [logger]);
        return new BuildOutcome(succeeded, logger.Errors, logger.Warnings, logger.Messages, logger.TargetsRun, instance);
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private static string FindRepositoryRoot()
    {
        var directory = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(directory, "PipelineImage.Tasks.sln")))
        {
            directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("No repository root above the tests.");
        }

        return directory;
    }

    /// <summary>The dotnet host these tests run in (testhost runs as dotnet testhost.dll), for the tool.</summary>
    public static string DotNetHost => Environment.ProcessPath!;

    private sealed class RecordingLogger : ILogger
    {
        public List<BuildErrorEventArgs> Errors { get; } = [];

        public List<BuildWarningEventArgs> Warnings { get; } = [];

        public List<string> Messages { get; } = [];

        public List<string> TargetsRun { get; } = [];

        public LoggerVerbosity Verbosity { get; set; } = LoggerVerbosity.Diagnostic;

        public string? Parameters { get; set; }

        public void Initialize(IEventSource eventSource)
        {
            eventSource.ErrorRaised += (_, e) => Errors.Add(e);
            eventSource.WarningRaised += (_, e) => Warnings.Add(e);
            eventSource.MessageRaised += (_, e) => Messages.Add(e.Message ?? "");
            eventSource.TargetFinished += (_, e) => TargetsRun.Add(e.TargetName);
        }

        public void Shutdown()
        {
        }
    }
}

internal sealed record BuildOutcome(
    bool Succeeded,
    IReadOnlyList<BuildErrorEventArgs> Errors,
    IReadOnlyList<BuildWarningEventArgs> Warnings,
    IReadOnlyList<string> Messages,
    IReadOnlyList<string> TargetsRun,
    ProjectInstance Project)
{
    public override string ToString() =>
        $"succeeded: {Succeeded}\nerrors: {string.Join("\n", Errors.Select(e => $"{e.Code}: {e.Message}"))}\ntargets: {string.Join(", ", TargetsRun)}";
}
