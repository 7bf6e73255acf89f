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
    /// <param name="subject">The manifest the statement is about.</param>
    /// <param name="predicateType">The statement's predicate type.</param>
    /// <param name="predicate">The predicate, made only when no statement of this key and type is there yet.</param>
    /// <param name="cancellationToken">Ends it.</param>
    /// <exception cref="RegistryException">A registry request failed.</exception>
    public async Task<Signature> SignAsync(SigningSubject subject, string predicateType, Func<Task<JsonNode>> predicate, CancellationToken cancellationToken)
    {
        var client = registries(subject.Registry);
        if ((await FindAsync(client, subject.Repository, subject.Digest, predicateType, key.Verifies, cancellationToken).ConfigureAwait(false)).Referrer is { } earlier)
        {
            return new Signature(subject, earlier, Reused: true);
        }

        var statement = SigstoreBundle.Statement(subject.Name, subject.Digest, predicateType, await predicate().ConfigureAwait(false));
        var annotations = new Dictionary<string, string>
        {
            [SigstoreBundle.ContentAnnotation] = "dsse-envelope",
            [SigstoreBundle.PredicateTypeAnnotation] = predicateType,
        };
        var referrer = await Referrers.AttachAsync(client, subject.Repository, subject.Digest, SigstoreBundle.MediaType, SigstoreBundle.MediaType,
            SigstoreBundle.Sign(statement, key), layerAnnotations: null, annotations, cancellationToken).ConfigureAwait(false);
        return new Signature(subject, referrer, Reused: false);
    }

    /// <summary>
    /// Among a manifest's referrers, a Sigstore bundle of <paramref name="predicateType"/> about it that
    /// <paramref name="verifies"/> (data, DER signature) accepts: made by this package or by cosign, by any runner.
    /// </summary>
    /// <returns>That referrer's digest, or null; and how many bundles of that type the manifest has.</returns>
    /// <exception cref="RegistryException">A registry request failed.</exception>
    public static async Task<(string? Referrer, int Bundles)> FindAsync(RegistryClient client, string repository, string digest, string predicateType,
        Func<byte[], byte[], bool> verifies, CancellationToken cancellationToken)
    {
        var bundles = 0;
        foreach (var referrer in await Referrers.ListAsync(client, repository, digest, cancellationToken).ConfigureAwait(false))
        {
            // cosign's entries of the referrers tag carry no annotations: their bundle says what they are.
            if (referrer.Annotations.GetValueOrDefault(SigstoreBundle.PredicateTypeAnnotation, predicateType) != predicateType
                || await BundleOfAsync(client, repository, referrer, cancellationToken).ConfigureAwait(false) is not { } bundle)
            {
                continue;
            }

            bundles++;
            if (SigstoreBundle.IsSignedBy(bundle, digest, predicateType, verifies))
            {
                return (referrer.Manifest.Digest, bundles);
            }
        }

        return (null, bundles);
    }

    // The Sigstore bundle a referrer holds, or null when it holds none. A referrers tag lists cosign's own with the
    // artifact type of the empty config (go-containerregistry's), or none: the manifest's layer says what it is.
    private static async Task<byte[]?> BundleOfAsync(RegistryClient client, string repository, ListedReferrer referrer, CancellationToken cancellationToken)
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
