using System.IO.Compression;
using Microsoft.Build.Framework;
using PipelineImage.Diagnostics;
using PipelineImage.Intermediate;

namespace PipelineImage.Tasks;

/// <summary>
/// Writes the image that image.json records into a docker-archive (PipelineImageArchiveOutputPath), tagged with every
/// reference, as <c>docker save</c> would: <c>docker load</c> (or <c>podman load</c>) on another machine gives the
/// image back. Gzipped when the name ends in <c>.gz</c>; a directory gets <c>&lt;name&gt;.tar.gz</c>. Written beside
/// its final name and moved over it; nothing is written when the archive already holds the recorded image.
/// </summary>
public sealed partial class SavePipelineImage : EngineTask
{
    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var record = await ReadLocalImageRecordAsync(ImageRecordPath, DiagnosticCodes.NoImageToSave, "PipelineImageArchiveOutputPath", "save", cancellationToken)
            .ConfigureAwait(false);

        var oci = ArchiveFormat.Trim().ToLowerInvariant() switch
        {
            "" or "docker" => false,
            "oci" => true,
            _ => throw new PipelineImageException(DiagnosticCodes.InvalidArchiveFormat, ArchiveFormat),
        };
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
        if (record.Assembled is { } directory)
        {
            // No engine: the archive is written from what the assembler wrote, with the base's layers from its registry.
            var assembly = ReadAssembly(record, directory, DiagnosticCodes.NoImageToSave);
            using var registries = Registries(config, cancellationToken);
            try
            {
                Task<string> BaseBlob(string digest, CancellationToken token) => assembly.FetchBaseBlobAsync(registries.For, directory, digest, token);
                await WriteArchiveAsync(record, oci, target => oci
                    ? WriteOciAsync(Assembling.OciLayoutWriter.FromAssembled(directory, assembly, BaseBlob), record, target, cancellationToken)
                    : Assembling.DockerArchiveWriter.WriteAsync(directory, assembly, record.AllReferences(), BaseBlob, target, cancellationToken)).ConfigureAwait(false);
            }
            catch (Registry.RegistryException e)
            {
                throw registries.Failure(e, $"{assembly.Base}@{assembly.BaseDigest}");
            }

            return;
        }

        using var engine = await EngineWithImageAsync(connection, record, ImageRecordPath, DiagnosticCodes.NoImageToSave, cancellationToken)
            .ConfigureAwait(false);
        if (!oci)
        {
            await WriteArchiveAsync(record, oci, target => engine.SaveAsync(Names(record), target, cancellationToken)).ConfigureAwait(false);
            return;
        }

        // The engine writes docker-archives only: its archive, unpacked beside image.json, gives the blobs of the layout.
        var unpacked = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(ImageRecordPath))!, $".save.{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(unpacked);
            var saved = Path.Combine(unpacked, ".docker-archive.tar");
            await using (var output = File.Create(saved))
            {
                await engine.SaveAsync(Names(record), output, cancellationToken).ConfigureAwait(false);
            }

            await System.Formats.Tar.TarFile.ExtractToDirectoryAsync(saved, unpacked, overwriteFiles: false, cancellationToken).ConfigureAwait(false);
            File.Delete(saved);
            var image = Assembling.OciLayoutWriter.FromDockerArchive(unpacked);
            await WriteArchiveAsync(record, oci, target => WriteOciAsync(image, record, target, cancellationToken)).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new PipelineImageException(DiagnosticCodes.ArchiveNotWritten, ArchiveFile, $"the engine's docker-archive could not be read ({e.Message})");
        }
        finally
        {
            Directory.Delete(unpacked, recursive: true);
        }
    }

    private static List<string> Names(ImageRecord record) => record.AllReferences().Select(reference => reference.ToString()).ToList();

    private static async System.Threading.Tasks.Task WriteOciAsync(
        (Assembling.OciLayoutWriter.Blob Config, IReadOnlyList<Assembling.OciLayoutWriter.Blob> Layers) image, ImageRecord record, Stream target,
        CancellationToken cancellationToken) =>
        await Assembling.OciLayoutWriter.WriteAsync(image.Config, image.Layers, record.AllReferences(), target, cancellationToken).ConfigureAwait(false);

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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
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
