using System.Text.Json;
using System.Text.Json.Serialization;
using PipelineImage.Naming;

namespace PipelineImage.Intermediate;

/// <summary>
/// PipelineImageReferencesFile (<c>bin/pipelineimage.json</c> unless set): what a publish pushed, by digest, where a CI
/// job finds it without knowing obj/, as Jib's <c>jib-image.json</c>. Written by the push, only when its text changes;
/// removed by a publish that does not push, so that it never names an image older than the last publish's.
/// </summary>
/// <param name="Image">The first reference's repository by digest: <c>name@sha256:…</c> (an index's digest with several platforms).</param>
/// <param name="Digest">The pushed manifest's (or index's) digest.</param>
/// <param name="References">Every tag pushed, with its digest and pinned reference.</param>
/// <param name="Platforms">Each platform's manifest digest, when the image is an index; else null.</param>
internal sealed record PushedImageFile(
    [property: JsonPropertyName("image")] string Image,
    [property: JsonPropertyName("digest")] string Digest,
    [property: JsonPropertyName("references")] IReadOnlyList<PushedImageReference> References,
    [property: JsonPropertyName("platforms"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? Platforms)
{
    /// <summary>The file of a push's results, in the order the tags were pushed.</summary>
    public static PushedImageFile Of(IReadOnlyList<(ImageReference Reference, string Digest)> pushed, IReadOnlyDictionary<string, string>? platforms) => new(
        Pinned(pushed[0].Reference, pushed[0].Digest), pushed[0].Digest,
        pushed.Select(result => new PushedImageReference(result.Reference.ToString(), result.Digest, Pinned(result.Reference, result.Digest))).ToList(),
        platforms is null ? null : new SortedDictionary<string, string>(platforms.ToDictionary(), StringComparer.Ordinal));

    /// <summary>A reference's repository by digest: <c>localhost:5000/train@sha256:…</c>.</summary>
    public static string Pinned(ImageReference reference, string digest) => $"{reference.Name}@{digest}";

    public string ToJson() => JsonSerializer.Serialize(this, IntermediateJson.Files).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
}

/// <param name="Reference">The tag pushed: <c>name:tag</c>.</param>
/// <param name="Digest">Its digest in the registry.</param>
/// <param name="Pinned">The same by digest: <c>name@sha256:…</c>.</param>
internal sealed record PushedImageReference(
    [property: JsonPropertyName("reference")] string Reference,
    [property: JsonPropertyName("digest")] string Digest,
    [property: JsonPropertyName("pinned")] string Pinned);
