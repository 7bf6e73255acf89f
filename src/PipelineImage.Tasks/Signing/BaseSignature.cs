using PipelineImage.Assembling;
using PipelineImage.Diagnostics;
using PipelineImage.Naming;
using PipelineImage.Registry;

namespace PipelineImage.Signing;

/// <summary>
/// PipelineImageBaseVerificationKey: before anything is built, the base image (the digest its reference names in its
/// registry: an index's, for a base of several platforms) must have a cosign signature (a Sigstore bundle referrer,
/// <see cref="SigstoreBundle.SignPredicateType"/>, as cosign 3 or this package makes it) that the key verifies.
/// </summary>
internal static class BaseSignature
{
    /// <summary>The digest of <paramref name="baseImage"/> in its registry that the key in <paramref name="keyPath"/> verifies a signature of.</summary>
    /// <exception cref="PipelineImageException">PIMG2060 when it has none (or the key is none), PIMG1018 when its registry fails.</exception>
    public static async Task<string> VerifyAsync(RegistryClients registries, string baseImage, string keyPath, CancellationToken cancellationToken)
    {
        using var key = VerificationKey.Load(keyPath, baseImage);
        var parts = ReferenceParts.Split(baseImage);
        var repository = RepositoryName.Of(parts.Name);
        try
        {
            return await VerifyAsync(registries.For(repository.Registry), repository.Path, parts.Digest ?? parts.Tag ?? "latest", baseImage, keyPath, key, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (RegistryException e)
        {
            throw RegistryClients.BaseFailure(e, baseImage);
        }
    }

    /// <summary>The digest verified.</summary>
    /// <param name="client">The base's registry.</param>
    /// <param name="repository">The base's repository there.</param>
    /// <param name="reference">Its tag or digest.</param>
    /// <param name="baseImage">The base as PipelineImageBase names it, for the messages.</param>
    /// <param name="keyPath">PipelineImageBaseVerificationKey, full.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Ends it.</param>
    /// <exception cref="PipelineImageException">PIMG2060 when the base has no signature the key verifies.</exception>
    /// <exception cref="RegistryException">A registry request failed.</exception>
    public static async Task<string> VerifyAsync(RegistryClient client, string repository, string reference, string baseImage, string keyPath, VerificationKey key,
        CancellationToken cancellationToken)
    {
        var manifest = await client.GetManifestAsync(repository, reference, cancellationToken).ConfigureAwait(false)
            ?? throw new PipelineImageException(DiagnosticCodes.BaseNotVerified, baseImage, keyPath, $"cannot verify it: its registry has no {repository}:{reference}");
        var digest = manifest.Digest;
        var (verified, bundles) = await ImageSigner.FindAsync(client, repository, digest, SigstoreBundle.SignPredicateType, key.Verifies, cancellationToken)
            .ConfigureAwait(false);
        if (verified is not null)
        {
            return digest;
        }

        throw new PipelineImageException(DiagnosticCodes.BaseNotVerified, baseImage, keyPath, bundles == 0
            ? $"finds no signature of {digest} (no Sigstore bundle among its referrers): use a base its publisher signed, or sign it (cosign sign --key)"
            : $"verifies none of the {bundles} Sigstore bundle(s) of {digest}: it was signed with another key, or not as a cosign signature; use the signer's public key");
    }
}
