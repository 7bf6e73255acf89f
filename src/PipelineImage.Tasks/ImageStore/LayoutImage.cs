using PipelineImage.Assembling;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Naming;
using PipelineImage.Registry;

namespace PipelineImage.ImageStore;

/// <summary>
/// An image the assembler wrote (assembled/): our blobs there, the base's in its registry. It goes up through the
/// registry API, and is saved and read from its layers, with no engine.
/// </summary>
/// <param name="directory">assembled/.</param>
/// <param name="assembly">What the assembler wrote there (assembly.json).</param>
/// <param name="registries">The registries' clients: the base's, and those pushed to.</param>
/// <param name="log">Where the push's lines go.</param>
internal sealed class LayoutImage(string directory, AssemblyRecord assembly, RegistryClients registries, BuildLog log) : IStoredImage
{
    public async Task<IReadOnlyList<PushedReference>> PushAsync(IReadOnlyList<ImageReference> references, CancellationToken cancellationToken)
    {
        var pusher = new AssembledImagePusher(registries.For, log.Normal);
        var pushed = new List<PushedReference>();
        foreach (var reference in references)
        {
            var result = await Mapped(e => registries.Failure(e, reference.ToString()), () => pusher.PushAsync(directory, assembly, reference, cancellationToken))
                .ConfigureAwait(false);
            log.High($"Pushed {reference} ({result.Digest}) without an engine: {result.BlobsUploaded} blob(s) uploaded ({ByteSize.Of(result.BytesUploaded)}), "
                + $"{result.BlobsPresent} already in the registry");
            pushed.Add(new PushedReference(reference, result.Digest, result.BytesUploaded));
        }

        return pushed;
    }

    public async Task WriteArchiveAsync(bool oci, IReadOnlyList<ImageReference> references, Stream target, CancellationToken cancellationToken)
    {
        if (oci)
        {
            var (config, layers) = OciLayoutWriter.FromAssembled(directory, assembly, BaseBlobAsync);
            await OciLayoutWriter.WriteAsync(config, layers, references, target, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await DockerArchiveWriter.WriteAsync(directory, assembly, references, BaseBlobAsync, target, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<IReadOnlyList<ImageFile>> ReadFilesAsync(IReadOnlyList<FileQuery> queries, CancellationToken cancellationToken) =>
        Sbom.AssembledImageFiles.ReadAsync(directory, assembly, BaseBlobAsync, cancellationToken);

    public void Dispose()
    {
    }

    /// <summary>
    /// A layer of the base, from its registry, into a temporary file of the directory that the caller deletes: only the
    /// base's layers are read from a registry in a save or a read of the files. A failed request is its PIMG error
    /// (<see cref="RegistryClients.BaseFailure"/>, naming the base by its digest).
    /// </summary>
    public Task<string> BaseBlobAsync(string digest, CancellationToken cancellationToken) =>
        Mapped(e => RegistryClients.BaseFailure(e, $"{assembly.Base}@{assembly.BaseDigest}"),
            () => assembly.FetchBaseBlobAsync(registries.For, directory, digest, cancellationToken));

    // A registry request that failed is its PIMG error (RegistryClients maps each kind).
    private static async Task<T> Mapped<T>(Func<RegistryException, PipelineImageException> failure, Func<Task<T>> request)
    {
        try
        {
            return await request().ConfigureAwait(false);
        }
        catch (RegistryException e)
        {
            throw failure(e);
        }
    }
}
