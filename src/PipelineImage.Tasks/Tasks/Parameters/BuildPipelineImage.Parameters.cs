using Microsoft.Build.Framework;

namespace PipelineImage.Tasks;

// The task's parameters, compiled into the in-process task and into its ToolTask (see GeneratePipelineDockerfile.Parameters.cs).
public sealed partial class BuildPipelineImage
{
    /// <summary>plan.json, written by GeneratePipelineDockerfile.</summary>
    [Required] public string PlanPath { get; set; } = "";

    /// <summary>Where image.json goes.</summary>
    [Required] public string ImageRecordPath { get; set; } = "";

    /// <summary>PipelineImageBuildKitHost: a BuildKit (buildkitd, or a Docker engine) whose Control API builds.</summary>
    public string BuildKitHost { get; set; } = "";

    /// <summary>PipelineImageBuildKitCertPath: ca.pem, cert.pem and key.pem for a tcp:// BuildKitHost.</summary>
    public string BuildKitCertPath { get; set; } = "";

    /// <summary>@(PipelineImageBuilderNode): a BuildKit per platform of PipelineImagePlatforms, with Platform and CertPath metadata.</summary>
    public ITaskItem[] BuilderNodes { get; set; } = [];

    [Output] public string ImageId { get; set; } = "";

    /// <summary>name:tag items, with Name, Tag and ImageId metadata.</summary>
    [Output] public ITaskItem[] ImageReferences { get; set; } = [];
}
