using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Naming;
using PipelineImage.Registry;

namespace PipelineImage.ImageStore;

/// <summary>
/// The image that image.json records, where it lives (<see cref="ImageRecord.Location"/>): what push, save and describe
/// do with it, the same way wherever it is.
/// </summary>
internal interface IStoredImage : IDisposable
{
    /// <summary>Puts every reference into its registry; each one's manifest digest and the bytes uploaded, when known.</summary>
    /// <exception cref="PipelineImageException">A push failed (after its retries), or a registry refused it.</exception>
    Task<IReadOnlyList<PushedReference>> PushAsync(IReadOnlyList<ImageReference> references, CancellationToken cancellationToken);

    /// <summary>Writes the image, tagged with <paramref name="references"/>, as a docker-archive or, with <paramref name="oci"/>, an OCI image layout.</summary>
    /// <exception cref="InvalidDataException">What the engine saved could not be read.</exception>
    Task WriteArchiveAsync(bool oci, IReadOnlyList<ImageReference> references, Stream target, CancellationToken cancellationToken);

    /// <summary>The image's files that the queries name (its merged layers).</summary>
    Task<IReadOnlyList<ImageFile>> ReadFilesAsync(IReadOnlyList<FileQuery> queries, CancellationToken cancellationToken);
}

/// <param name="Reference">What was pushed.</param>
/// <param name="Digest">The manifest digest the registry stored.</param>
/// <param name="BytesUploaded">What went over the network; null when the pusher did not say.</param>
internal sealed record PushedReference(ImageReference Reference, string Digest, long? BytesUploaded);

/// <summary>The one place that turns where image.json says the image is into what reads and moves it there.</summary>
/// <param name="engine">Makes the client of the engine; called only when the image is there.</param>
/// <param name="registries">The registries' clients (the caller's), for the assembled image and the engine's credentials.</param>
/// <param name="retryDelays">The waits before the retries of a push through the engine.</param>
/// <param name="log">Where what it does goes.</param>
internal sealed class StoredImages(Func<IContainerEngine> engine, RegistryClients registries, IReadOnlyList<TimeSpan> retryDelays, BuildLog log)
{
    /// <summary>The recorded image where it is: the engine (connected, and checked to hold it), or the assembler's directory.</summary>
    /// <param name="record">image.json.</param>
    /// <param name="recordPath">Its path, for the errors and for the engine's temporary files beside it.</param>
    /// <param name="missing">The caller's PIMG code for an image that is not where image.json says (PIMG4003, PIMG4007, PIMG4009).</param>
    /// <param name="cancellationToken">Ends the connection.</param>
    /// <exception cref="PipelineImageException">
    /// <paramref name="missing"/> when the image is not where image.json says; PIMG1001 and the engine's other errors when
    /// it does not answer.
    /// </exception>
    public async Task<IStoredImage> OpenAsync(ImageRecord record, string recordPath, string missing, CancellationToken cancellationToken)
    {
        switch (record.Location)
        {
            case ImageLocation.Index:
                return IndexImage.Open(record.Assembled!, record.Manifest!, registries, log)
                    ?? throw new PipelineImageException(missing, $"the assembled index {record.Manifest} in {record.Assembled}", "is not there (publish again)");
            case ImageLocation.Layout:
                var directory = record.Assembled!;
                return Assembling.AssemblyRecord.Read(directory) is { } read && read.ManifestDigest == record.Manifest
                    ? new LayoutImage(directory, read, registries, log)
                    : throw new PipelineImageException(missing, $"the assembled image {record.Manifest} in {directory}", "is not there (publish again)");
            default:
                var client = engine();
                try
                {
                    await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
                    return await client.InspectImageAsync(record.ImageId, cancellationToken).ConfigureAwait(false) is null
                        ? throw new PipelineImageException(missing, $"the image {record.ImageId} of {recordPath}", "is not on the engine")
                        : new EngineImage(client, record.ImageId, Path.GetDirectoryName(Path.GetFullPath(recordPath))!, registries, retryDelays, log);
                }
                catch
                {
                    client.Dispose();
                    throw;
                }
        }
    }
}
