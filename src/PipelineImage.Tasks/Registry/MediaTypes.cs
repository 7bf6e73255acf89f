using System.Security.Cryptography;
using System.Text.Json;

namespace PipelineImage.Registry;

/// <summary>A content descriptor: what a manifest says of a blob.</summary>
internal sealed record Descriptor(string MediaType, string Digest, long Size)
{
    /// <summary>A descriptor as a manifest has it (<c>mediaType</c>, <c>digest</c>, <c>size</c>).</summary>
    public static Descriptor Read(JsonElement element) =>
        new(element.GetProperty("mediaType").GetString() ?? "", element.GetProperty("digest").GetString() ?? "", element.GetProperty("size").GetInt64());
}

/// <summary>The media types of the two manifest families; an image keeps its base's.</summary>
internal static class MediaTypes
{
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string DockerUncompressedLayer = "application/vnd.docker.image.rootfs.diff.tar";
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciUncompressedLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciZstdLayer = "application/vnd.oci.image.layer.v1.tar+zstd";

    /// <summary>What a manifest GET accepts: images, and the lists that point at one per platform.</summary>
    public static readonly string[] Manifests = [OciManifest, DockerManifest, OciIndex, DockerManifestList];

    public static bool IsList(string mediaType) => mediaType is DockerManifestList or OciIndex;
}

/// <summary>The digests of the distribution spec: <c>sha256:</c> and the hex of the content's hash.</summary>
internal static class ContentDigest
{
    /// <summary>The <c>sha256:</c> digest of bytes.</summary>
    public static string Of(ReadOnlySpan<byte> bytes) => FromHash(SHA256.HashData(bytes));

    /// <summary>The <c>sha256:</c> digest of what is left in a stream.</summary>
    public static string Of(Stream stream) => FromHash(SHA256.HashData(stream));

    /// <summary>The digest of a SHA-256 hash already computed (incrementally, or asynchronously).</summary>
    public static string FromHash(ReadOnlySpan<byte> sha256) => "sha256:" + Convert.ToHexString(sha256).ToLowerInvariant();
}
