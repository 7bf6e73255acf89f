using Microsoft.Build.Framework;
using PipelineImage.Engine;
using PipelineImage.Output;
using PipelineImage.Planning;

namespace PipelineImage.Tasks;

/// <summary>
/// Sends the planned context to the engine, builds and tags the image, streams the engine's output into the
/// log and writes image.json.
/// </summary>
public sealed class BuildPipelineImage : PipelineImageTask
{
    /// <summary>How long the engine may take to answer before the build fails with PIMG1001.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The context files, with ContextPath and Executable metadata, as GeneratePipelineDockerfile gives them.</summary>
    [Required] public ITaskItem[] ContextFiles { get; set; } = [];

    [Required] public string ImageName { get; set; } = "";

    /// <summary>name:tag references to tag the image with.</summary>
    [Required] public string[] ImageReferences { get; set; } = [];

    /// <summary>Where image.json goes.</summary>
    [Required] public string ManifestPath { get; set; } = "";

    /// <summary>PipelineImageDockerHost: the engine address, taking precedence over DOCKER_HOST.</summary>
    public string DockerHost { get; set; } = "";

    /// <summary>PipelineImageNetwork: the network RUN steps use (<c>host</c>, <c>none</c>, a network name); empty: the engine's default.</summary>
    public string Network { get; set; } = "";

    [Output] public string ImageId { get; set; } = "";

    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var network = BuildNetwork.Validate(Network);
        var endpoint = EngineEndpoint.Resolve(DockerHost, Environment.GetEnvironmentVariable("DOCKER_HOST"), OperatingSystem.IsWindows());
        using IContainerEngine engine = new DockerEngine(endpoint, ConnectTimeout);
        var info = await engine.ConnectAsync(cancellationToken).ConfigureAwait(false);
        Log.LogMessage(MessageImportance.Normal, "Building {0} with the engine at {1} (Docker {2}, API {3})",
            ImageName, info.Endpoint, info.ServerVersion, info.ApiVersion);

        var context = ContextFiles.Select(ContextItems.FromItem).ToList();
        var request = new BuildRequest(context, ImageReferences, ImagePlanner.DockerfilePath, network);
        var result = await engine.BuildAsync(request, line => Log.LogMessage(MessageImportance.Normal, "{0}", line), cancellationToken)
            .ConfigureAwait(false);

        ImageId = result.ImageId;
        var tags = ImageReferences.Select(reference => reference[(reference.LastIndexOf(':') + 1)..]).ToList();
        AtomicFile.WriteIfChanged(ManifestPath, new ImageManifest(ImageName, tags, ImageId).ToJson());
    }
}
