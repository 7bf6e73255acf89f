using System.Text.Json;
using System.Text.Json.Serialization;
using PipelineImage.Assembling;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Naming;

namespace PipelineImage.ImageStore;

/// <summary>How an assembled image went into an engine.</summary>
public enum LoadKind
{
    /// <summary>The engine had the image: only its tags were set.</summary>
    Tagged,

    /// <summary>Our layers, the config and the manifest; the engine holds the base's layers.</summary>
    OurLayers,

    /// <summary>Every layer, the base's fetched from its registry.</summary>
    Whole,
}

/// <param name="Kind">What went in.</param>
/// <param name="ImageId">The engine's id of the image: the config's digest, or on containerd's store the manifest's.</param>
/// <param name="Why">With <see cref="LoadKind.Whole"/>: why not our layers alone.</param>
public sealed record LoadResult(LoadKind Kind, string ImageId, string? Why = null);

/// <summary>
/// Puts an assembled image into an engine's local store with no more than the engine lacks: only the tags when it
/// has the image; our layers alone where it holds the base's; else the whole image. Per store:
/// <list type="bullet">
/// <item>Docker's graph-driver store: a docker-archive without the base's layers (Docker looks each layer up by its
/// diff_id before it reads the file, and has them when it has the base), the whole one when it refuses.</item>
/// <item>Docker's containerd store refuses a docker-archive with layers missing ("layer not found"), and loads an OCI
/// layout without looking whether its content store holds the blobs the manifest names (such an image runs, but
/// <c>docker save</c> and <c>docker push</c> of it miss them). So our layers go alone only where an image it has is
/// known to name the same base layers: the image this directory loaded last (<c>loaded.json</c>), whose blobs went
/// in whole or on the same knowledge; else the whole image, the base's layers as its registry has them. The manifest
/// goes as assembled: the engine knows the image by the digest a push gives it. A base read from the engine itself
/// (<see cref="EngineBaseReader"/>) is named as its content store holds it: our layers go alone.</item>
/// <item>Podman needs every layer: the whole docker-archive.</item>
/// </list>
/// </summary>
public sealed class AssembledImageLoader(IContainerEngine engine, EngineInfo info)
{
    /// <summary>The record of the last load into a containerd store, in the assembled directory.</summary>
    public const string LoadedFileName = "loaded.json";

    /// <param name="directory">The assembled directory.</param>
    /// <param name="assembled">What the assembler wrote there.</param>
    /// <param name="references">Every tag the image gets.</param>
    /// <param name="baseBlob">Fetches a layer of the base into a temporary file of the directory (deleted after).</param>
    /// <param name="cancellationToken">Stops it.</param>
    /// <exception cref="EngineException">The engine refused the whole image, or failed.</exception>
    public async Task<LoadResult> LoadAsync(string directory, AssemblyRecord assembled, IReadOnlyList<ImageReference> references,
        Func<string, CancellationToken, Task<string>> baseBlob, CancellationToken cancellationToken)
    {
        // The graph-driver store and Podman know an image by its config's digest, the containerd store by its manifest's
        // (where the config's finds nothing). Asked in that order, an unchanged image on the first two costs no GET /info
        // (a tenth of a second on dockerd 20.10).
        if (await TagAsync(assembled.ConfigDigest, references, cancellationToken).ConfigureAwait(false))
        {
            return new LoadResult(LoadKind.Tagged, assembled.ConfigDigest);
        }

        var containerd = !info.IsPodman && await engine.UsesContainerdImageStoreAsync(cancellationToken).ConfigureAwait(false);
        if (containerd && await TagAsync(assembled.ManifestDigest, references, cancellationToken).ConfigureAwait(false))
        {
            return new LoadResult(LoadKind.Tagged, assembled.ManifestDigest);
        }

        var id = containerd ? assembled.ManifestDigest : assembled.ConfigDigest;

        string? why = info.IsPodman ? "Podman needs every layer"
            : containerd ? await WhyNotOurLayersAsync(directory, assembled, cancellationToken).ConfigureAwait(false)
            : null;
        if (why is null)
        {
            try
            {
                await LoadAsync(directory, assembled, references, containerd, null, cancellationToken).ConfigureAwait(false);
                return new LoadResult(LoadKind.OurLayers, id);
            }
            catch (EngineRequestFailedException e)
            {
                why = $"the engine would not load our layers alone ({e.Message})";
            }
        }

        await LoadAsync(directory, assembled, references, containerd, baseBlob, cancellationToken).ConfigureAwait(false);
        return new LoadResult(LoadKind.Whole, id, why);
    }

