using System.Text.Json;
using System.Text.Json.Nodes;
using PipelineImage.Registry;

namespace PipelineImage.Signing;

/// <summary>A pushed manifest to sign: its registry, repository path (as the registry API names it) and digest.</summary>
internal sealed record SigningSubject(string Registry, string Repository, string Digest)
{
    /// <summary>The repository as an image name: what the signature's statement names.</summary>
    public string Name => $"{Registry}/{Repository}";
}

/// <param name="Subject">What was signed.</param>
/// <param name="Referrer">The signature's referrer manifest.</param>
/// <param name="Reused">The registry had a signature of it by this key already (made by any runner): none was made.</param>
internal sealed record Signature(SigningSubject Subject, string Referrer, bool Reused);

/// <summary>
/// Signs statements about pushed manifests as cosign 3 does with a key (<see cref="SigstoreBundle"/>): its signature
/// (predicate type <see cref="SigstoreBundle.SignPredicateType"/>) or an attestation (any other), each attached to its
/// manifest as an OCI referrer (<see cref="Referrers"/>: the referrers API, or the referrers tag). A statement of a
/// predicate type that this key signed about the manifest already is not made again: it is found by its subject, as
/// the image is by its digest.
/// </summary>
internal sealed class ImageSigner(SigningKey key, Func<string, RegistryClient> registries)
{
    /// <exception cref="RegistryException">A registry request failed.</exception>
    public async Task<Signature> SignAsync(SigningSubject subject, string predicateType, JsonNode predicate, CancellationToken cancellationToken)
    {
        var client = registries(subject.Registry);
        if (await FindAsync(client, subject, predicateType, cancellationToken).ConfigureAwait(false) is { } earlier)
        {
            return new Signature(subject, earlier, Reused: true);
        }

        var bundle = SigstoreBundle.Sign(SigstoreBundle.Statement(subject.Name, subject.Digest, predicateType, predicate), key);
        var annotations = new Dictionary<string, string>
        {
            [SigstoreBundle.ContentAnnotation] = "dsse-envelope",
            [SigstoreBundle.PredicateTypeAnnotation] = predicateType,
        };
        var referrer = await Referrers.AttachAsync(client, subject.Repository, subject.Digest, SigstoreBundle.MediaType, SigstoreBundle.MediaType, bundle,
            layerAnnotations: null, annotations, cancellationToken).ConfigureAwait(false);
        return new Signature(subject, referrer, Reused: false);
    }

    // A referrer of the subject that is a bundle of this predicate type this key made of it; its digest.
    private async Task<string?> FindAsync(RegistryClient client, SigningSubject subject, string predicateType, CancellationToken cancellationToken)
    {
        var candidates = (await Referrers.ListAsync(client, subject.Repository, subject.Digest, cancellationToken).ConfigureAwait(false))
            .Where(referrer => referrer.ArtifactType == SigstoreBundle.MediaType
                && referrer.Annotations.GetValueOrDefault(SigstoreBundle.PredicateTypeAnnotation, predicateType) == predicateType);
        foreach (var candidate in candidates)
        {
            var manifest = await client.GetManifestAsync(subject.Repository, candidate.Manifest.Digest, cancellationToken).ConfigureAwait(false);
            if (manifest is null || LayerOf(manifest.Value.Bytes) is not { } layer)
            {
                continue;
            }

            var bundle = await client.ReadBlobAsync(subject.Repository, layer, cancellationToken).ConfigureAwait(false);
            if (SigstoreBundle.IsSignedBy(bundle, subject.Digest, predicateType, key))
            {
                return candidate.Manifest.Digest;
            }
        }

        return null;
    }

    // The digest of a bundle referrer's one layer.
    private static string? LayerOf(byte[] manifest)
    {
        try
        {
            using var document = JsonDocument.Parse(manifest);
            return document.RootElement.GetProperty("layers").EnumerateArray()
                .Where(layer => layer.GetProperty("mediaType").GetString() == SigstoreBundle.MediaType)
                .Select(layer => layer.GetProperty("digest").GetString()).FirstOrDefault();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}
