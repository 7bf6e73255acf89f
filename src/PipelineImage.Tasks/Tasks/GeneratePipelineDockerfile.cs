using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using PipelineImage.Diagnostics;
using PipelineImage.Output;
using PipelineImage.Planning;

namespace PipelineImage.Tasks;

/// <summary>
/// Maps the project's publish output and PipelineImage* properties to a <see cref="BuildPlan"/>, writes its
/// Dockerfile (only when it changed) and hands the plan to the build target as items.
/// </summary>
public sealed class GeneratePipelineDockerfile : PipelineImageTask
{
    [Required] public string AssemblyName { get; set; } = "";

    [Required] public string ProjectFileName { get; set; } = "";

    [Required] public string TargetFileName { get; set; } = "";

    [Required] public string TargetFrameworkIdentifier { get; set; } = "";

    [Required] public string TargetFrameworkVersion { get; set; } = "";

    public string RuntimeIdentifier { get; set; } = "";

    public bool SelfContained { get; set; }

    public bool PublishAot { get; set; }

    public bool UsingWebSdk { get; set; }

    /// <summary>@(FrameworkReference): a reference to Microsoft.AspNetCore.App selects the aspnet base.</summary>
    public ITaskItem[] FrameworkReferences { get; set; } = [];

    /// <summary>The publish directory, which holds every published file at its RelativePath.</summary>
    [Required] public string PublishDirectory { get; set; } = "";

    /// <summary>@(ResolvedFileToPublish), with RelativePath and, for package assets, NuGetPackageId.</summary>
    [Required] public ITaskItem[] PublishedFiles { get; set; } = [];

    /// <summary>Where the Dockerfile goes: $(IntermediateOutputPath)pipelineimage/.</summary>
    [Required] public string OutputDirectory { get; set; } = "";

    public string ImageName { get; set; } = "";

    public string[] ImageTags { get; set; } = [];

    public string Version { get; set; } = "";

    public string BaseImage { get; set; } = "";

    [Output] public string DockerfilePath { get; set; } = "";

    [Output] public string ResolvedImageName { get; set; } = "";

    /// <summary>name:tag items, with Name and Tag metadata.</summary>
    [Output] public ITaskItem[] ImageReferences { get; set; } = [];

    /// <summary>The build context: items for files on disk with ContextPath and Executable metadata.</summary>
    [Output] public ITaskItem[] ContextFiles { get; set; } = [];

    protected override System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var app = new PublishedApp
        {
            AssemblyName = AssemblyName,
            ProjectFileName = ProjectFileName,
            TargetFileName = TargetFileName,
            TargetFrameworkIdentifier = TargetFrameworkIdentifier,
            TargetFrameworkVersion = TargetFrameworkVersion,
            RuntimeIdentifier = RuntimeIdentifier,
            SelfContained = SelfContained,
            PublishAot = PublishAot,
            UsesAspNetCore = UsingWebSdk || FrameworkReferences.Any(reference =>
                string.Equals(reference.ItemSpec, "Microsoft.AspNetCore.App", StringComparison.OrdinalIgnoreCase)),
            Files = PublishedFiles.Select(ToPublishedFile).ToList(),
        };
        var settings = new ImageSettings { Name = ImageName, Tags = ImageTags, Version = Version, BaseImage = BaseImage };

        var plan = ImagePlanner.Create(app, settings);

        DockerfilePath = Path.Combine(OutputDirectory, ImagePlanner.DockerfileName);
        var written = AtomicFile.WriteIfChanged(DockerfilePath, plan.Dockerfile);
        Log.LogMessage(MessageImportance.Normal, written ? "Wrote {0}" : "{0} is up to date", DockerfilePath);

        ResolvedImageName = plan.Name;
        ImageReferences = plan.References.Select(reference =>
        {
            var item = new TaskItem(reference.ToString());
            item.SetMetadata("Name", reference.Name);
            item.SetMetadata("Tag", reference.Tag);
            return (ITaskItem)item;
        }).ToArray();
        ContextFiles = plan.Context.Select(entry =>
        {
            var item = new TaskItem(entry.SourcePath ?? DockerfilePath);
            item.SetMetadata("ContextPath", entry.ContextPath);
            item.SetMetadata("Executable", entry.Executable ? "true" : "false");
            return (ITaskItem)item;
        }).ToArray();
        return System.Threading.Tasks.Task.CompletedTask;
    }

    private PublishedFile ToPublishedFile(ITaskItem item)
    {
        var relativePath = item.GetMetadata("RelativePath").Replace('\\', '/');
        var source = Path.Combine(PublishDirectory, relativePath);
        if (!File.Exists(source))
        {
            throw new PipelineImageException(DiagnosticCodes.PublishFileMissing, source);
        }

        return new PublishedFile(source, relativePath, IsDependency: item.GetMetadata("NuGetPackageId").Length > 0);
    }
}
