using System.IO.Compression;
using System.Text.Json;
using PipelineImage.Assembling;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Registry;

namespace PipelineImage.Sbom;

/// <summary>
/// The files of <see cref="Inventory.Queries"/> in an assembled image, read from its layers with no engine: ours from
/// the assembled directory, the base's (and the requirements base's) from its registry. Layers are named by their
/// digest, so what each holds of those files is kept in <c>assembled/sbom/&lt;hex&gt;.json</c> and a layer is read once;
/// a publish after a code change reads only the new layers.
/// </summary>
internal static class AssembledImageFiles
{
    /// <summary>Where the layers' files are kept; a new version of the queries needs a new name.</summary>
    private const string CacheDirectory = "sbom";

    /// <param name="directory">The assembled directory.</param>
    /// <param name="record">What the assembler wrote there.</param>
    /// <param name="baseBlob">Fetches a blob of the base (not in the directory) into a file that is deleted after.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    public static async Task<IReadOnlyList<ImageFile>> ReadAsync(string directory, AssemblyRecord record,
        Func<string, CancellationToken, Task<string>> baseBlob, CancellationToken cancellationToken)
    {
        using var manifest = JsonDocument.Parse(await File.ReadAllBytesAsync(AssemblyRecord.BlobPath(directory, record.ManifestDigest), cancellationToken)
            .ConfigureAwait(false));
        var layers = manifest.RootElement.GetProperty("layers").EnumerateArray().Select(Descriptor.Read).ToList();
        var cache = Path.Combine(directory, CacheDirectory);
        Directory.CreateDirectory(cache);
        var read = new List<LayerFiles>();
        foreach (var layer in layers)
        {
            var kept = Path.Combine(cache, Hex(layer.Digest) + ".json");
            if (File.Exists(kept) && LayerFiles.FromJson(await File.ReadAllTextAsync(kept, cancellationToken).ConfigureAwait(false)) is { } known)
            {
                read.Add(known);
                continue;
            }

            var local = AssemblyRecord.BlobPath(directory, layer.Digest);
            var fetched = File.Exists(local) ? null : await baseBlob(layer.Digest, cancellationToken).ConfigureAwait(false);
            try
            {
                await using var file = File.OpenRead(fetched ?? local);
                await using var tar = Uncompressed(file, layer, record);
                var files = await LayerFiles.ReadAsync(tar, Inventory.Wanted, cancellationToken).ConfigureAwait(false);
                await AtomicFile.WriteIfChangedAsync(kept, files.ToJson()).ConfigureAwait(false);
                read.Add(files);
            }
            finally
            {
                if (fetched is not null)
                {
                    File.Delete(fetched);
                }
            }
        }

        // Only the image's layers stay: a code change leaves an older app layer behind.
        var current = layers.Select(layer => Hex(layer.Digest) + ".json").ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(cache).Where(file => !Path.GetFileName(file).StartsWith('.') && !current.Contains(Path.GetFileName(file))))
        {
            File.Delete(file);
        }

        return LayerFiles.Merge(read);
    }

    private static Stream Uncompressed(Stream file, Descriptor layer, AssemblyRecord record) => layer.MediaType switch
    {
        MediaTypes.DockerLayer or MediaTypes.OciLayer => new GZipStream(file, CompressionMode.Decompress),
        MediaTypes.DockerUncompressedLayer or MediaTypes.OciUncompressedLayer => file,
        _ => throw new PipelineImageException(DiagnosticCodes.LayerNotReadable, layer.Digest, $"{record.Base}@{record.BaseDigest}", layer.MediaType),
    };

    private static string Hex(string digest) => digest["sha256:".Length..];
}
