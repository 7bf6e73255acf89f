using Microsoft.Build.Framework;

namespace PipelineImage.Tasks;

// The task's parameters, compiled into the in-process task and into its ToolTask (see GeneratePipelineDockerfile.Parameters.cs).
public sealed partial class DescribePipelineImage
{
    /// <summary>image.json, written by the build.</summary>
    [Required] public string ImageRecordPath { get; set; } = "";

    /// <summary>Where the bill of materials goes: sbom.cdx.json beside image.json.</summary>
    [Required] public string SbomPath { get; set; } = "";

    /// <summary>$(ProjectAssetsFile): project.assets.json, for the NuGet packages.</summary>
    public string ProjectAssetsFile { get; set; } = "";

    /// <summary>$(TargetFramework), the assets file's target.</summary>
    public string TargetFramework { get; set; } = "";

    /// <summary>$(RuntimeIdentifier), the assets file's target with it.</summary>
    public string RuntimeIdentifier { get; set; } = "";

    /// <summary>
    /// PipelineImagePlatforms with a publish per runtime identifier: each platform's, <c>linux/arm64=linux-arm64;…</c>,
    /// whose assets the platform's bill lists; empty: <see cref="RuntimeIdentifier"/>'s on every platform.
    /// </summary>
    public string PlatformRuntimeIdentifiers { get; set; } = "";
}
