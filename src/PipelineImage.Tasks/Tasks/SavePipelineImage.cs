using System.IO.Compression;
using Microsoft.Build.Framework;
using PipelineImage.Diagnostics;
using PipelineImage.ImageStore;
using PipelineImage.Intermediate;
using PipelineImage.Planning;

namespace PipelineImage.Tasks;

/// <summary>
/// Writes the image that image.json records into a docker-archive (PipelineImageArchiveOutputPath), tagged with every
/// reference, as <c>docker save</c> would: <c>docker load</c> (or <c>podman load</c>) on another machine gives the
/// image back; or, with PipelineImageArchiveFormat=oci, an OCI image layout, the only archive of an index
/// (PipelineImagePlatforms). Gzipped when the name ends in <c>.gz</c>; a directory gets <c>&lt;name&gt;.tar.gz</c>. Written beside
/// its final name and moved over it; nothing is written when the archive already holds the recorded image.
/// </summary>
public sealed partial class SavePipelineImage : EngineTask
{
    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var record = await ReadImageRecordAsync(ImageRecordPath, DiagnosticCodes.NoImageToSave, cancellationToken).ConfigureAwait(false);

        var oci = ArchiveFormats.Parse(ArchiveFormat) == Planning.ArchiveFormat.Oci;
        var file = Directory.Exists(ArchivePath) || ArchivePath.EndsWith('/') || ArchivePath.EndsWith(Path.DirectorySeparatorChar)
            ? Path.Combine(ArchivePath, record.Name[(record.Name.LastIndexOf('/') + 1)..] + ".tar.gz")
            : ArchivePath;
        ArchiveFile = Path.GetFullPath(file);
        if (record.Archive == ArchiveFile && record.ArchiveFormat == (oci ? "oci" : null) && File.Exists(ArchiveFile))
        {
            Log.LogMessage(MessageImportance.Normal, "{0} holds {1} already", ArchiveFile, record.ImageId);
            return;
        }

        var (connection, config) = ResolveEngine();
        using var registries = Registries(config, cancellationToken);
        using var image = await Stored(connection, registries).OpenAsync(record, ImageRecordPath, DiagnosticCodes.NoImageToSave, cancellationToken).ConfigureAwait(false);
        await WriteArchiveAsync(record, oci, target => image.WriteArchiveAsync(oci, record.AllReferences(), target, cancellationToken)).ConfigureAwait(false);
    }

    // Written beside its final name and moved over it; then recorded in image.json.
    private async System.Threading.Tasks.Task WriteArchiveAsync(ImageRecord record, bool oci, Func<Stream, System.Threading.Tasks.Task> write)
    {
        var partial = ArchiveFile + ".partial";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(ArchiveFile)!);
            await using (var output = File.Create(partial))
            await using (var target = ArchiveFile.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                             ? new GZipStream(output, CompressionLevel.Optimal) : (Stream)output)
            {
                await write(target).ConfigureAwait(false);
            }

            File.Move(partial, ArchiveFile, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new PipelineImageException(DiagnosticCodes.ArchiveNotWritten, ArchiveFile, e.Message);
        }
        finally
        {
            File.Delete(partial);
        }

        Log.LogMessage(MessageImportance.High, "Saved {0} ({1}) to {2} ({3:0.0} MiB, {4})",
            oci ? record.AllReferences()[0] : string.Join(", ", record.AllReferences()), record.ImageId, ArchiveFile,
            new FileInfo(ArchiveFile).Length / (double)(1 << 20), oci ? "an OCI image layout" : "a docker-archive");
        await AtomicFile.WriteIfChangedAsync(ImageRecordPath, (record with { Archive = ArchiveFile, ArchiveFormat = oci ? "oci" : null }).ToJson()).ConfigureAwait(false);
    }
}
