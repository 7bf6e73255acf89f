using Microsoft.Build.Framework;

namespace PipelineImage.Tasks;

// The task's parameters, compiled into the in-process task and into its ToolTask (see GeneratePipelineDockerfile.Parameters.cs).
public sealed partial class PushPipelineImage
{
    /// <summary>image.json, written by the build.</summary>
    [Required] public string ImageRecordPath { get; set; } = "";

    /// <summary>name:tag items with Digest metadata.</summary>
    [Output] public ITaskItem[] PushedReferences { get; set; } = [];
}
