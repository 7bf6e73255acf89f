using PipelineImage.Diagnostics;

namespace PipelineImage.Engine;

/// <summary>When the build pulls the base image (PipelineImagePull).</summary>
internal enum PullPolicy
{
    /// <summary>Use the local base image when it is present, pull it otherwise (the default).</summary>
    Missing,

    /// <summary>Pull the base image on every build, for the newest image behind a moving tag.</summary>
    Always,

    /// <summary>Never pull: the base image must be present locally (offline and air-gapped builds).</summary>
    Never,
}

internal static class PullPolicies
{
    /// <exception cref="PipelineImageException">PIMG2020 for anything but missing, always, never or empty.</exception>
    public static PullPolicy Parse(string value) => value.Trim().ToLowerInvariant() switch
    {
        "" or "missing" => PullPolicy.Missing,
        "always" => PullPolicy.Always,
        "never" => PullPolicy.Never,
        _ => throw new PipelineImageException(DiagnosticCodes.InvalidPullPolicy, value),
    };
}
