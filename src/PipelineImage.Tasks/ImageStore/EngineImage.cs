using PipelineImage.Assembling;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Naming;
using PipelineImage.Registry;

namespace PipelineImage.ImageStore;

/// <summary>An image the engine holds, by its id: the engine pushes it, saves it and reads its files.</summary>
/// <param name="engine">The engine's client, connected; disposed with this.</param>
/// <param name="imageId">The image.</param>
/// <param name="scratch">Where the engine's archive is unpacked for an OCI layout (beside image.json).</param>
/// <param name="registries">The registries' credentials for the engine's push.</param>
/// <param name="retryDelays">The waits before the retries of a push.</param>
/// <param name="log">Where the push's lines go.</param>
internal sealed class EngineImage(IContainerEngine engine, string imageId, string scratch, RegistryClients registries, IReadOnlyList<TimeSpan> retryDelays, BuildLog log)
    : IStoredImage
{
    public async Task<IReadOnlyList<PushedReference>> PushAsync(IReadOnlyList<ImageReference> references, CancellationToken cancellationToken)
    {
        var pushed = new List<PushedReference>();
        foreach (var reference in references)
        {
            var credential = registries.Credential(RegistryHost.Of(reference.Name));
            var result = await EnginePush.WithRetriesAsync(engine, reference, credential, retryDelays, log, cancellationToken).ConfigureAwait(false);
            log.High(result.LayersReported
                ? $"Pushed {reference} ({result.Digest}): {result.LayersPushed} layer(s) uploaded ({result.DescribeBytes()}), {result.LayersPresent} layer(s) already in the registry"
                : $"Pushed {reference} ({result.Digest}); the engine does not say which layers it uploaded");
            pushed.Add(new PushedReference(reference, result.Digest, result.BytesUploaded));
        }

        return pushed;
    }

    public async Task WriteArchiveAsync(bool oci, IReadOnlyList<ImageReference> references, Stream target, CancellationToken cancellationToken)
    {
        var names = references.Select(reference => reference.ToString()).ToList();
        if (!oci)
        {
            await engine.SaveAsync(names, target, cancellationToken).ConfigureAwait(false);
            return;
        }

        // The engine writes docker-archives only: its archive, unpacked, gives the blobs of the layout.
        var unpacked = Path.Combine(scratch, $".save.{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(unpacked);
            var saved = Path.Combine(unpacked, ".docker-archive.tar");
            await using (var output = File.Create(saved))
            {
                await engine.SaveAsync(names, output, cancellationToken).ConfigureAwait(false);
            }

            await System.Formats.Tar.TarFile.ExtractToDirectoryAsync(saved, unpacked, overwriteFiles: false, cancellationToken).ConfigureAwait(false);
            File.Delete(saved);
            var (config, layers) = OciLayoutWriter.FromDockerArchive(unpacked);
            await OciLayoutWriter.WriteAsync(config, layers, references, target, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"the engine's docker-archive could not be read ({e.Message})", e);
        }
        finally
        {
            Directory.Delete(unpacked, recursive: true);
        }
    }

    public Task<IReadOnlyList<ImageFile>> ReadFilesAsync(IReadOnlyList<FileQuery> queries, CancellationToken cancellationToken) =>
        engine.ReadFilesAsync(imageId, queries, cancellationToken);

    public void Dispose() => engine.Dispose();
}
