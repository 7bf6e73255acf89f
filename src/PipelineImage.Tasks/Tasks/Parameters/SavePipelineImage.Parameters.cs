using Microsoft.Build.Framework;

namespace PipelineImage.Tasks;

// The task's parameters, compiled into the in-process task and into its ToolTask (see GeneratePipelineDockerfile.Parameters.cs).
public sealed partial class SavePipelineImage
{
    /// <summary>image.json, written by the build.</summary>
    [Required] public string ImageRecordPath { get; set; } = "";

    /// <summary>PipelineImageArchiveOutputPath, full: the file, or the directory that gets <c>&lt;name&gt;.tar.gz</c>.</summary>
    [Required] public string ArchivePath { get; set; } = "";

    /// <summary>PipelineImageArchiveFormat: <c>docker</c> (the default, a docker-archive) or <c>oci</c> (an OCI image layout).</summary>
    public string ArchiveFormat { get; set; } = "";

    /// <summary>The archive written (or found up to date).</summary>
    [Output] public string ArchiveFile { get; set; } = "";
}
