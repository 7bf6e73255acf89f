using System.Formats.Tar;
using System.IO.Pipes;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using PipelineImage.Assembling;
using PipelineImage.BaseImages;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Naming;
using PipelineImage.Registry;
using PipelineImage.Sbom;
using PipelineImage.Transport;

namespace PipelineImage.ImageStore;

/// <summary>
/// Reads a base image from an engine that holds it, for the assembler to put our layers on: a base built on the
/// machine (as a team's own base often is) or pulled before is in no registry we could ask, and needs no network.
/// The Engine API gives an image's configuration only inside <c>docker save</c>, so the image is saved once a machine
/// (the engine writes every layer; the reader skips them) and what was read is kept in the user's cache
/// (<see cref="UserCacheDirectory"/>) by the image's id, which the engine derives from its content: a base that moves
/// is a new id, and read again.
/// <list type="bullet">
/// <item>An OCI layout (Docker 25 and later, either store): <c>index.json</c>, the manifest for the platform, the
/// configuration; the layers as the store holds them (so a containerd store finds each by its digest).</item>
/// <item>A docker-archive (Docker before 25, Podman): <c>manifest.json</c> and the configuration; the layers are the
/// uncompressed tars (their digests are the configuration's diff_ids), as an OCI manifest names them.</item>
/// </list>
/// </summary>
/// <param name="engine">The engine.</param>
/// <param name="cacheDirectory">Where what was read is kept, by image id (<see cref="UserCacheDirectory"/>).</param>
/// <param name="log">Where what it does goes.</param>
internal sealed class EngineBaseReader(IContainerEngine engine, string cacheDirectory, Action<string> log)
{
    // Manifests, indexes and configurations are small; layers are skipped unless they are too.
    private const int SmallEntry = 1 << 20;

