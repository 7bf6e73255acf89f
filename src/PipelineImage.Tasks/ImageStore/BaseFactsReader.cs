using PipelineImage.Assembling;
using PipelineImage.BaseImages;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Registry;
using PipelineImage.Sbom;
using PipelineImage.Transport;

namespace PipelineImage.ImageStore;

/// <summary>
/// Reads a base image's files (<see cref="BaseFacts"/>) for planning: from the engine that holds it, through
/// <see cref="EngineBaseReader"/> (which saves a base once and keeps what it read by the image's id); else from its
/// registry, whose layers are downloaded once and what their files say kept by the manifest's digest. A later publish
/// on the same base asks only for the id or the digest. When neither can be read, the base is planned on from its name.
/// </summary>
/// <param name="engines">Makes the engine's client: the Docker Engine API, or a test's fake.</param>
/// <param name="connection">Where the engine is; null when it cannot be resolved (the build says why).</param>
/// <param name="registries">A registry host's client, with its credential; null: no registry is asked.</param>
/// <param name="cacheDirectory">Where what was read of a base is kept (<see cref="EngineBaseReader.UserCacheDirectory"/>).</param>
/// <param name="log">Where what it does goes.</param>
internal sealed class BaseFactsReader(
    Func<EngineConnection, IContainerEngine> engines, EngineConnection? connection, Func<string, RegistryClient>? registries, string cacheDirectory, Action<string> log)
{
    private const string FromName = "it is planned on from its name";

    /// <summary>The base's facts; null when they cannot be read here.</summary>
    public async Task<BaseFacts?> ReadAsync(string baseImage, string platform, CancellationToken cancellationToken)
    {
        var (facts, why) = await FromEngineAsync(baseImage, platform, cancellationToken).ConfigureAwait(false);
        if (facts is not null)
        {
            return facts;
        }

        if (registries is null)
        {
            log($"The base image {baseImage} is not read: {why}; {FromName}");
            return null;
        }

        log($"The base image {baseImage} is read from its registry: {why}");
        return await FromRegistryAsync(baseImage, platform, cancellationToken).ConfigureAwait(false);
    }

    // The facts from the engine, or why not.
    private async Task<(BaseFacts? Facts, string Why)> FromEngineAsync(string baseImage, string platform, CancellationToken cancellationToken)
    {
        if (connection is null)
        {
            return (null, "no engine is set");
        }

        using var engine = engines(connection);
        try
        {
            var info = await engine.ConnectAsync(cancellationToken).ConfigureAwait(false);
            if (platform.Length > 0 && platform != info.Platform)
            {
                return (null, $"the engine at {info.Endpoint} is {info.Platform}, the image {platform}");
            }

            var content = await new EngineBaseReader(engine, cacheDirectory, log).ReadAsync(baseImage, platform, cancellationToken).ConfigureAwait(false);
            return content is null ? (null, $"the engine at {info.Endpoint} does not have it yet")
                : content.Facts is null ? (null, "its layers in the engine are not gzip or uncompressed tars")
                : (content.Facts, "");
        }
        catch (EngineUnavailableException e)
        {
            return (null, $"no engine answers at {e.Endpoint} ({e.Reason})");
        }
        catch (PipelineImageException e)
        {
            return (null, $"the engine failed ({e.Message})");
        }
    }

    // Its layers' files from the registry, once per manifest digest.
    private async Task<BaseFacts?> FromRegistryAsync(string baseImage, string platform, CancellationToken cancellationToken)
    {
        try
        {
            var content = await new ImageAssembler(registries!, log).ReadFromRegistryAsync(baseImage, platform, Path.Combine(cacheDirectory, "registry"), cancellationToken)
                .ConfigureAwait(false);
            var kept = Path.Combine(cacheDirectory, content.Digest.Replace(':', '-') + ".facts.json");
            if (File.Exists(kept) && BaseFacts.FromJson(await File.ReadAllTextAsync(kept, cancellationToken).ConfigureAwait(false)) is { } known)
            {
                return known;
            }

            log($"Reading the base image {baseImage} ({content.Digest}) from its registry, once: its {content.Layers.Count} layer(s) are downloaded, and what "
                + $"their files say is kept in {kept}");
            var layers = new List<LayerFiles>();
            foreach (var layer in content.Layers)
            {
                await using var blob = await registries!(content.Name.Registry).OpenBlobAsync(content.Name.Path, layer.Digest, cancellationToken).ConfigureAwait(false);
                if (await BaseLayer.ReadAsync(blob, cancellationToken).ConfigureAwait(false) is not { } files)
                {
                    log($"The base image {baseImage} is not read: its layer {layer.Digest} ({layer.MediaType}) is not a gzip or uncompressed tar; {FromName}");
                    return null;
                }

                layers.Add(files);
            }

            var facts = BaseLayer.Facts(layers);
            try
            {
                await AtomicFile.WriteIfChangedAsync(kept, facts.ToJson()).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log($"What was read of {baseImage} is not kept ({e.Message}): the next publish reads it again");
            }

            return facts;
        }
        catch (Exception e) when (e is PipelineImageException or RegistryException or HttpRequestException)
        {
            log($"The base image {baseImage} is not read from its registry ({e.Message}); {FromName}");
            return null;
        }
    }
}
