using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PipelineImage.Context;
using PipelineImage.Naming;
using PipelineImage.Registry;

namespace PipelineImage.Assembling;

/// <summary>
/// Writes an image as an OCI image layout in a tar (<c>oci-archive</c>): <c>oci-layout</c>, <c>index.json</c> and
/// <c>blobs/sha256/</c> with the config, the layers and an OCI manifest of them. The index has one manifest, named
/// with the first reference as containerd, Docker and Podman read it (<c>io.containerd.image.name</c>, fully
/// qualified: <c>docker.io/library/app:1.0.0</c>; Podman takes it before <c>org.opencontainers.image.ref.name</c>, the
/// reference as given, which other readers use): <c>podman load</c> takes an index of one image only. Docker's media types become OCI's (the same bytes), so the
/// manifest's digest is that of the OCI form.
/// Beside them, <c>manifest.json</c> names the same blobs as a docker-archive does (with every reference in
/// <c>RepoTags</c>), as <c>docker save</c> writes it from Docker 25 on: Docker's graph-driver store reads only that
/// file, and containerd's store and Podman read the index. An assembled image or index goes in as it is
/// (<see cref="WriteAssembledAsync"/>, <see cref="WriteIndexAsync"/>): its media types and digests those a push gives.
/// Entries are written reproducibly.
/// </summary>
internal static class OciLayoutWriter
{
    /// <summary>One blob: where its bytes are (a file that <see cref="Release"/> may delete after), and what it is.</summary>
    /// <param name="Descriptor">Its media type as the image's manifest has it, digest and size.</param>
    /// <param name="Open">Its file; fetched when asked for. Null: a base layer that is not to be written.</param>
    /// <param name="Release">Called with the file once written (deletes a fetched one); null: nothing to do.</param>
    public sealed record Blob(Descriptor Descriptor, Func<CancellationToken, Task<string>>? Open, Action<string>? Release = null)
    {
        /// <summary>A file on disk that stays.</summary>
        public static Blob File(Descriptor descriptor, string path) => new(descriptor, _ => Task.FromResult(path));
    }

    /// <param name="config">The image's configuration.</param>
    /// <param name="layers">Its layers, in order.</param>
    /// <param name="references">The image's references: the index names it with the first, manifest.json with all.</param>
    /// <param name="destination">Where the archive goes.</param>
    /// <param name="cancellationToken">Stops the writing.</param>
    /// <returns>The digest of the OCI manifest written.</returns>
    public static async Task<string> WriteAsync(Blob config, IReadOnlyList<Blob> layers, IReadOnlyList<ImageReference> references, Stream destination,
        CancellationToken cancellationToken)
    {
        var manifest = ImageDocuments.Manifest(MediaTypes.OciManifest, config.Descriptor with { MediaType = MediaTypes.OciConfig },
            layers.Select(layer => layer.Descriptor with { MediaType = OciLayerType(layer.Descriptor.MediaType) }).ToList());
        var manifestDigest = ContentDigest.Of(manifest);
        await using var writer = new TarWriter(destination, TarEntryFormat.Gnu, leaveOpen: true);
        await WriteLayoutAsync(writer, new Descriptor(MediaTypes.OciManifest, manifestDigest, manifest.Length), references[0],
            DockerManifest(config, layers, references), cancellationToken).ConfigureAwait(false);
        await WriteAsync(writer, BlobName(manifestDigest), manifest, Time, cancellationToken).ConfigureAwait(false);
        await WriteBlobsAsync(writer, layers.Prepend(config), cancellationToken).ConfigureAwait(false);
        return manifestDigest;
    }

