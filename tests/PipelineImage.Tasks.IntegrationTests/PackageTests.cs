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
                "tasks/net472/PipelineImage.ToolTasks.dll",
                "tasks/net8.0/Google.Protobuf.dll",
                "tasks/net8.0/Grpc.Core.Api.dll",
                "tasks/net8.0/Grpc.Net.Client.dll",
                "tasks/net8.0/Grpc.Net.Common.dll",
                "tasks/net8.0/Microsoft.Extensions.DependencyInjection.Abstractions.dll",
                "tasks/net8.0/Microsoft.Extensions.Logging.Abstractions.dll",
                "tasks/net8.0/PipelineImage.Tasks.deps.json",
                "tasks/net8.0/PipelineImage.Tasks.dll",
                "tasks/net8.0/System.IO.Pipelines.dll",
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
        using var stream = new MemoryStream();
        using (var entry = package.GetEntry("tasks/net472/PipelineImage.ToolTasks.dll")!.Open())
        {
            entry.CopyTo(stream);
        }

        stream.Position = 0;
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        var references = metadata.AssemblyReferences.Select(handle => metadata.GetString(metadata.GetAssemblyReference(handle).Name)).Order(StringComparer.Ordinal);

        Assert.Equal(["Microsoft.Build.Framework", "Microsoft.Build.Utilities.Core", "System", "System.Core", "System.Xml", "System.Xml.Linq", "mscorlib"], references);
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
