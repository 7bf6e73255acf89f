using Microsoft.Build.Framework;

namespace PipelineImage.Tasks;

// The task's parameters, compiled into the in-process task and into its ToolTask (see GeneratePipelineDockerfile.Parameters.cs).
public sealed partial class PushPipelineImage
{
    /// <summary>image.json, written by the build.</summary>
    [Required] public string ImageRecordPath { get; set; } = "";

    /// <summary>
    /// PipelineImageReferencesFile: where what was pushed is written by digest (Intermediate/PushedImageFile);
    /// empty: nowhere.
    /// </summary>
    public string ReferencesFile { get; set; } = "";

    /// <summary>PipelineImageSigningKey: a PipelineImageSecret id or a key file; empty: nothing is signed.</summary>
    public string SigningKey { get; set; } = "";

    /// <summary>@(PipelineImageSecret): where a secret signing key is.</summary>
    public ITaskItem[] Secrets { get; set; } = [];

    /// <summary>$(MSBuildProjectDirectory): a relative key file or secret file starts here.</summary>
    public string ProjectDirectory { get; set; } = "";

    /// <summary>
    /// name:tag items with Name, Tag, ImageId, Digest, PinnedReference (<c>name@sha256:…</c>), BytesUploaded and
    /// PlatformManifests metadata: @(PipelineImageReference) once pushed.
    /// </summary>
    [Output] public ITaskItem[] PushedReferences { get; set; } = [];
}
