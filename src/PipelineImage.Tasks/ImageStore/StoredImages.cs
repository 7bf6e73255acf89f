using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Naming;
using PipelineImage.Registry;

namespace PipelineImage.ImageStore;

/// <summary>
/// The image that image.json records, where it lives (<see cref="ImageRecord.Location"/>): what a push does with it, the
/// same way wherever it is.
/// </summary>
internal interface IStoredImage : IDisposable
{
    /// <summary>Puts every reference into its registry; each one's manifest digest and the bytes uploaded, when known.</summary>
    /// <exception cref="PipelineImageException">A push failed (after its retries), or a registry refused it.</exception>
    Task<IReadOnlyList<PushedReference>> PushAsync(IReadOnlyList<ImageReference> references, CancellationToken cancellationToken);
}

/// <summary>An image held here (by the engine, or in the assembler's directory): it can also be saved and read.</summary>
internal interface ILocalImage : IStoredImage
{
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

/// <summary>What a task wants of the recorded image: its error when there is none, and its setting and verb for PIMG2036.</summary>
/// <param name="Missing">The PIMG code when image.json or its image is not there (PIMG4003, PIMG4007, PIMG4009).</param>
/// <param name="Setting">The setting that asks for the image.</param>
/// <param name="Verb">What is done with it.</param>
internal sealed record ImageUse(string Missing, string Setting, string Verb)
{
    public static ImageUse Push { get; } = new(DiagnosticCodes.NoImageToPush, "PipelineImagePush", "push");

    public static ImageUse Save { get; } = new(DiagnosticCodes.NoImageToSave, "PipelineImageArchiveOutputPath", "save");

    public static ImageUse Describe { get; } = new(DiagnosticCodes.NoImageToDescribe, "PipelineImageSbom", "describe");
}

/// <summary>The one place that turns where image.json says the image is into what reads and moves it there.</summary>
/// <param name="engine">Makes the client of the engine; called only when the image is there.</param>
/// <param name="registries">The registries' clients (the caller's), for the assembled image and the engine's credentials.</param>
/// <param name="retryDelays">The waits before the retries of a push through the engine.</param>
/// <param name="log">Where what it does goes.</param>
internal sealed class StoredImages(Func<IContainerEngine> engine, RegistryClients registries, IReadOnlyList<TimeSpan> retryDelays, BuildLog log)
{
    /// <summary>
    /// The recorded image where it is: the engine (connected, and checked to hold it), the assembler's directory, or the
    /// registry a standalone buildkitd pushed it to.
    /// </summary>
    /// <param name="record">image.json.</param>
    /// <param name="recordPath">Its path, for the errors and for the engine's temporary files beside it.</param>
    /// <param name="cancellationToken">Ends the connection.</param>
    /// <exception cref="PipelineImageException">
    /// PIMG4003 when the image is not where image.json says; PIMG1001 and the engine's other errors when it does not answer.
    /// </exception>
    public async Task<IStoredImage> OpenAsync(ImageRecord record, string recordPath, CancellationToken cancellationToken) =>
        record.Location == ImageLocation.Registry
            ? new RegistryImage(record, recordPath, log)
            : await OpenLocalAsync(record, recordPath, ImageUse.Push, cancellationToken).ConfigureAwait(false);

    /// <summary>The recorded image held here: by the engine (connected, and checked to hold it), or in the assembler's directory.</summary>
    /// <param name="record">image.json.</param>
    /// <param name="recordPath">Its path, for the errors and for the engine's temporary files beside it.</param>
    /// <param name="use">What the caller does with it.</param>
    /// <param name="cancellationToken">Ends the connection.</param>
    /// <exception cref="PipelineImageException">
    /// <see cref="ImageUse.Missing"/> when the image is not where image.json says; PIMG2036 when only a registry has it;
    /// PIMG1001 and the engine's other errors when it does not answer.
    /// </exception>
    public async Task<ILocalImage> OpenLocalAsync(ImageRecord record, string recordPath, ImageUse use, CancellationToken cancellationToken)
    {
        switch (record.Location)
        {
            case ImageLocation.Registry:
                throw new PipelineImageException(DiagnosticCodes.NoLocalImage, record.PushedBy!, use.Setting, use.Verb);
            case ImageLocation.Layout:
                var directory = record.Assembled!;
                return Assembling.AssemblyRecord.Read(directory) is { } read && read.ManifestDigest == record.Manifest
                    ? new LayoutImage(directory, read, registries, log)
                    : throw new PipelineImageException(use.Missing, $"the assembled image {record.Manifest} in {directory}", "is not there (publish again)");
            default:
                var client = engine();
                try
                {
                    await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
                    return await client.InspectImageAsync(record.ImageId, cancellationToken).ConfigureAwait(false) is null
                        ? throw new PipelineImageException(use.Missing, $"the image {record.ImageId} of {recordPath}", "is not on the engine")
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
