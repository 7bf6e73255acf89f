using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PipelineImage.Registry;

/// <summary>A referrer of a subject, as its index lists it.</summary>
/// <param name="Manifest">The referrer's manifest.</param>
/// <param name="ArtifactType">Its artifact type.</param>
/// <param name="Annotations">Its annotations, as the index gives them.</param>
internal sealed record ListedReferrer(Descriptor Manifest, string? ArtifactType, IReadOnlyDictionary<string, string> Annotations);

/// <summary>
/// OCI referrers: an artifact manifest (its artifact type, the empty config, one layer of content) whose
/// <c>subject</c> is an image's manifest. A registry with the referrers API indexes it from the subject (it answers
/// <c>OCI-Subject</c>); for one without, the referrers tag schema of the distribution spec: an index under the tag
/// <c>sha256-&lt;hex&gt;</c> of the subject lists it, with its artifact type and annotations.
/// </summary>
internal static class Referrers
{
    /// <summary>The empty config of artifacts, <c>{}</c>.</summary>
    public static readonly byte[] EmptyConfig = "{}"u8.ToArray();

    private const string EmptyConfigType = "application/vnd.oci.empty.v1+json";

    /// <summary>The artifact manifest of one layer of content about a subject.</summary>
    public static byte[] Manifest(string artifactType, Descriptor layer, IReadOnlyDictionary<string, string>? layerAnnotations, Descriptor subject,
        IReadOnlyDictionary<string, string>? annotations)
    {
        var layerNode = Node(layer);
        if (layerAnnotations is { Count: > 0 })
        {
            layerNode["annotations"] = Annotations(layerAnnotations);
        }

        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciManifest,
            ["artifactType"] = artifactType,
            ["config"] = Node(new Descriptor(EmptyConfigType, ContentDigest.Of(EmptyConfig), EmptyConfig.Length)),
            ["layers"] = new JsonArray(layerNode),
            ["subject"] = Node(subject),
        };
        if (annotations is { Count: > 0 })
        {
            manifest["annotations"] = Annotations(annotations);
        }

        return Encoding.UTF8.GetBytes(manifest.ToJsonString());
    }

    /// <summary>The referrers tag of a subject digest (the distribution spec's fallback).</summary>
    public static string FallbackTag(string subjectDigest) => subjectDigest.Replace(':', '-');

    /// <summary>The fallback index with the referrer added (once), keeping what another tool listed there.</summary>
    public static byte[] Index(byte[]? existing, Descriptor referrer, string artifactType, IReadOnlyDictionary<string, string>? annotations)
    {
        var index = existing is null ? null : JsonNode.Parse(existing) as JsonObject;
        var manifests = index?["manifests"] as JsonArray ?? new JsonArray();
        if (!manifests.Any(entry => entry?["digest"]?.GetValue<string>() == referrer.Digest))
        {
            var node = Node(referrer);
            node["artifactType"] = artifactType;
            if (annotations is { Count: > 0 })
            {
                node["annotations"] = Annotations(annotations);
            }

            manifests.Add(node);
        }

        return Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciIndex,
            ["manifests"] = manifests.DeepClone(),
        }.ToJsonString());
    }

    /// <summary>Attaches <paramref name="content"/> to the image <paramref name="subjectDigest"/> of the repository; the referrer's digest.</summary>
    public static async Task<string> AttachAsync(RegistryClient client, string repository, string subjectDigest, string artifactType, string layerMediaType,
        byte[] content, IReadOnlyDictionary<string, string>? layerAnnotations, IReadOnlyDictionary<string, string>? annotations, CancellationToken cancellationToken)
    {
        var subject = await client.GetManifestAsync(repository, subjectDigest, cancellationToken).ConfigureAwait(false)
            ?? throw new RegistryException(RegistryFailure.Failed, $"the registry has no manifest {subjectDigest} in {repository} to attach {artifactType} to")
            { Registry = client.Registry };
        foreach (var blob in new[] { EmptyConfig, content })
        {
            var digest = ContentDigest.Of(blob);
            if (!await client.HasBlobAsync(repository, digest, cancellationToken).ConfigureAwait(false))
            {
                await client.UploadAsync(repository, digest, blob.Length, () => new MemoryStream(blob, writable: false), cancellationToken).ConfigureAwait(false);
            }
        }

        var manifest = Manifest(artifactType, new Descriptor(layerMediaType, ContentDigest.Of(content), content.Length), layerAnnotations,
            new Descriptor(subject.MediaType, subject.Digest, subject.Bytes.Length), annotations);
        var referrer = new Descriptor(MediaTypes.OciManifest, ContentDigest.Of(manifest), manifest.Length);
        var (_, indexed) = await client.PutManifestAsync(repository, referrer.Digest, MediaTypes.OciManifest, manifest, cancellationToken)
            .ConfigureAwait(false);
        if (!indexed)
        {
            var tag = FallbackTag(subjectDigest);
            var existing = await client.GetManifestAsync(repository, tag, cancellationToken).ConfigureAwait(false);
            await client.PutManifestAsync(repository, tag, MediaTypes.OciIndex, Index(existing?.Bytes, referrer, artifactType, annotations), cancellationToken)
                .ConfigureAwait(false);
        }

        return referrer.Digest;
    }

    /// <summary>The referrers of a subject: from the referrers API, else the referrers tag; none when neither lists any.</summary>
    public static async Task<IReadOnlyList<ListedReferrer>> ListAsync(RegistryClient client, string repository, string subjectDigest, CancellationToken cancellationToken)
    {
        var index = await client.GetReferrersAsync(repository, subjectDigest, cancellationToken).ConfigureAwait(false)
            ?? (await client.GetManifestAsync(repository, FallbackTag(subjectDigest), cancellationToken).ConfigureAwait(false))?.Bytes;
        if (index is null)
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(index);
            return document.RootElement.TryGetProperty("manifests", out var manifests) && manifests.ValueKind == JsonValueKind.Array
                ? manifests.EnumerateArray().Select(entry => new ListedReferrer(
                    new Descriptor(entry.GetProperty("mediaType").GetString() ?? "", entry.GetProperty("digest").GetString() ?? "", entry.GetProperty("size").GetInt64()),
                    entry.TryGetProperty("artifactType", out var type) ? type.GetString() : null,
                    entry.TryGetProperty("annotations", out var annotations) && annotations.ValueKind == JsonValueKind.Object
                        ? annotations.EnumerateObject().ToDictionary(a => a.Name, a => a.Value.GetString() ?? "", StringComparer.Ordinal)
                        : new Dictionary<string, string>())).ToList()
                : [];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return [];
        }
    }

    private static JsonObject Annotations(IReadOnlyDictionary<string, string> annotations) =>
        new(annotations.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value)));

    private static JsonObject Node(Descriptor descriptor) =>
        new() { ["mediaType"] = descriptor.MediaType, ["digest"] = descriptor.Digest, ["size"] = descriptor.Size };
}
