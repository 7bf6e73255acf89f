using System.IO.Compression;
using System.Xml.Linq;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>What the nupkg holds, exactly: the targets, the task assembly and its private dependencies, nothing for compiling.</summary>
[Collection(EngineCollection.Name)]
public sealed class PackageTests(PackageFeed feed)
{
    [Fact]
    public void PackageHoldsExactlyTheTargetsAndTheTaskFolder()
    {
        using var package = ZipFile.OpenRead(Path.Combine(feed.FeedDirectory, $"PipelineImage.Tasks.{feed.Version}.nupkg"));

        var entries = package.Entries.Select(entry => entry.FullName)
            .Where(name => !name.StartsWith("_rels/", StringComparison.Ordinal) && !name.StartsWith("package/", StringComparison.Ordinal)
                           && name != "[Content_Types].xml")
            .Order(StringComparer.Ordinal);

        Assert.Equal(
            [
                "PipelineImage.Tasks.nuspec",
                "README.md",
                "build/PipelineImage.Integrations.props",
                "build/PipelineImage.Tasks.props",
                "build/PipelineImage.Tasks.targets",
                "docs/README.md",
                "tasks/net10.0-linux-x64/BouncyCastle.Cryptography.dll",
                "tasks/net10.0-linux-x64/Google.Protobuf.dll",
                "tasks/net10.0-linux-x64/Grpc.Core.Api.dll",
                "tasks/net10.0-linux-x64/Grpc.Net.Client.dll",
                "tasks/net10.0-linux-x64/Grpc.Net.Common.dll",
                "tasks/net10.0-linux-x64/Microsoft.Extensions.DependencyInjection.Abstractions.dll",
                "tasks/net10.0-linux-x64/Microsoft.Extensions.Logging.Abstractions.dll",
                "tasks/net10.0-linux-x64/PipelineImage.Tasks.deps.json",
                "tasks/net10.0-linux-x64/PipelineImage.Tasks.dll",
                "tasks/net472/PipelineImage.ToolTasks.dll",
                "tasks/net8.0/BouncyCastle.Cryptography.dll",
                "tasks/net8.0/Google.Protobuf.dll",
                "tasks/net8.0/Grpc.Core.Api.dll",
                "tasks/net8.0/Grpc.Net.Client.dll",
                "tasks/net8.0/Grpc.Net.Common.dll",
                "tasks/net8.0/Microsoft.Extensions.DependencyInjection.Abstractions.dll",
                "tasks/net8.0/Microsoft.Extensions.Logging.Abstractions.dll",
                "tasks/net8.0/PipelineImage.Tasks.deps.json",
                "tasks/net8.0/PipelineImage.Tasks.dll",
                "tasks/net8.0/System.IO.Pipelines.dll",
                "tool/BouncyCastle.Cryptography.dll",
                "tool/Google.Protobuf.dll",
                "tool/Grpc.Core.Api.dll",
                "tool/Grpc.Net.Client.dll",
                "tool/Grpc.Net.Common.dll",
                "tool/Microsoft.Build.Framework.dll",
                "tool/Microsoft.Build.Utilities.Core.dll",
                "tool/Microsoft.Extensions.DependencyInjection.Abstractions.dll",
                "tool/Microsoft.Extensions.Logging.Abstractions.dll",
                "tool/Microsoft.NET.StringTools.dll",
                "tool/PipelineImage.Tasks.dll",
                "tool/PipelineImage.Tool.deps.json",
                "tool/PipelineImage.Tool.dll",
                "tool/PipelineImage.Tool.runtimeconfig.json",
                "tool/System.Configuration.ConfigurationManager.dll",
                "tool/System.Diagnostics.EventLog.dll",
                "tool/System.IO.Pipelines.dll",
                "tool/System.Security.Cryptography.ProtectedData.dll",
                "tool/runtimes/win/lib/net8.0/System.Diagnostics.EventLog.Messages.dll",
                "tool/runtimes/win/lib/net8.0/System.Diagnostics.EventLog.dll",
            ],
            entries);
    }

