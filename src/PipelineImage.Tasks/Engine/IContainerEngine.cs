using PipelineImage.Context;

namespace PipelineImage.Engine;

/// <summary>
/// The container engine, behind one interface: the Docker Engine API's classic builder now
/// (<see cref="DockerEngine"/>), a BuildKit backend later. Failures are <see cref="EngineException"/>s.
/// </summary>
public interface IContainerEngine : IDisposable
{
    /// <summary>Reaches the engine and agrees on an API version; fails fast when it does not answer.</summary>
    Task<EngineInfo> ConnectAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Builds the context's Dockerfile and tags the image with every reference. Each line of the engine's output
    /// goes to <paramref name="output"/> as it arrives.
    /// </summary>
    Task<BuildResult> BuildAsync(BuildRequest request, Action<string> output, CancellationToken cancellationToken);
}

public sealed record EngineInfo(string Endpoint, string ServerVersion, string ApiVersion);

/// <param name="Context">The build context, sent as a tar stream in this order; it holds the Dockerfile.</param>
/// <param name="References">Full references (name:tag) to tag the image with.</param>
/// <param name="DockerfilePath">The Dockerfile's path inside the context.</param>
/// <param name="Network">The network of RUN steps (<see cref="BuildNetwork"/>); empty: the engine's default.</param>
public sealed record BuildRequest(IReadOnlyList<ContextEntry> Context, IReadOnlyList<string> References, string DockerfilePath, string Network = "");

public sealed record BuildResult(string ImageId);