    // Whether the engine has the image: then it gets every tag.
    private async Task<bool> TagAsync(string id, IReadOnlyList<ImageReference> references, CancellationToken cancellationToken)
    {
        if (await engine.InspectImageAsync(id, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        foreach (var reference in references)
        {
            await engine.TagAsync(id, reference, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    // Null when the containerd store holds the base's layers as our manifest names them (the base was read from it, or
    // an image loaded from here names them); else why it may not.
    private async Task<string?> WhyNotOurLayersAsync(string directory, AssemblyRecord assembled, CancellationToken cancellationToken)
    {
        if (assembled.BaseInEngine)
        {
            return null;
        }

        var loaded = Loaded.Read(Path.Combine(directory, LoadedFileName));
        if (loaded is null || loaded.BaseDigest != assembled.BaseDigest)
        {
            return "the engine keeps its images in containerd's store, which takes our layers alone only on base layers it is known to hold, "
                + "and no image loaded from here holds these yet";
        }

        return await engine.InspectImageAsync(loaded.Manifest, cancellationToken).ConfigureAwait(false) is null
            ? $"the engine keeps its images in containerd's store, and the image loaded last from here ({loaded.Manifest}), whose base layers ours would name, is gone from it"
            : null;
    }

    // One archive (without the base's layers when baseBlob is null), loaded and deleted.
    private async Task LoadAsync(string directory, AssemblyRecord assembled, IReadOnlyList<ImageReference> references, bool containerd,
        Func<string, CancellationToken, Task<string>>? baseBlob, CancellationToken cancellationToken)
    {
        var archive = Path.Combine(directory, $".load.{Guid.NewGuid():N}.tar");
        try
        {
            await AtomicFile.WriteAsync(archive, stream => containerd
                ? OciLayoutWriter.WriteAssembledAsync(directory, assembled, references, baseBlob, stream, cancellationToken)
                : DockerArchiveWriter.WriteAsync(directory, assembled, references, baseBlob, stream, cancellationToken))
                .ConfigureAwait(false);
            await engine.LoadAsync(archive, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(archive);
        }

        if (containerd)
        {
            // The layout names the image by its first reference (one name per manifest); the others are tags of it.
            foreach (var reference in references.Skip(1))
            {
                await engine.TagAsync(assembled.ManifestDigest, reference, cancellationToken).ConfigureAwait(false);
            }

            await AtomicFile.WriteIfChangedAsync(Path.Combine(directory, LoadedFileName), new Loaded(assembled.ManifestDigest, assembled.BaseDigest).ToJson())
                .ConfigureAwait(false);
        }
    }

    /// <summary><c>loaded.json</c>: the manifest last loaded into a containerd store from here, and the base it is on.</summary>
    private sealed record Loaded(
        [property: JsonPropertyName("manifest")] string Manifest,
        [property: JsonPropertyName("baseDigest")] string BaseDigest)
    {
        public string ToJson() => JsonSerializer.Serialize(this) + "\n";

        public static Loaded? Read(string path)
        {
            try
            {
                return File.Exists(path) ? JsonSerializer.Deserialize<Loaded>(File.ReadAllText(path)) : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }
}
