using Microsoft.Build.Framework;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Planning;

namespace PipelineImage.Tasks;

/// <summary>
/// Sends the planned context to the engine, builds and tags the image (after the parent image, when there is a
/// parent Dockerfile whose image is not there yet), streams the engine's output into the log and writes image.json.
/// </summary>
public sealed class BuildPipelineImage : EngineTask
{
    /// <summary>The context files, with ContextPath and Executable metadata, as GeneratePipelineDockerfile gives them.</summary>
    [Required] public ITaskItem[] ContextFiles { get; set; } = [];

    [Required] public string ImageName { get; set; } = "";

    /// <summary>name:tag references to tag the image with.</summary>
    [Required] public string[] ImageReferences { get; set; } = [];

    /// <summary>The FROM image of our Dockerfile (the parent's reference when there is one).</summary>
    [Required] public string BaseImage { get; set; } = "";

    /// <summary>Where image.json goes.</summary>
    [Required] public string ImageRecordPath { get; set; } = "";

    /// <summary>PipelineImageNetwork: the network RUN steps use (<c>host</c>, <c>none</c>, a network name); empty: the engine's default.</summary>
    public string Network { get; set; } = "";

    /// <summary>PipelineImagePlatform: <c>os/arch[/variant]</c>; empty: the engine's own.</summary>
    public string Platform { get; set; } = "";

    /// <summary>PipelineImagePull: <c>missing</c> (default), <c>always</c> or <c>never</c>.</summary>
    public string Pull { get; set; } = "";

    /// <summary>PipelineImageNoCache: build every step anew.</summary>
    public bool NoCache { get; set; }

    /// <summary>The parent image's reference; empty when there is no parent Dockerfile.</summary>
    public string ParentImage { get; set; } = "";

    /// <summary>The parent Dockerfile's path in its context.</summary>
    public string ParentDockerfilePath { get; set; } = "";

    /// <summary>The parent's build context, as items like <see cref="ContextFiles"/>.</summary>
    public ITaskItem[] ParentContextFiles { get; set; } = [];

    /// <summary>The parent's build arguments: name, with Value metadata.</summary>
    public ITaskItem[] ParentBuildArgs { get; set; } = [];

    [Output] public string ImageId { get; set; } = "";

    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        // Everything the user set is checked before the engine is asked anything.
        var network = BuildNetwork.Validate(Network);
        var platform = BuildPlatform.Validate(Platform);
        var pull = PullPolicies.Parse(Pull);
        var (connection, _) = ResolveEngine();

        using var engine = EngineFactory(connection);
        var info = await engine.ConnectAsync(cancellationToken).ConfigureAwait(false);
        Log.LogMessage(MessageImportance.Normal, "Building {0} with the engine at {1} from {2} (Docker {3}, API {4}, {5})",
            ImageName, info.Endpoint, connection.Source, info.ServerVersion, info.ApiVersion, info.Platform);
        if (platform.Length > 0 && !BuildPlatform.CanBuild(info.Platform, platform))
        {
            throw new PipelineImageException(DiagnosticCodes.PlatformNotSupported, info.Endpoint, info.Platform, platform);
        }

        var lockPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(ImageRecordPath))!, "build.lock");
        using var buildLock = await BuildLock.AcquireAsync(lockPath, () => Log.LogMessage(MessageImportance.High,
            "Waiting for another publish of this project to finish its image build ({0})", lockPath), cancellationToken).ConfigureAwait(false);
        var options = new BuildOptions(network, platform, pull == PullPolicy.Always, NoCache);
        if (ParentImage.Length > 0)
        {
            await BuildParentAsync(engine, options, cancellationToken).ConfigureAwait(false);
            options = options with { PullAlways = false }; // our FROM is the local parent, in no registry
        }
        else if (pull == PullPolicy.Never && !await engine.ImageExistsAsync(BaseImage, cancellationToken).ConfigureAwait(false))
        {
            throw new PipelineImageException(DiagnosticCodes.BaseImageNotLocal, info.Endpoint, BaseImage);
        }

        var context = ContextFiles.Select(ContextItems.FromItem).ToList();
        var request = new BuildRequest(context, ImageReferences, ImagePlanner.DockerfilePath, options);
        var result = await engine.BuildAsync(request, LogLine, cancellationToken).ConfigureAwait(false);

        ImageId = result.ImageId;
        var tags = ImageReferences.Select(reference => reference[(reference.LastIndexOf(':') + 1)..]).ToList();
        await AtomicFile.WriteIfChangedAsync(ImageRecordPath, new ImageRecord(ImageName, tags, ImageId).ToJson()).ConfigureAwait(false);
    }

    // The parent's tag stands for its Dockerfile, context, arguments and platform: when the engine has it, it is current.
    private async System.Threading.Tasks.Task BuildParentAsync(IContainerEngine engine, BuildOptions options, CancellationToken cancellationToken)
    {
        if (!options.NoCache && await engine.ImageExistsAsync(ParentImage, cancellationToken).ConfigureAwait(false))
        {
            Log.LogMessage(MessageImportance.Normal, "Parent image {0} is up to date", ParentImage);
            return;
        }

        Log.LogMessage(MessageImportance.High, "Building the parent image {0} from {1}", ParentImage, ParentDockerfilePath);
        var buildArgs = ParentBuildArgs.ToDictionary(item => item.ItemSpec, item => item.GetMetadata("Value"), StringComparer.Ordinal);
        var request = new BuildRequest(
            ParentContextFiles.Select(ContextItems.FromItem).ToList(), [ParentImage], ParentDockerfilePath, options with { BuildArgs = buildArgs });
        await engine.BuildAsync(request, LogLine, cancellationToken).ConfigureAwait(false);
    }

    private void LogLine(string line) => Log.LogMessage(MessageImportance.Normal, "{0}", line);
}
