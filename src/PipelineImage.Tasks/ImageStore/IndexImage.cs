using PipelineImage.Assembling;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Naming;
using PipelineImage.Planning;
using PipelineImage.Registry;
using PipelineImage.Transport;

namespace PipelineImage.ImageStore;

/// <summary>
/// An index the assembler wrote over several platforms' images (PipelineImagePlatforms, <see cref="IndexRecord"/>). It
/// goes up through the registry API: each platform's image by its digest, untagged (as buildx pushes them, and as the
/// SDK's users ask for, sdk-container-builds#650), then the index under every tag, last, so that no tag names an
/// index whose images are not all there. An archive of it is an OCI layout, with the same digests.
/// </summary>
/// <param name="directory">index/.</param>
/// <param name="index">What was written there (index.json).</param>
/// <param name="images">Each platform's image and what its assembled directory holds.</param>
/// <param name="registries">The registries' clients: the bases', and those pushed to.</param>
/// <param name="log">Where the push's lines go.</param>
internal sealed class IndexImage(string directory, IndexRecord index, IReadOnlyList<(IndexedImage Image, AssemblyRecord Assembled)> images,
    RegistryClients registries, BuildLog log) : IStoredImage
{
    /// <summary>The index in its directory, each platform's image read from its own; null when one is not there as recorded.</summary>
    public static IndexImage? Open(string directory, string digest, RegistryClients registries, BuildLog log)
    {
        if (IndexRecord.Read(directory) is not { } index || index.Digest != digest)
        {
            return null;
        }

        var images = new List<(IndexedImage, AssemblyRecord)>();
        foreach (var image in index.Images)
        {
            if (AssemblyRecord.Read(image.Directory) is not { } assembled || assembled.ManifestDigest != image.ManifestDigest)
            {
                return null;
            }

            images.Add((image, assembled));
        }

        return new IndexImage(directory, index, images, registries, log);
    }

    public async Task<IReadOnlyList<PushedReference>> PushAsync(IReadOnlyList<ImageReference> references, CancellationToken cancellationToken)
    {
        var pusher = new AssembledImagePusher(registries.For, log.Normal);
        var bytes = await index.ReadBytesAsync(directory, cancellationToken).ConfigureAwait(false);
        var pushed = new List<PushedReference>();
        var done = new HashSet<RepositoryName>();
        foreach (var reference in references)
        {
            var target = RepositoryName.Of(reference.Name);
            try
            {
                // Each platform's image once a repository; then the index under the tag.
                long uploaded = 0;
                if (done.Add(target))
                {
                    foreach (var (image, assembled) in images)
                    {
                        var result = await pusher.PushAsync(image.Directory, assembled, target, assembled.ManifestDigest, cancellationToken).ConfigureAwait(false);
                        log.Normal($"Pushed the {image.Platform} image of {target} ({result.Digest}): {result.BlobsUploaded} blob(s) uploaded "
                            + $"({ByteSize.Of(result.BytesUploaded)}), {result.BlobsPresent} already in the registry");
                        uploaded += result.BytesUploaded;
                    }
                }

                var (stored, _) = await registries.For(target.Registry).PutManifestAsync(target.Path, reference.Tag, index.MediaType, bytes, cancellationToken)
                    .ConfigureAwait(false);
                log.High($"Pushed {reference} ({stored}, an index of {string.Join(", ", images.Select(image => image.Image.Platform))}) without an engine: "
                    + $"{ByteSize.Of(uploaded)} uploaded");
                pushed.Add(new PushedReference(reference, stored, uploaded));
            }
            catch (RegistryException e)
            {
                throw registries.Failure(e, reference.ToString());
            }
        }

        return pushed;
    }

    /// <summary>
    /// PipelineImageArchiveFormat=oci: the index as an OCI layout (<see cref="OciLayoutWriter.WriteIndexAsync"/>), as
    /// assembled, with each platform's base layers from its registry; named with the first reference.
    /// </summary>
    /// <exception cref="PipelineImageException">
    /// PIMG2050 for a docker-archive, which holds one image; the PIMG error of a base's layer its registry did not give.
    /// </exception>
    public Task WriteArchiveAsync(bool oci, IReadOnlyList<ImageReference> references, Stream target, CancellationToken cancellationToken) => oci
        ? OciLayoutWriter.WriteIndexAsync(directory, index.MediaType, index.Digest,
            LayoutImages(_ => true), references, target, cancellationToken)
        : throw new PipelineImageException(DiagnosticCodes.PlatformsUnsupported, string.Join(";", images.Select(image => image.Image.Platform)),
            ImagePlatforms.DockerArchiveHoldsOneImage);

    /// <summary>
    /// Puts the index into an engine, as a publish of one image puts that there. Where the store holds indexes (Docker's
    /// containerd image store) the whole index goes in, as an OCI layout of it named with the first reference and tagged
    /// with the others: without the engine's own platform's base layers when the index loaded from here last is still in
    /// the store on the same bases (<c>loaded.json</c>, as <see cref="AssembledImageLoader"/> keeps it for one image: the
    /// store loads a layout without looking whether it holds the blobs named), else with every platform's base layers;
    /// only the tags when the store has the index. Elsewhere (Docker's graph-driver store, Podman: one image a name) the image of the engine's own platform
    /// goes in, as <see cref="AssembledImageLoader"/> loads one; nothing when the index has none.
    /// </summary>
    /// <returns>What went in, for the log.</returns>
    /// <exception cref="EngineException">The engine refused or failed.</exception>
    public async Task<string> LoadAsync(IContainerEngine engine, EngineInfo info, IReadOnlyList<ImageReference> references, CancellationToken cancellationToken)
    {
        if (!info.IsPodman && await engine.UsesContainerdImageStoreAsync(cancellationToken).ConfigureAwait(false))
        {
            return await LoadWholeAsync(engine, info, references, cancellationToken).ConfigureAwait(false);
        }

        var (own, assembled) = images.FirstOrDefault(image => BuildPlatform.CanBuild(info.Platform, image.Image.Platform));
        if (own is null)
        {
            return $"nothing: its store holds one image a name, not an index, and the index has no image of its platform ({info.Platform})";
        }

        var loaded = await new AssembledImageLoader(engine, info).LoadAsync(own.Directory, assembled, references, Layout(own, assembled).BaseBlobAsync, cancellationToken)
            .ConfigureAwait(false);
        return $"the {own.Platform} image only ({loaded.ImageId}): its store holds one image a name, not an index (docker pull --platform takes another platform's from the registry)";
    }

    // Only the engine's own platform's base layers may be left out: a pull of the index (docker rmi, then docker pull)
    // brings back the image of that digest with that platform's content alone.
    private async Task<string> LoadWholeAsync(IContainerEngine engine, EngineInfo info, IReadOnlyList<ImageReference> references, CancellationToken cancellationToken)
    {
        var held = await engine.InspectImageAsync(index.Digest, cancellationToken).ConfigureAwait(false) is not null;
        var record = Path.Combine(directory, AssembledImageLoader.LoadedFileName);
        var bases = string.Join(";", images.Select(image => $"{image.Image.Platform}={image.Assembled.BaseDigest}"));
        var ours = false;
        if (!held)
        {
            ours = AssembledImageLoader.Loaded.Read(record) is { Id: { } last } earlier && earlier.BaseDigest == bases
                && await engine.InspectImageAsync(last, cancellationToken).ConfigureAwait(false) is not null;
            await AssembledImageLoader.LoadWrittenAsync(engine, directory, stream => OciLayoutWriter.WriteIndexAsync(directory, index.MediaType, index.Digest,
                LayoutImages(image => !ours || !BuildPlatform.CanBuild(info.Platform, image.Platform)), references, stream, cancellationToken),
                cancellationToken).ConfigureAwait(false);

            await AtomicFile.WriteIfChangedAsync(record, new AssembledImageLoader.Loaded(index.Digest, bases).ToJson()).ConfigureAwait(false);
        }

        foreach (var reference in held ? references : references.Skip(1))
        {
            await engine.TagAsync(index.Digest, reference, cancellationToken).ConfigureAwait(false);
        }

        return $"the whole index ({index.Digest}{(held ? ", which it had: tagged only" : ours ? $", without the {info.Platform} base's layers: it holds them" : "")}): "
            + "its containerd image store holds indexes";
    }

    /// <summary>Each platform, in the order of PipelineImagePlatforms, with its manifest's digest.</summary>
    public IReadOnlyList<(string Platform, string ManifestDigest)> Platforms => images.Select(image => (image.Image.Platform, image.Assembled.ManifestDigest)).ToList();

    /// <summary>One platform's image, read from its layers (and its base's registry).</summary>
    public IStoredImage Platform(string platform)
    {
        var (image, assembled) = images.Single(entry => entry.Image.Platform == platform);
        return Layout(image, assembled);
    }

    /// <summary>The files of the first platform's image: the app's layers are every platform's, the base's are that platform's.</summary>
    public Task<IReadOnlyList<ImageFile>> ReadFilesAsync(IReadOnlyList<FileQuery> queries, CancellationToken cancellationToken) =>
        Layout(images[0].Image, images[0].Assembled).ReadFilesAsync(queries, cancellationToken);

    public void Dispose()
    {
    }

    // A platform's image, as its assembled directory holds it.
    private LayoutImage Layout(IndexedImage image, AssemblyRecord assembled) => new(image.Directory, assembled, registries, log);

    // Each platform's image for an OCI layout: with what fetches its base's layers from their registry (an archive, or a
    // load into a store that lacks them), or without them.
    private List<(string Directory, AssemblyRecord Record, Func<string, CancellationToken, Task<string>>? BaseBlob)> LayoutImages(
        Func<IndexedImage, bool> withBaseLayers) =>
        images.Select(image => (image.Image.Directory, image.Assembled,
            withBaseLayers(image.Image) ? Layout(image.Image, image.Assembled).BaseBlobAsync : (Func<string, CancellationToken, Task<string>>?)null)).ToList();
}