    /// <summary>
    /// An assembled image as an OCI layout for containerd's image store (Docker's, which reads <c>index.json</c> only):
    /// the manifest as assembled, named by the index with its own media type, so that the store knows the image by the
    /// digest a push gives it; the config and our layers; the base's layers only with <paramref name="baseBlob"/>.
    /// Without them the store must hold them already: it loads such a layout without looking, and an image whose
    /// blobs it lacks runs, but <c>docker save</c> and <c>docker push</c> of it miss them.
    /// </summary>
    public static async Task WriteAssembledAsync(string directory, AssemblyRecord record, IReadOnlyList<ImageReference> references,
        Func<string, CancellationToken, Task<string>>? baseBlob, Stream destination, CancellationToken cancellationToken) =>
        await WriteAsItIsAsync(AsItIs(directory, record.ManifestMediaType, record.ManifestDigest), ConfigAndLayers(directory, record, baseBlob), references[0],
            destination, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// An assembled index (PipelineImagePlatforms) as an OCI layout: <c>index.json</c> names the index as assembled, with
    /// its own media type (Docker's manifest list or OCI's index) and bytes, so that its digest and every platform's
    /// manifest digest are those a push gives; beside it each platform's manifest, config and layers as assembled, a
    /// blob that two platforms share (our layers) once. There is no <c>manifest.json</c>: Docker's graph-driver store
    /// reads only that file, and would load one platform's image from it, not the index.
    /// </summary>
    /// <param name="directory">The index's directory (its blob in <c>blobs/sha256/</c>).</param>
    /// <param name="mediaType">The index's media type.</param>
    /// <param name="digest">The index's digest.</param>
    /// <param name="images">
    /// Each platform's assembled directory and record, and what fetches a layer of that platform's base; null: the
    /// base's layers are not written (a containerd store that holds them, as for <see cref="WriteAssembledAsync"/>).
    /// </param>
    /// <param name="references">The index's references: <c>index.json</c> names it with the first.</param>
    /// <param name="destination">Where the archive goes.</param>
    /// <param name="cancellationToken">Stops the writing.</param>
    public static async Task WriteIndexAsync(string directory, string mediaType, string digest,
        IReadOnlyList<(string Directory, AssemblyRecord Record, Func<string, CancellationToken, Task<string>>? BaseBlob)> images,
        IReadOnlyList<ImageReference> references, Stream destination, CancellationToken cancellationToken) =>
        await WriteAsItIsAsync(AsItIs(directory, mediaType, digest),
            images.SelectMany(image => ConfigAndLayers(image.Directory, image.Record, image.BaseBlob)
                .Prepend(AsItIs(image.Directory, image.Record.ManifestMediaType, image.Record.ManifestDigest))).ToList(),
            references[0], destination, cancellationToken).ConfigureAwait(false);

    private static readonly DateTimeOffset Time = DateTimeOffset.FromUnixTimeSeconds(1);

    // oci-layout, index.json naming the manifest (or an index), docker-archive's manifest.json when given, and the blobs' directories.
    private static async Task WriteLayoutAsync(TarWriter writer, Descriptor manifest, ImageReference name, byte[]? dockerManifest, CancellationToken cancellationToken)
    {
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciIndex,
            ["manifests"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = manifest.MediaType,
                ["digest"] = manifest.Digest,
                ["size"] = manifest.Size,
                ["annotations"] = new JsonObject
                {
                    ["io.containerd.image.name"] = Qualified(name),
                    ["org.opencontainers.image.ref.name"] = name.ToString(),
                },
            }),
        };