    [Fact]
    public void TheToolTasksForVisualStudioLoadNothingButMsBuildAndTheFramework()
    {
        using var package = ZipFile.OpenRead(Path.Combine(feed.FeedDirectory, $"PipelineImage.Tasks.{feed.Version}.nupkg"));
        using var pe = new System.Reflection.PortableExecutable.PEReader(Entry(package, "tasks/net472/PipelineImage.ToolTasks.dll"));
        var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        var references = metadata.AssemblyReferences.Select(handle => metadata.GetString(metadata.GetAssemblyReference(handle).Name)).Order(StringComparer.Ordinal);

        Assert.Equal(["Microsoft.Build.Framework", "Microsoft.Build.Utilities.Core", "System", "System.Core", "System.Xml", "System.Xml.Linq", "mscorlib"], references);
    }

    [Fact]
    public void TheNet10TasksAreCompiledAheadOfTimeForLinuxX64AndTheNet8OnesAreIl()
    {
        using var package = ZipFile.OpenRead(Path.Combine(feed.FeedDirectory, $"PipelineImage.Tasks.{feed.Version}.nupkg"));

        var readyToRun = Headers(package, "tasks/net10.0-linux-x64/PipelineImage.Tasks.dll");
        var il = Headers(package, "tasks/net8.0/PipelineImage.Tasks.dll");

        Assert.NotEqual(0, readyToRun.CorHeader!.ManagedNativeHeaderDirectory.Size);
        // ReadyToRun marks the machine with the operating system: AMD64 XOR 0x7B79 is Linux x64.
        Assert.Equal(0x8664 ^ 0x7B79, (int)readyToRun.CoffHeader.Machine);
        Assert.Equal(0, il.CorHeader!.ManagedNativeHeaderDirectory.Size);
    }

    [EngineFact]
    public async Task TheDotNet10SdkHereLoadsTheAheadOfTimeTasksAndTheIlOnesBuildTheSameImage()
    {
        await using var project = new TestProject(feed);
        var tasks = Path.Combine(feed.PackagesDirectory, "pipelineimage.tasks", feed.Version.ToLowerInvariant(), "build", "..", "tasks");

        // Every other .NET SDK's MSBuild (and this one on another platform) loads tasks/net8.0/.
        var il = Path.Combine(tasks, "net8.0", "PipelineImage.Tasks.dll");
        var built = await project.PublishAsync($"-p:PipelineImageTasksAssembly={il}", "-v:d");
        Assert.True(built.ExitCode == 0, built.ToString());
        Assert.Contains($"\"GeneratePipelineDockerfile\" task from assembly \"{il}\"", built.Output);
        Assert.Contains($"\"BuildPipelineImage\" task from assembly \"{il}\"", built.Output);

        var unchanged = await project.PublishAsync("-v:d");
        Assert.True(unchanged.ExitCode == 0, unchanged.ToString());
        var readyToRun = Path.Combine(tasks, "net10.0-linux-x64", "PipelineImage.Tasks.dll");
        Assert.Contains($"\"GeneratePipelineDockerfile\" task from assembly \"{readyToRun}\"", unchanged.Output);
        Assert.Contains($"\"BuildPipelineImage\" task from assembly \"{readyToRun}\"", unchanged.Output);
        Assert.Equal(Summary(built.Output, project), Summary(unchanged.Output, project));
    }

    // "App -> name:1.0.0, name:latest (sha256:...)": the image the publish left, by its id.
    private static string Summary(string output, TestProject project) =>
        output.Split('\n').Select(line => line.Trim()).Single(line => line.StartsWith($"App -> {project.ImageName}:1.0.0, {project.ImageName}:latest (sha256:", StringComparison.Ordinal));

    private static System.Reflection.PortableExecutable.PEHeaders Headers(ZipArchive package, string path)
    {
        using var stream = Entry(package, path);
        return new System.Reflection.PortableExecutable.PEHeaders(stream);
    }

    // A seekable copy of the package's file, as the PE readers need.
    private static MemoryStream Entry(ZipArchive package, string path)
    {
        var stream = new MemoryStream();
        using (var entry = package.GetEntry(path)!.Open())
        {
            entry.CopyTo(stream);
        }

        stream.Position = 0;
        return stream;
    }

    [Fact]
    public void PackageIsADevelopmentDependencyWithNoDependencies()
    {
        using var package = ZipFile.OpenRead(Path.Combine(feed.FeedDirectory, $"PipelineImage.Tasks.{feed.Version}.nupkg"));
        using var nuspec = package.GetEntry("PipelineImage.Tasks.nuspec")!.Open();

        var metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");

        Assert.Equal("true", metadata.Elements().Single(e => e.Name.LocalName == "developmentDependency").Value);
        Assert.DoesNotContain(metadata.Elements(), e => e.Name.LocalName == "dependencies");
    }
}