    /// <summary>
    /// The user's cache of bases read from engines: <c>$XDG_CACHE_HOME/pipelineimage/bases</c> (<c>~/.cache/...</c>
    /// without it), <c>%LOCALAPPDATA%\PipelineImage\bases</c> on Windows; null when there is no home to keep it in.
    /// </summary>
    public static string? UserCacheDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            return local.Length > 0 ? Path.Combine(local, "PipelineImage", "bases") : null;
        }

        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg) ? xdg
            : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home ? Path.Combine(home, ".cache")
            : null;
        return cache is null ? null : Path.Combine(cache, "pipelineimage", "bases");
    }

    /// <summary>The base as the engine holds it; null when the engine has no such image.</summary>
    /// <param name="baseImage">The base image's reference.</param>
    /// <param name="platform">PipelineImagePlatform, for an index; empty: this machine's Linux.</param>
    /// <param name="cancellationToken">Stops it.</param>
    /// <exception cref="EngineException">The engine failed.</exception>
    /// <exception cref="PipelineImageException">PIMG1018 when what the engine saved is not an image this can read.</exception>
    public async Task<BaseContent?> ReadAsync(string baseImage, string platform, CancellationToken cancellationToken)
    {
        if (await engine.InspectImageAsync(baseImage, cancellationToken).ConfigureAwait(false) is not { } image)
        {
            return null;
        }

        var name = RepositoryName.Of(ReferenceParts.Split(baseImage).Name);
        var kept = Path.Combine(cacheDirectory, image.Id.Replace(':', '-') + ".json");
        if (Kept.Read(kept) is { FilesRead: true } earlier && ContentDigest.Of(earlier.Config) == earlier.ConfigDigest)
        {
            return earlier.For(name, image.Id);
        }

        log($"Reading the base image {baseImage} ({image.Id}) from the engine, once: the engine saves the whole image, and what it holds is kept in {kept}");
        var small = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var layerFiles = new Dictionary<string, LayerFiles?>(StringComparer.Ordinal);
        await SaveAsync(image.Id, async (path, size, data) =>
        {
            sizes[path] = size;
            if (size <= SmallEntry)
            {
                using var buffer = new MemoryStream((int)size);
                await data.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                small[path] = buffer.ToArray();
            }
            else
            {
                // Only layers are this large: their files are read as they stream by.
                layerFiles[path] = await BaseLayer.ReadAsync(data, cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        var (parsed, layerPaths) = Parse(small, sizes, platform, baseImage, name);
        var read = parsed with { Facts = await BaseLayer.FactsAsync(layerPaths, layerFiles, small, cancellationToken).ConfigureAwait(false), FilesRead = true };
        try
        {
            Directory.CreateDirectory(cacheDirectory);
            await AtomicFile.WriteIfChangedAsync(kept, read.ToJson()).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log($"What was read of {baseImage} is not kept ({e.Message}): the next publish saves it again");
        }

        return read.For(name, image.Id);
    }

    /// <summary>
    /// A layer of a base read from this engine, saved again and written to a temporary file of
    /// <paramref name="directory"/> (the caller deletes it): for an engine that refused our layers alone and takes the
    /// whole image.
    /// </summary>
    /// <exception cref="EngineException">The engine failed, or no longer has the layer.</exception>
    public async Task<string> FetchLayerAsync(string imageId, string digest, string directory, CancellationToken cancellationToken)
    {
        var file = Path.Combine(directory, $".base.{Guid.NewGuid():N}.tmp");
        var found = false;
        try
        {
            // An OCI layout names the blob by its digest; a docker-archive's layer.tar is found by hashing it.
            var blob = $"blobs/sha256/{digest["sha256:".Length..]}";
            await SaveAsync(imageId, async (path, _, data) =>
            {
                if (!found && (path == blob || path.EndsWith("/layer.tar", StringComparison.Ordinal)))
                {
                    found = await WriteIfDigestAsync(data, file, digest, cancellationToken).ConfigureAwait(false);
                }
            }, cancellationToken).ConfigureAwait(false);
            return found ? file : throw new EngineRequestFailedException($"save {imageId}", $"the engine's archive has no layer {digest}");
        }
        catch
        {
            File.Delete(file);
            throw;
        }
    }

    // The image saved by the engine, read as it streams: each regular file's path, size and data, in the archive's order.
    private async Task SaveAsync(string imageId, Func<string, long, Stream, Task> entries, CancellationToken cancellationToken)
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writing = Task.Run(async () =>
        {
            try
            {
                await engine.SaveAsync([imageId], server, stop.Token).ConfigureAwait(false);
            }
            finally
            {
                server.Dispose();
            }
        }, CancellationToken.None);
        try
        {
            using var reader = new TarReader(client);
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    continue;
                }

                if (entry.DataStream is { } data)
                {
                    await entries(entry.Name.TrimStart('.', '/'), entry.Length, data).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            stop.Cancel();
            throw new EngineRequestFailedException($"save {imageId}", $"the engine's archive could not be read ({e.Message})", e);
        }
        finally
        {
            client.Dispose();
            try
            {
                await writing.ConfigureAwait(false);
            }
            catch (IOException) when (!cancellationToken.IsCancellationRequested)
            {
                // The reader stopped first (it failed, or was done); the save's own failure is the one that counts.
            }
        }
    }

    private static async Task<bool> WriteIfDigestAsync(Stream data, string file, string digest, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var output = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
        {
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await data.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }

        return ContentDigest.FromHash(hash.GetHashAndReset()) == digest;
    }

    /// <summary>The base in a saved archive: an OCI layout where there is one, else a docker-archive.</summary>
    /// <exception cref="PipelineImageException">PIMG1018 when the archive holds no image this can read.</exception>
    /// <returns>The base, and the archive's path of each of its layers, bottom up.</returns>
    internal static (Kept Kept, IReadOnlyList<string> LayerPaths) Parse(
        IReadOnlyDictionary<string, byte[]> small, IReadOnlyDictionary<string, long> sizes, string platform, string baseImage, RepositoryName name)
    {
        try
        {
            return small.TryGetValue("index.json", out var index) ? FromLayout(small, index, platform)
                : small.TryGetValue("manifest.json", out var manifest) ? FromDockerArchive(small, sizes, manifest)
                : throw new InvalidDataException("it has neither index.json nor manifest.json");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or InvalidDataException or FormatException)
        {
            throw new PipelineImageException(e, DiagnosticCodes.BaseImageUnreadable, baseImage, "the engine", $"its saved archive is not an image this can read ({e.Message})");
        }
    }

    // index.json → (an index for several platforms →) the manifest → the configuration.
    private static (Kept, IReadOnlyList<string>) FromLayout(IReadOnlyDictionary<string, byte[]> small, byte[] index, string platform)
    {
        byte[] Blob(string digest) => small.TryGetValue($"blobs/sha256/{digest["sha256:".Length..]}", out var bytes) && ContentDigest.Of(bytes) == digest
            ? bytes : throw new InvalidDataException($"it lacks the blob {digest}, or it is not what its digest says");

        using var top = JsonDocument.Parse(index);
        var descriptor = Descriptor.Read(top.RootElement.GetProperty("manifests")[0]);
        var manifest = Blob(descriptor.Digest);
        if (MediaTypes.IsList(descriptor.MediaType))
        {
            var wanted = platform.Length > 0 ? platform : ImageAssembler.DefaultPlatform();
            var chosen = ImageAssembler.ChoosePlatform(manifest, wanted) ?? throw new InvalidDataException($"its index has no image for {wanted}");
            manifest = Blob(chosen);
        }

        using var document = JsonDocument.Parse(manifest);
        var mediaType = document.RootElement.TryGetProperty("mediaType", out var type) ? type.GetString() ?? MediaTypes.OciManifest : MediaTypes.OciManifest;
        var config = Descriptor.Read(document.RootElement.GetProperty("config"));
        var layers = document.RootElement.GetProperty("layers").EnumerateArray().Select(Descriptor.Read).ToList();
        return (new Kept(mediaType, layers, config.Digest, Blob(config.Digest)), layers.Select(layer => $"blobs/sha256/{layer.Digest["sha256:".Length..]}").ToList());
    }

    // manifest.json → the configuration; each layer is its uncompressed tar, whose digest is its diff_id.
    private static (Kept, IReadOnlyList<string>) FromDockerArchive(IReadOnlyDictionary<string, byte[]> small, IReadOnlyDictionary<string, long> sizes, byte[] manifest)
    {
        using var document = JsonDocument.Parse(manifest);
        var image = document.RootElement[0];
        var configPath = image.GetProperty("Config").GetString()!;
        var config = small[configPath];
        using var parsed = JsonDocument.Parse(config);
        var diffIds = parsed.RootElement.GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(id => id.GetString()!).ToList();
        var paths = image.GetProperty("Layers").EnumerateArray().Select(layer => layer.GetString()!).ToList();
        if (paths.Count != diffIds.Count)
        {
            throw new InvalidDataException($"its manifest.json names {paths.Count} layer(s) and its configuration {diffIds.Count}");
        }

        var layers = paths.Select((path, i) => new Descriptor(MediaTypes.OciUncompressedLayer, diffIds[i], sizes[path])).ToList();
        return (new Kept(MediaTypes.OciManifest, layers, ContentDigest.Of(config), config), paths);
    }

    /// <summary>What was read of a base, kept by its image id (<c>&lt;id&gt;.json</c> in the cache directory).</summary>
    internal sealed record Kept(
        [property: JsonPropertyName("manifestMediaType")] string ManifestMediaType,
        [property: JsonPropertyName("layers")] IReadOnlyList<Descriptor> Layers,
        [property: JsonPropertyName("configDigest")] string ConfigDigest,
        [property: JsonPropertyName("config")] byte[] Config)
    {
        /// <summary>What its files say (<see cref="BaseFacts"/>); null: what was kept before they were read, or layers this cannot read.</summary>
        [JsonPropertyName("facts")]
        public BaseFacts? Facts { get; init; }

        /// <summary>Whether its files were read (what was kept before they were is read again, once).</summary>
        [JsonPropertyName("filesRead")]
        public bool FilesRead { get; init; }

        public BaseContent For(RepositoryName name, string imageId) =>
            new(name, imageId, ManifestMediaType, Layers, ConfigDigest, Config, InEngine: true) { Facts = Facts };

        public string ToJson() => JsonSerializer.Serialize(this, Options) + "\n";

        public static Kept? Read(string path)
        {
            try
            {
                return File.Exists(path) ? JsonSerializer.Deserialize<Kept>(File.ReadAllText(path), Options) : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { TypeInfoResolver = ImageStoreJson.Default };
    }
}
