using PipelineImage.Registry;

namespace PipelineImage.Sbom;

/// <summary>
/// Attaches the bill of materials to a pushed image as an OCI referrer (<see cref="Referrers"/>): artifactType
/// CycloneDX, the document as its one layer, titled so that <c>oras pull</c> writes it as a file.
/// </summary>
internal static class SbomReferrer
{
    public const string ArtifactType = "application/vnd.cyclonedx+json";

    /// <summary>The name the bill's layer carries (<c>org.opencontainers.image.title</c>): what <c>oras pull</c> writes it as.</summary>
    public const string FileName = "sbom.cdx.json";

    private static readonly IReadOnlyDictionary<string, string> Title = new Dictionary<string, string> { ["org.opencontainers.image.title"] = FileName };

    /// <summary>The artifact manifest of a bill for a subject.</summary>
    public static byte[] Manifest(byte[] sbom, Descriptor subject) =>
        Referrers.Manifest(ArtifactType, new Descriptor(ArtifactType, ContentDigest.Of(sbom), sbom.Length), Title, subject, annotations: null);

    /// <summary>The fallback index with the bill's referrer added (once), keeping what another tool listed there.</summary>
    public static byte[] Index(byte[]? existing, Descriptor referrer) => Referrers.Index(existing, referrer, ArtifactType, annotations: null);

    /// <summary>Attaches the bill to the image <paramref name="subjectDigest"/> of the repository; the referrer's digest.</summary>
    public static Task<string> AttachAsync(RegistryClient client, string repository, string subjectDigest, byte[] sbom, CancellationToken cancellationToken) =>
        Referrers.AttachAsync(client, repository, subjectDigest, ArtifactType, ArtifactType, sbom, Title, annotations: null, cancellationToken);
}
