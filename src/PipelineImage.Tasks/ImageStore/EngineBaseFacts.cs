using PipelineImage.BaseImages;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;

namespace PipelineImage.ImageStore;

/// <summary>
/// Reads a base image's files (<see cref="BaseFacts"/>) from the engine that holds it, for planning: through
/// <see cref="EngineBaseReader"/>, which saves a base once and keeps what it read by the image's id, so that a later
/// publish on the same base only asks the engine for the id. Without an engine, or when it lacks the base (a first
/// publish pulls it), nothing is read and the base is planned on from its name.
/// </summary>
/// <param name="engines">Makes the engine's client: the Docker Engine API, or a test's fake.</param>
/// <param name="connection">Where the engine is; null when it cannot be resolved (the build says why).</param>
/// <param name="cacheDirectory">Where what was read of a base is kept (<see cref="EngineBaseReader.UserCacheDirectory"/>).</param>
/// <param name="log">Where what it does goes.</param>
public sealed class EngineBaseFacts(Func<EngineConnection, IContainerEngine> engines, EngineConnection? connection, string cacheDirectory, Action<string> log)
{
    /// <summary>The base's facts; null when they cannot be read here.</summary>
    public async Task<BaseFacts?> ReadAsync(string baseImage, string platform, CancellationToken cancellationToken)
    {
        const string fromName = "it is planned on from its name";
        if (connection is null)
        {
            return null;
        }

        using var engine = engines(connection);
        try
        {
            var info = await engine.ConnectAsync(cancellationToken).ConfigureAwait(false);
            if (platform.Length > 0 && platform != info.Platform)
            {
                log($"The base image {baseImage} is not read: the engine at {info.Endpoint} is {info.Platform}, the image {platform}; {fromName}");
                return null;
            }

            var content = await new EngineBaseReader(engine, cacheDirectory, log).ReadAsync(baseImage, platform, cancellationToken).ConfigureAwait(false);
            if (content?.Facts is null)
            {
                log(content is null
                    ? $"The base image {baseImage} is not read: the engine at {info.Endpoint} does not have it yet; {fromName}"
                    : $"The base image {baseImage} is not read: its layers are not gzip or uncompressed tars; {fromName}");
            }

            return content?.Facts;
        }
        catch (EngineUnavailableException e)
        {
            log($"The base image {baseImage} is not read: no engine answers at {e.Endpoint} ({e.Reason}); {fromName}");
            return null;
        }
        catch (PipelineImageException e)
        {
            log($"The base image {baseImage} is not read ({e.Message}); {fromName}");
            return null;
        }
    }
}
