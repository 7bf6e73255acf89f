using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using PipelineImage.Registry;

namespace PipelineImage.Assembling;

/// <summary>A repository in a registry, as the registry API names it.</summary>
/// <param name="Registry">The registry host (<see cref="RegistryHost.Of"/>).</param>
/// <param name="Path">The repository's path there (<c>library/ubuntu</c> for Docker Hub's <c>ubuntu</c>).</param>
internal sealed record RepositoryName(
    [property: JsonPropertyName("registry")] string Registry,
    [property: JsonPropertyName("repository")] string Path)
{
    /// <summary>The repository of an image name (without tag or digest).</summary>
    public static RepositoryName Of(string name)
    {
        var registry = RegistryHost.Of(name);
        var first = name.Split('/')[0];
        var path = name.Contains('/') && RegistryHost.IsHost(first) ? name[(first.Length + 1)..] : name;
        return new RepositoryName(registry, registry == RegistryHost.DockerHub && !path.Contains('/') ? "library/" + path : path);
    }

    public override string ToString() => $"{Registry}/{Path}";
}

/// <summary>
/// <c>assembled/assembly.json</c>: what the assembler wrote (the blobs of our layers, the config and the manifest are
/// under <c>assembled/blobs/sha256/</c>) and where the base's layers are, so that the push works from what was written.
/// </summary>
/// <param name="Base">The base image's repository, whose blobs the manifest's first layers are.</param>
/// <param name="BaseDigest">The digest of the base's manifest, for this platform: the key pins it.</param>
/// <param name="ManifestMediaType">The manifest's media type.</param>
/// <param name="ManifestDigest">The manifest's digest.</param>
/// <param name="ConfigDigest">The config's digest: the image id.</param>
/// <param name="Layers">Our layers, keyed by what they hold, with what they were written as.</param>
internal sealed record AssemblyRecord(
    [property: JsonPropertyName("base")] RepositoryName Base,
    [property: JsonPropertyName("baseDigest")] string BaseDigest,
    [property: JsonPropertyName("manifestMediaType")] string ManifestMediaType,
    [property: JsonPropertyName("manifestDigest")] string ManifestDigest,
    [property: JsonPropertyName("configDigest")] string ConfigDigest,
    [property: JsonPropertyName("layers")] IReadOnlyList<RecordedLayer> Layers)
{
    public const string FileName = "assembly.json";

    /// <summary>
    /// The base was read from an engine (<see cref="BaseContent.InEngine"/>): its layers are that engine's, and the
    /// image goes into it, never through the registry API.
    /// </summary>
    [JsonPropertyName("baseInEngine"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool BaseInEngine { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Options).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";

    /// <summary>The record in an assembled directory; null when there is none or it is not one.</summary>
    public static AssemblyRecord? Read(string directory)
    {
        var path = System.IO.Path.Combine(directory, FileName);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<AssemblyRecord>(File.ReadAllText(path), Options) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Downloads a layer of the base from the base's registry into a temporary file of the assembled directory, its
    /// digest checked; the caller deletes it.
    /// </summary>
    public async Task<string> FetchBaseBlobAsync(Func<string, RegistryClient> registry, string directory, string digest, CancellationToken cancellationToken)
    {
        var file = System.IO.Path.Combine(directory, $".base.{Guid.NewGuid():N}.tmp");
        await registry(Base.Registry).DownloadAsync(Base.Path, digest, file, cancellationToken).ConfigureAwait(false);
        return file;
    }

    /// <summary>Where a blob of the assembled directory is.</summary>
    public static string BlobPath(string directory, string digest) => System.IO.Path.Combine(directory, "blobs", "sha256", digest["sha256:".Length..]);

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = AssemblingJson.Default,
    };
}

/// <param name="Key">The digest of what the layer holds (every entry's path, kind, mode and content hash, and the epoch).</param>
/// <param name="Digest">The digest of its gzip.</param>
/// <param name="Size">The size of its gzip.</param>
/// <param name="DiffId">The digest of its tar.</param>
internal sealed record RecordedLayer(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("digest")] string Digest,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("diffId")] string DiffId);
