using System.Text.Json;
using PipelineImage.Naming;
using PipelineImage.Registry;

namespace PipelineImage.Assembling;

/// <param name="Digest">The manifest digest the registry stored.</param>
/// <param name="BytesUploaded">The bytes of the blobs uploaded (compressed, as they crossed the network).</param>
/// <param name="BlobsUploaded">How many blobs were uploaded.</param>
/// <param name="BlobsPresent">How many the repository had, or took as a mount from another of the registry.</param>
internal sealed record AssembledPush(string Digest, long BytesUploaded, int BlobsUploaded, int BlobsPresent);

/// <summary>
/// Pushes what the assembler wrote through the registry API: every blob the repository lacks (ours from the assembled
/// directory; the base's mounted from its repository when it is in the same registry, else copied from the base's
/// registry), then the manifest under each tag, last, so that no tag ever names an image whose blobs are not all
/// there. A repository that already has the manifest gets only the tags, and nothing is uploaded.
/// </summary>
/// <param name="registry">The client of a registry, credentials resolved.</param>
/// <param name="log">Where progress goes.</param>
internal sealed class AssembledImagePusher(Func<string, RegistryClient> registry, Action<string> log)
{
    /// <exception cref="RegistryException">When a request fails after its retries.</exception>
    public Task<AssembledPush> PushAsync(string directory, AssemblyRecord record, ImageReference reference, CancellationToken cancellationToken) =>
        PushAsync(directory, record, RepositoryName.Of(reference.Name), reference.Tag, cancellationToken);

    /// <summary>The same, under <paramref name="tagOrDigest"/>: a tag, or the manifest's own digest for an image an index names (untagged).</summary>
    /// <exception cref="RegistryException">When a request fails after its retries.</exception>
    public async Task<AssembledPush> PushAsync(string directory, AssemblyRecord record, RepositoryName target, string tagOrDigest, CancellationToken cancellationToken)
    {
        var client = registry(target.Registry);
        var manifest = await File.ReadAllBytesAsync(AssemblyRecord.BlobPath(directory, record.ManifestDigest), cancellationToken).ConfigureAwait(false);
        long bytes = 0;
        int uploaded = 0, present = 0;
        if (!await client.HasManifestAsync(target.Path, record.ManifestDigest, cancellationToken).ConfigureAwait(false))
        {
            using var document = JsonDocument.Parse(manifest);
            var blobs = document.RootElement.GetProperty("layers").EnumerateArray().Append(document.RootElement.GetProperty("config"))
                .Select(blob => (Digest: blob.GetProperty("digest").GetString()!, Size: blob.GetProperty("size").GetInt64()))
                .DistinctBy(blob => blob.Digest).ToList();
            foreach (var (digest, size) in blobs)
            {
                if (await client.HasBlobAsync(target.Path, digest, cancellationToken).ConfigureAwait(false))
                {
                    present++;
                    continue;
                }

                var local = AssemblyRecord.BlobPath(directory, digest);
                if (File.Exists(local))
                {
                    await client.UploadAsync(target.Path, digest, size, () => File.OpenRead(local), cancellationToken).ConfigureAwait(false);
                }
                else if (record.Base.Registry == target.Registry
                    && await client.MountAsync(target.Path, digest, record.Base.Path, cancellationToken).ConfigureAwait(false))
                {
                    present++;
                    continue;
                }
                else
                {
                    // A base layer from another registry: downloaded (an upload may need to seek), uploaded, deleted.
                    var fetched = await record.FetchBaseBlobAsync(registry, directory, digest, cancellationToken).ConfigureAwait(false);
                    try
                    {
                        await client.UploadAsync(target.Path, digest, size, () => File.OpenRead(fetched), cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        File.Delete(fetched);
                    }
                }

                log($"Uploaded {digest} ({size} bytes) to {target}");
                bytes += size;
                uploaded++;
            }
        }
        else
        {
            log($"{target} already has {record.ManifestDigest}" + (tagOrDigest == record.ManifestDigest ? "" : $": only the tag {tagOrDigest} is added"));
        }

        var (stored, _) = await client.PutManifestAsync(target.Path, tagOrDigest, record.ManifestMediaType, manifest, cancellationToken).ConfigureAwait(false);
        return new AssembledPush(stored, bytes, uploaded, present);
    }
}
