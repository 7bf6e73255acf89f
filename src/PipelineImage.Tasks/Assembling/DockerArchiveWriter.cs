using System.Formats.Tar;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using PipelineImage.Context;
using PipelineImage.Naming;

namespace PipelineImage.Assembling;

/// <summary>
/// Writes an assembled image as a docker-archive, the format of <c>docker save</c> that <c>docker load</c> and
/// <c>podman load</c> read: <c>manifest.json</c> (the config, the tags and the layers in order), the config as
/// <c>&lt;digest&gt;.json</c>, each layer as <c>&lt;digest&gt;.tar.gz</c> (compressed, as the registry has it: the
/// loaders inflate layers and check them against the config's diff_ids). Entries are written reproducibly.
/// </summary>
internal static class DockerArchiveWriter
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <param name="directory">The assembled directory.</param>
    /// <param name="record">What the assembler wrote there.</param>
    /// <param name="references">The tags the archive gives the image.</param>
    /// <param name="baseBlob">
    /// Fetches a blob of the base image (not in the directory) into a file that is deleted after. Null: the base's
    /// layers are not written, and only an engine that has them loads the archive (Docker's graph-driver store does,
    /// looking each layer up before it reads the file).
    /// </param>
    /// <param name="destination">Where the archive goes.</param>
    /// <param name="cancellationToken">Stops the writing.</param>
    public static async Task WriteAsync(string directory, AssemblyRecord record, IReadOnlyList<ImageReference> references,
        Func<string, CancellationToken, Task<string>>? baseBlob, Stream destination, CancellationToken cancellationToken)
    {
        var manifestPath = AssemblyRecord.BlobPath(directory, record.ManifestDigest);
        using var manifest = JsonDocument.Parse(await File.ReadAllBytesAsync(manifestPath, cancellationToken).ConfigureAwait(false));
        var layers = manifest.RootElement.GetProperty("layers").EnumerateArray().Select(layer => layer.GetProperty("digest").GetString()!).ToList();
        var configName = Hex(record.ConfigDigest) + ".json";
        var index = new[]
        {
            new Dictionary<string, object>
            {
                ["Config"] = configName,
                ["RepoTags"] = references.Select(reference => reference.ToString()).ToList(),
                ["Layers"] = layers.Select(layer => Hex(layer) + ".tar.gz").ToList(),
            },
        };
        var time = DateTimeOffset.FromUnixTimeSeconds(1);
        await using var writer = new TarWriter(destination, TarEntryFormat.Gnu, leaveOpen: true);
        await WriteFileAsync(writer, configName, AssemblyRecord.BlobPath(directory, record.ConfigDigest), time, cancellationToken).ConfigureAwait(false);
        foreach (var layer in layers.Distinct(StringComparer.Ordinal))
        {
            var local = AssemblyRecord.BlobPath(directory, layer);
            if (File.Exists(local))
            {
                await WriteFileAsync(writer, Hex(layer) + ".tar.gz", local, time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (baseBlob is null)
            {
                continue;
            }

            var fetched = await baseBlob(layer, cancellationToken).ConfigureAwait(false);
            try
            {
                await WriteFileAsync(writer, Hex(layer) + ".tar.gz", fetched, time, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                File.Delete(fetched);
            }
        }

        var entry = ContextTarWriter.Entry(TarEntryType.RegularFile, "manifest.json", ContextTarWriter.RegularMode, time);
        entry.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(index, Compact)));
        await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
    }

    private static string Hex(string digest) => digest["sha256:".Length..];

    /// <summary>A file as an archive's entry: 0644, root's, at <paramref name="time"/>.</summary>
    internal static async Task WriteFileAsync(TarWriter writer, string name, string path, DateTimeOffset time, CancellationToken cancellationToken)
    {
        await using var data = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        var entry = ContextTarWriter.Entry(TarEntryType.RegularFile, name, ContextTarWriter.RegularMode, time);
        entry.DataStream = data;
        await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
    }
}
