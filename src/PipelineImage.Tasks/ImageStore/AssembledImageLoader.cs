using System.Text.Json;
using System.Text.Json.Serialization;
using PipelineImage.Assembling;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Naming;
using PipelineImage.Transport;

namespace PipelineImage.ImageStore;

/// <summary>How an assembled image went into an engine.</summary>
internal enum LoadKind
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
internal sealed record LoadResult(LoadKind Kind, string ImageId, string? Why = null);

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
/// <item>Podman refuses a docker-archive with layers missing, and loads an OCI layout whose manifest names layers it
/// does not carry only where its store holds them (it looks each up by digest, and a layer it read from a
/// docker-archive by its diff_id). So our layers go alone in an OCI layout on a base read from Podman itself, whose
/// layers <see cref="EngineBaseReader"/> names by diff_id, or on the base of the image this directory loaded last;
/// where it refuses, and on any other base, the whole docker-archive. Podman names what it loads by the names written
/// (a layout by its <c>io.containerd.image.name</c>), except that it puts an unqualified name of a docker-archive under
/// <c>localhost/</c>, where its compatible API, which tags and pushes, reads <c>app</c> as
/// <c>docker.io/library/app</c>: so every name we give Podman is written whole, as its API reads it.</item>
/// </list>
/// </summary>
internal sealed class AssembledImageLoader(IContainerEngine engine, EngineInfo info)
{
    /// <summary>The record of the last load into a containerd store or Podman, in the assembled directory.</summary>
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
        var named = info.IsPodman ? references.Select(Whole).ToList() : references;
        if (await TagAsync(assembled.ConfigDigest, named, cancellationToken).ConfigureAwait(false))
        {
            return new LoadResult(LoadKind.Tagged, assembled.ConfigDigest);
        }

        var containerd = !info.IsPodman && await engine.UsesContainerdImageStoreAsync(cancellationToken).ConfigureAwait(false);
        if (containerd && await TagAsync(assembled.ManifestDigest, named, cancellationToken).ConfigureAwait(false))
        {
            return new LoadResult(LoadKind.Tagged, assembled.ManifestDigest);
        }

        var id = containerd ? assembled.ManifestDigest : assembled.ConfigDigest;
        // Our layers alone go as an OCI layout on these two, as a docker-archive on the graph-driver store; the whole
        // image as an OCI layout on the containerd store only.
        var ociAlone = containerd || info.IsPodman;
        var why = ociAlone ? await WhyNotOurLayersAsync(directory, assembled, cancellationToken).ConfigureAwait(false) : null;
        if (why is null)
        {
            try
            {
                await LoadArchiveAsync(directory, assembled, named, ociAlone, null, cancellationToken).ConfigureAwait(false);
            }
            catch (EngineRequestFailedException e)
            {
                why = $"the engine would not load our layers alone ({e.Message})";
            }
        }

        if (why is not null)
        {
            await LoadArchiveAsync(directory, assembled, named, containerd, baseBlob, cancellationToken).ConfigureAwait(false);
        }

        // An OCI layout names the image by its first reference (one name per manifest); the others are tags of it.
        if (why is null ? ociAlone : containerd)
        {
            foreach (var reference in named.Skip(1))
            {
                await engine.TagAsync(id, reference, cancellationToken).ConfigureAwait(false);
            }
        }

        if (ociAlone)
        {
            await AtomicFile.WriteIfChangedAsync(Path.Combine(directory, LoadedFileName), new Loaded(id, assembled.BaseDigest).ToJson()).ConfigureAwait(false);
        }

        return new LoadResult(why is null ? LoadKind.OurLayers : LoadKind.Whole, id, why);
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

    // Null when the store holds the base's layers as our manifest names them (the base was read from it, or the image
    // loaded last from here, still there, names them); else why it may not.
    private async Task<string?> WhyNotOurLayersAsync(string directory, AssemblyRecord assembled, CancellationToken cancellationToken)
    {
        if (assembled.BaseInEngine)
        {
            return null;
        }

        var store = info.IsPodman ? "the engine is Podman" : "the engine keeps its images in containerd's store";
        var loaded = Loaded.Read(Path.Combine(directory, LoadedFileName));
        if (loaded?.Id is not { } last || loaded.BaseDigest != assembled.BaseDigest)
        {
            return $"{store}, which takes our layers alone only on base layers it is known to hold, and no image loaded from here holds these yet";
        }

        return await engine.InspectImageAsync(last, cancellationToken).ConfigureAwait(false) is null
            ? $"{store}, and the image loaded last from here ({last}), whose base layers ours would name, is gone from it"
            : null;
    }

    // One archive (without the base's layers when baseBlob is null), loaded and deleted: an OCI layout, or a
    // docker-archive (the graph-driver store; Podman's whole image).
    private Task LoadArchiveAsync(string directory, AssemblyRecord assembled, IReadOnlyList<ImageReference> references, bool oci,
        Func<string, CancellationToken, Task<string>>? baseBlob, CancellationToken cancellationToken) =>
        LoadWrittenAsync(engine, directory, stream => oci
            ? OciLayoutWriter.WriteAssembledAsync(directory, assembled, references, baseBlob, stream, cancellationToken)
            : DockerArchiveWriter.WriteAsync(directory, assembled, references, baseBlob, stream, cancellationToken), cancellationToken);

    /// <summary>An archive <paramref name="write"/> writes into a temporary file of <paramref name="directory"/>, loaded into the engine and deleted.</summary>
    internal static async Task LoadWrittenAsync(IContainerEngine engine, string directory, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        var archive = Path.Combine(directory, $".load.{Guid.NewGuid():N}.tar");
        try
        {
            await AtomicFile.WriteAsync(archive, write).ConfigureAwait(false);
            await engine.LoadAsync(archive, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(archive);
        }
    }

    // A reference with its whole name, as Podman's compatible API reads a short one: app is docker.io/library/app.
    private static ImageReference Whole(ImageReference reference) => reference with { Name = RepositoryName.Of(reference.Name).ToString() };

    /// <summary>
    /// <c>loaded.json</c>: the engine's id of the image last loaded from here into a containerd store or Podman (the
    /// manifest's digest, Podman's the config's), and the base it is on. <c>manifest</c> is how a containerd store's
    /// was written before Podman had one.
    /// </summary>
    internal sealed record Loaded(
        [property: JsonPropertyName("image")] string? Image,
        [property: JsonPropertyName("baseDigest")] string BaseDigest,
        [property: JsonPropertyName("manifest"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Manifest = null)
    {
        [JsonIgnore]
        public string? Id => Image ?? Manifest;

        public string ToJson() => JsonSerializer.Serialize(this, ImageStoreJson.Default.Loaded) + "\n";

        public static Loaded? Read(string path)
        {
            try
            {
                return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllText(path), ImageStoreJson.Default.Loaded) : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }
}
