using PipelineImage.Planning;

namespace PipelineImage.Tests.Planning;

internal static class PlannerTestData
{
    /// <summary>The plan of an app and its settings, with no source tree, extra files or requirements.</summary>
    public static BuildPlan Plan(PublishedApp app, ImageSettings settings) => ImagePlanner.Create(app, settings, ContextSources.None);

    public static PublishedApp App(params PublishedFile[] files) => new()
    {
        AssemblyName = "HelloPipeline",
        ProjectFileName = "HelloPipeline.csproj",
        TargetFileName = "HelloPipeline.dll",
        TargetFrameworkIdentifier = ".NETCoreApp",
        TargetFrameworkVersion = "v10.0",
        Files = files.Length > 0 ? files : DefaultFiles,
    };

    public static readonly PublishedFile[] DefaultFiles =
    [
        new("/pub/HelloPipeline.dll", "HelloPipeline.dll", false),
        new("/pub/HelloPipeline.deps.json", "HelloPipeline.deps.json", false),
        new("/pub/HelloPipeline.runtimeconfig.json", "HelloPipeline.runtimeconfig.json", false),
        new("/pub/Newtonsoft.Json.dll", "Newtonsoft.Json.dll", true),
        new("/pub/runtimes/linux-x64/native/libe_sqlite3.so", "runtimes/linux-x64/native/libe_sqlite3.so", true),
    ];
}
