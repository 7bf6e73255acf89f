using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PipelineImage.Assembling;
using PipelineImage.Registry;

namespace PipelineImage.Sbom;

/// <summary>
/// Attaches the bill of materials to a pushed image as an OCI referrer: an artifact manifest (artifactType CycloneDX,
/// the empty config, the document as its one layer) whose <c>subject</c> is the image's manifest. A registry with the
/// referrers API indexes it from the subject (it answers <c>OCI-Subject</c>); for one without, the referrers tag
/// schema of the distribution spec: an index under the tag <c>sha256-&lt;hex&gt;</c> of the image lists it.
/// </summary>
internal static class SbomReferrer
{
    public const string ArtifactType = "application/vnd.cyclonedx+json";

    /// <summary>The empty config of artifacts, <c>{}</c>, and its digest.</summary>
    public static readonly byte[] EmptyConfig = "{}"u8.ToArray();

    private const string EmptyConfigType = "application/vnd.oci.empty.v1+json";

    /// <summary>The name the bill's layer carries (<c>org.opencontainers.image.title</c>): what <c>oras pull</c> writes it as.</summary>
    public const string FileName = "sbom.cdx.json";

    /// <summary>The artifact manifest of a bill for a subject.</summary>
    public static byte[] Manifest(byte[] sbom, Descriptor subject)
    {
        // oras pull (and other artifact clients) write a layer to a file only when it has a title.
        var layer = Node(new Descriptor(ArtifactType, ContentDigest.Of(sbom), sbom.Length));
        layer["annotations"] = new JsonObject { ["org.opencontainers.image.title"] = FileName };
        return Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciManifest,
            ["artifactType"] = ArtifactType,
            ["config"] = Node(new Descriptor(EmptyConfigType, ContentDigest.Of(EmptyConfig), EmptyConfig.Length)),
            ["layers"] = new JsonArray(layer),
            ["subject"] = Node(subject),
        }.ToJsonString());
    }

    /// <summary>The referrers tag of a subject digest (the distribution spec's fallback).</summary>
    public static string FallbackTag(string subjectDigest) => subjectDigest.Replace(':', '-');

    /// <summary>The fallback index with the referrer added (once), keeping what another tool listed there.</summary>
    public static byte[] Index(byte[]? existing, Descriptor referrer)
    {
        var index = existing is null ? null : JsonNode.Parse(existing) as JsonObject;
        var manifests = index?["manifests"] as JsonArray ?? new JsonArray();
        if (!manifests.Any(entry => entry?["digest"]?.GetValue<string>() == referrer.Digest))
        {
            var node = Node(referrer);
            node["artifactType"] = ArtifactType;
            manifests.Add(node);
        }

        return Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciIndex,
            ["manifests"] = manifests.DeepClone(),
        }.ToJsonString());
    }

    /// <summary>Attaches the bill to the image <paramref name="subjectDigest"/> of the repository; the referrer's digest.</summary>
    public static async Task<string> AttachAsync(RegistryClient client, string repository, string subjectDigest, byte[] sbom, CancellationToken cancellationToken)
    {
        var subject = await client.GetManifestAsync(repository, subjectDigest, cancellationToken).ConfigureAwait(false)
            ?? throw new RegistryException(RegistryFailure.Failed, $"the registry has no manifest {subjectDigest} in {repository} to attach the bill of materials to")
            { Registry = client.Registry };
        foreach (var blob in new[] { EmptyConfig, sbom })
        {
            var digest = ContentDigest.Of(blob);
            if (!await client.HasBlobAsync(repository, digest, cancellationToken).ConfigureAwait(false))
            {
                await client.UploadAsync(repository, digest, blob.Length, () => new MemoryStream(blob, writable: false), cancellationToken).ConfigureAwait(false);
            }
        }

        var manifest = Manifest(sbom, new Descriptor(subject.MediaType, subject.Digest, subject.Bytes.Length));
        var referrer = new Descriptor(MediaTypes.OciManifest, ContentDigest.Of(manifest), manifest.Length);
        var (_, indexed) = await client.PutManifestAsync(repository, referrer.Digest, MediaTypes.OciManifest, manifest, cancellationToken)
            .ConfigureAwait(false);
        if (!indexed)
        {
            var tag = FallbackTag(subjectDigest);
            var existing = await client.GetManifestAsync(repository, tag, cancellationToken).ConfigureAwait(false);
            await client.PutManifestAsync(repository, tag, MediaTypes.OciIndex, Index(existing?.Bytes, referrer), cancellationToken).ConfigureAwait(false);
        }

        return referrer.Digest;
    }

    private static JsonObject Node(Descriptor descriptor) =>
        new() { ["mediaType"] = descriptor.MediaType, ["digest"] = descriptor.Digest, ["size"] = descriptor.Size };
}
