using PipelineImage.Diagnostics;

namespace PipelineImage.Engine;

/// <summary>Where the engine is: the PipelineImageDockerHost property, else DOCKER_HOST, else the platform default.</summary>
public static class EngineEndpoint
{
    public const string UnixDefault = "unix:///var/run/docker.sock";
    public const string WindowsDefault = "npipe://./pipe/docker_engine";

    private static readonly string[] Schemes = ["unix", "npipe", "tcp", "http", "https"];

    /// <param name="property">The PipelineImageDockerHost property (may be empty).</param>
    /// <param name="dockerHostVariable">The DOCKER_HOST environment variable (may be null).</param>
    /// <param name="isWindows">Whether the build runs on Windows.</param>
    /// <exception cref="PipelineImageException">PIMG2006 for a value that is no engine address.</exception>
    public static Uri Resolve(string? property, string? dockerHostVariable, bool isWindows)
    {
        var (value, source) = !string.IsNullOrWhiteSpace(property) ? (property.Trim(), "PipelineImageDockerHost")
            : !string.IsNullOrWhiteSpace(dockerHostVariable) ? (dockerHostVariable.Trim(), "DOCKER_HOST")
            : (isWindows ? WindowsDefault : UnixDefault, null);

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || !Schemes.Contains(uri.Scheme))
        {
            throw new PipelineImageException(DiagnosticCodes.InvalidDockerHost, value, source ?? "the default");
        }

        return uri;
    }
}
