using PipelineImage.Diagnostics;

namespace PipelineImage.Planning;

/// <summary>
/// PipelineImageArchiveFormat, parsed once (<see cref="ArchiveFormats.Parse"/>): what PipelineImageArchiveOutputPath
/// holds. The planner checks it with every other setting (an index goes only into an OCI layout), and the save writes it.
/// </summary>
internal enum ArchiveFormat
{
    /// <summary>The default: a docker-archive, what <c>docker save</c> writes; one image.</summary>
    Docker,

    /// <summary>An OCI image layout (<c>oci-archive</c>): one image, or an index (PipelineImagePlatforms).</summary>
    Oci,
}

internal static class ArchiveFormats
{
    /// <summary>The setting, in any case; empty is <see cref="ArchiveFormat.Docker"/>.</summary>
    /// <exception cref="PipelineImageException">PIMG2041 for anything else.</exception>
    public static ArchiveFormat Parse(string setting) => setting.Trim().ToLowerInvariant() switch
    {
        "" or "docker" => ArchiveFormat.Docker,
        "oci" => ArchiveFormat.Oci,
        _ => throw new PipelineImageException(DiagnosticCodes.InvalidArchiveFormat, setting),
    };
}
