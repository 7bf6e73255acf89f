using PipelineImage.Assembling;
using PipelineImage.Intermediate;
using PipelineImage.Registry;

namespace PipelineImage.ImageStore;

/// <summary>
/// A push that need not be made again: image.json records the digest each reference was pushed with (the build keeps that
/// record only while the image, where it is and its references stay the same), and every registry still has that digest
/// under the tag. Then nothing is asked of the engine, and nothing is uploaded.
/// </summary>
internal static class EarlierPush
{
    /// <summary>Each reference with the digest its registry has under its tag, when all of them still hold; else null (push).</summary>
    /// <param name="record">image.json.</param>
    /// <param name="registries">The registries' clients; a registry that does not answer means a push, which reports it.</param>
    /// <param name="cancellationToken">Ends the requests.</param>
    public static async Task<IReadOnlyList<PushedReference>?> StillHoldsAsync(ImageRecord record, RegistryClients registries, CancellationToken cancellationToken)
    {
        if (record.Pushed is not { } pushed)
        {
            return null;
        }

        var held = new List<PushedReference>();
        foreach (var reference in record.AllReferences())
        {
            if (!pushed.TryGetValue(reference.ToString(), out var digest))
            {
                return null;
            }

            var repository = RepositoryName.Of(reference.Name);
            try
            {
                var current = await registries.For(repository.Registry).GetManifestAsync(repository.Path, reference.Tag, cancellationToken).ConfigureAwait(false);
                if (current?.Digest != digest)
                {
                    return null;
                }
            }
            catch (RegistryException)
            {
                return null;
            }

            held.Add(new PushedReference(reference, digest, 0));
        }

        return held;
    }
}
