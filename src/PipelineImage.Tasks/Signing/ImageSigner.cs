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
        foreach (var referrer in await Referrers.ListAsync(client, subject.Repository, subject.Digest, cancellationToken).ConfigureAwait(false))
        {
            if (referrer.Annotations.GetValueOrDefault(SigstoreBundle.PredicateTypeAnnotation, predicateType) == predicateType
                && await BundleOfAsync(client, subject.Repository, referrer, cancellationToken).ConfigureAwait(false) is { } bundle
                && SigstoreBundle.IsSignedBy(bundle, subject.Digest, predicateType, key.Verifies))
            {
                return referrer.Manifest.Digest;
            }
        }

        return null;
    }

    /// <summary>
    /// The Sigstore bundle a referrer holds, or null when it holds none. A referrers tag lists cosign's own with the
    /// artifact type of the empty config (go-containerregistry's), or none: the manifest's layer says what it is.
    /// </summary>
    public static async Task<byte[]?> BundleOfAsync(RegistryClient client, string repository, ListedReferrer referrer, CancellationToken cancellationToken)
    {
        if (referrer.ArtifactType is { } type && type != SigstoreBundle.MediaType && type != "application/vnd.oci.empty.v1+json")
        {
            return null;
        }

        var manifest = await client.GetManifestAsync(repository, referrer.Manifest.Digest, cancellationToken).ConfigureAwait(false);
        return manifest is not null && LayerOf(manifest.Value.Bytes) is { } layer
            ? await client.ReadBlobAsync(repository, layer, cancellationToken).ConfigureAwait(false)
            : null;
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