        var directoryMode = (UnixFileMode)Convert.ToInt32("755", 8);
        await WriteAsync(writer, "oci-layout", """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray(), Time, cancellationToken).ConfigureAwait(false);
        await WriteAsync(writer, "index.json", Encoding.UTF8.GetBytes(index.ToJsonString()), Time, cancellationToken).ConfigureAwait(false);
        if (dockerManifest is not null)
        {
            await WriteAsync(writer, "manifest.json", dockerManifest, Time, cancellationToken).ConfigureAwait(false);
        }

        await writer.WriteEntryAsync(ContextTarWriter.Entry(TarEntryType.Directory, "blobs/", directoryMode, Time), cancellationToken).ConfigureAwait(false);
        await writer.WriteEntryAsync(ContextTarWriter.Entry(TarEntryType.Directory, "blobs/sha256/", directoryMode, Time), cancellationToken).ConfigureAwait(false);
    }

    // A layout whose index.json names a document as it is (a manifest, or an index), without manifest.json: the document,
    // then each blob once, in order; a base's layer without a file to write is left out.
    private static async Task WriteAsItIsAsync(Blob document, IEnumerable<Blob> blobs, ImageReference name, Stream destination, CancellationToken cancellationToken)
    {
        await using var writer = new TarWriter(destination, TarEntryFormat.Gnu, leaveOpen: true);
        await WriteLayoutAsync(writer, document.Descriptor, name, null, cancellationToken).ConfigureAwait(false);
        await WriteBlobsAsync(writer, blobs.Where(blob => blob.Open is not null).Prepend(document), cancellationToken).ConfigureAwait(false);
    }

    // A document of an assembled directory (its manifest, or an index's), with its media type.
    private static Blob AsItIs(string directory, string mediaType, string digest)
    {
        var path = AssemblyRecord.BlobPath(directory, digest);
        return Blob.File(new Descriptor(mediaType, digest, new FileInfo(path).Length), path);
    }

    // An assembled image's config and layers, in order.
    private static IEnumerable<Blob> ConfigAndLayers(string directory, AssemblyRecord record, Func<string, CancellationToken, Task<string>>? baseBlob)
    {
        var (config, layers) = FromAssembled(directory, record, baseBlob);
        return layers.Prepend(config);
    }

    // Each blob once, in order.
    private static async Task WriteBlobsAsync(TarWriter writer, IEnumerable<Blob> blobs, CancellationToken cancellationToken)
    {
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var blob in blobs.Where(blob => written.Add(blob.Descriptor.Digest)))
        {
            var path = await blob.Open!(cancellationToken).ConfigureAwait(false);
            try
            {
                await DockerArchiveWriter.WriteFileAsync(writer, BlobName(blob.Descriptor.Digest), path, Time, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                blob.Release?.Invoke(path);
            }
        }
    }

    /// <summary>
    /// An assembled image as blobs: the config and our layers from its directory, the base's layers fetched from its
    /// registry when written (<paramref name="baseBlob"/>, a temporary file deleted after; null: not written).
    /// </summary>
    public static (Blob Config, IReadOnlyList<Blob> Layers) FromAssembled(string directory, AssemblyRecord record, Func<string, CancellationToken, Task<string>>? baseBlob)
    {
        using var manifest = JsonDocument.Parse(System.IO.File.ReadAllBytes(AssemblyRecord.BlobPath(directory, record.ManifestDigest)));
        var layers = manifest.RootElement.GetProperty("layers").EnumerateArray().Select(Descriptor.Read).Select(layer =>
            AssemblyRecord.BlobPath(directory, layer.Digest) is var local && System.IO.File.Exists(local)
                ? Blob.File(layer, local)
                : new Blob(layer, baseBlob is null ? null : token => baseBlob(layer.Digest, token), System.IO.File.Delete)).ToList();
        var config = Descriptor.Read(manifest.RootElement.GetProperty("config"));
        return (Blob.File(config, AssemblyRecord.BlobPath(directory, config.Digest)), layers);
    }

    /// <summary>
    /// The image in a docker-archive (what <c>docker save</c> and the engines' <c>GET /images/get</c> write), extracted
    /// into <paramref name="directory"/>, as blobs: its config and its layers as the archive has them. Each layer's
    /// media type is read from its first bytes: the graph-driver store saves layers uncompressed, the containerd
    /// store as they are in its content store (gzip from BuildKit, or zstd).
    /// </summary>
    /// <exception cref="InvalidDataException">When the archive has no image, or its files do not match.</exception>
    public static (Blob Config, IReadOnlyList<Blob> Layers) FromDockerArchive(string directory)
    {
        using var manifest = JsonDocument.Parse(System.IO.File.ReadAllBytes(Path.Combine(directory, "manifest.json")));
        var image = manifest.RootElement.EnumerateArray().FirstOrDefault();
        if (image.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("the engine's archive has no image in its manifest.json");
        }

        // A null media type: a layer's, read from its bytes.
        Blob Of(string name, string? mediaType)
        {
            var path = Path.GetFullPath(Path.Combine(directory, name));
            if (!path.StartsWith(Path.GetFullPath(directory) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"the engine's archive names {name}, outside it");
            }

            using var stream = System.IO.File.OpenRead(path);
            Span<byte> start = stackalloc byte[4];
            mediaType ??= LayerTypeOf(start[..stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false)]);
            stream.Position = 0;
            var digest = ContentDigest.Of(stream);
            return Blob.File(new Descriptor(mediaType, digest, stream.Length), path);
        }

        return (Of(image.GetProperty("Config").GetString()!, MediaTypes.OciConfig),
            image.GetProperty("Layers").EnumerateArray().Select(layer => Of(layer.GetString()!, null)).ToList());
    }

    /// <summary>The OCI layer type of a layer's bytes, by their magic number: gzip, zstd, else a plain tar.</summary>
    public static string LayerTypeOf(ReadOnlySpan<byte> start) =>
        start.StartsWith((ReadOnlySpan<byte>)[0x1f, 0x8b]) ? MediaTypes.OciLayer
        : start.StartsWith((ReadOnlySpan<byte>)[0x28, 0xb5, 0x2f, 0xfd]) ? MediaTypes.OciZstdLayer
        : MediaTypes.OciUncompressedLayer;

    // The whole name, as containerd's store keeps it: Docker's containerd store loads the image under this name as it
    // is, and looks short names up as docker.io/library/... .
    private static string Qualified(ImageReference reference) => $"{RepositoryName.Of(reference.Name)}:{reference.Tag}";

    // docker-archive's manifest.json, naming the layout's blobs.
    private static byte[] DockerManifest(Blob config, IReadOnlyList<Blob> layers, IReadOnlyList<ImageReference> references) =>
        Encoding.UTF8.GetBytes(new JsonArray(new JsonObject
        {
            ["Config"] = BlobName(config.Descriptor.Digest),
            ["RepoTags"] = new JsonArray(references.Select(reference => (JsonNode)reference.ToString()).ToArray()),
            ["Layers"] = new JsonArray(layers.Select(layer => (JsonNode)BlobName(layer.Descriptor.Digest)).ToArray()),
        }).ToJsonString());

    // Docker's layer types are OCI's under another name; OCI's stay.
    private static string OciLayerType(string mediaType) => mediaType switch
    {
        MediaTypes.DockerLayer => MediaTypes.OciLayer,
        MediaTypes.DockerUncompressedLayer => MediaTypes.OciUncompressedLayer,
        _ => mediaType,
    };

    private static string BlobName(string digest) => "blobs/sha256/" + digest["sha256:".Length..];

    private static async Task WriteAsync(TarWriter writer, string name, byte[] content, DateTimeOffset time, CancellationToken cancellationToken)
    {
        var entry = ContextTarWriter.Entry(TarEntryType.RegularFile, name, ContextTarWriter.RegularMode, time);
        entry.DataStream = new MemoryStream(content);
        await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
    }
}
