using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using PipelineImage.Intermediate;
using PipelineImage.Registry;

namespace PipelineImage.Assembling;

/// <summary>One platform's image in an index: where the assembler wrote it.</summary>
/// <param name="Platform">The platform asked for (PipelineImagePlatforms).</param>
/// <param name="Directory">Its assembled directory (assembly.json and its blobs).</param>
/// <param name="ManifestDigest">Its manifest's digest.</param>
internal sealed record IndexedImage(
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("directory")] string Directory,
    [property: JsonPropertyName("manifest")] string ManifestDigest);

/// <summary>
/// <c>index.json</c> of an assembled index (PipelineImagePlatforms): the index's media type and digest (its bytes are
/// in <c>blobs/sha256/</c> beside it) and each platform's image, so that the push works from what was written.
/// </summary>
internal sealed record IndexRecord(
    [property: JsonPropertyName("mediaType")] string MediaType,
    [property: JsonPropertyName("digest")] string Digest,
    [property: JsonPropertyName("images")] IReadOnlyList<IndexedImage> Images)
{
    public const string FileName = "index.json";

    /// <summary>Writes the index over the platforms' assembled images into <paramref name="directory"/>, with its record.</summary>
    /// <param name="directory">Where the index goes (the record directory's <c>index/</c>).</param>
    /// <param name="images">Each platform's image, in the order of PipelineImagePlatforms.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    public static async Task<IndexRecord> WriteAsync(string directory, IReadOnlyList<(string Platform, string Directory, AssemblyRecord Assembled)> images,
        CancellationToken cancellationToken)
    {
        var entries = new List<(Descriptor, string, string, string?)>();
        foreach (var (_, imageDirectory, assembled) in images)
        {
            var manifest = new FileInfo(AssemblyRecord.BlobPath(imageDirectory, assembled.ManifestDigest));
            using var config = JsonDocument.Parse(await File.ReadAllBytesAsync(AssemblyRecord.BlobPath(imageDirectory, assembled.ConfigDigest), cancellationToken)
                .ConfigureAwait(false));
            string? Read(string name) => config.RootElement.TryGetProperty(name, out var value) ? value.GetString() : null;
            entries.Add((new Descriptor(assembled.ManifestMediaType, assembled.ManifestDigest, manifest.Length), Read("os") ?? "linux", Read("architecture") ?? "",
                Read("variant")));
        }

        var (mediaType, bytes) = ImageDocuments.Index(entries);
        var digest = ContentDigest.Of(bytes);
        var blobs = Path.Combine(directory, "blobs", "sha256");
        System.IO.Directory.CreateDirectory(blobs);
        foreach (var earlier in System.IO.Directory.EnumerateFiles(blobs).Where(file => Path.GetFileName(file) != digest["sha256:".Length..]))
        {
            File.Delete(earlier);
        }

        var blob = AssemblyRecord.BlobPath(directory, digest);
        if (!File.Exists(blob))
        {
            await AtomicFile.WriteAsync(blob, stream => stream.WriteAsync(bytes, cancellationToken).AsTask()).ConfigureAwait(false);
        }

        var record = new IndexRecord(mediaType, digest, images.Select(image => new IndexedImage(image.Platform, image.Directory, image.Assembled.ManifestDigest)).ToList());
        await AtomicFile.WriteIfChangedAsync(Path.Combine(directory, FileName), JsonSerializer.Serialize(record, Options) + "\n").ConfigureAwait(false);
        return record;
    }

    /// <summary>The record in an index directory; null when there is none or it is not one.</summary>
    public static IndexRecord? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<IndexRecord>(File.ReadAllText(path), Options) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The index's bytes, as written.</summary>
    public Task<byte[]> ReadBytesAsync(string directory, CancellationToken cancellationToken) =>
        File.ReadAllBytesAsync(AssemblyRecord.BlobPath(directory, Digest), cancellationToken);

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = AssemblingJson.Default,
    };
}
