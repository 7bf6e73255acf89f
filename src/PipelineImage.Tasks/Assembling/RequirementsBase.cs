using PipelineImage.Naming;

namespace PipelineImage.Assembling;

/// <summary>
/// The requirements base's Dockerfile as it is built: its FROM names the base image by the digest its registry gave
/// for it, so that the content key (and the tag that carries it) stands for exactly the image it was built on. A
/// moved base tag is a new key, and so a new build.
/// </summary>
public static class RequirementsBase
{
    /// <summary>The base image by digest: its name, the tag dropped (builders refuse some name:tag@digest forms), and the digest.</summary>
    public static string Pinned(string baseImage, string digest) => $"{ReferenceParts.Split(baseImage).Name}@{digest}";

    /// <summary>The Dockerfile with its FROM line (<c>FROM <paramref name="baseImage"/></c>) naming <paramref name="pinned"/> instead.</summary>
    /// <exception cref="ArgumentException">When the Dockerfile has no such line.</exception>
    public static string Pin(string dockerfile, string baseImage, string pinned)
    {
        var from = $"FROM {baseImage}\n";
        var at = dockerfile.StartsWith(from, StringComparison.Ordinal) ? 0
            : dockerfile.IndexOf("\n" + from, StringComparison.Ordinal) is var line and >= 0 ? line + 1
            : throw new ArgumentException($"The requirements base's Dockerfile has no line 'FROM {baseImage}'.", nameof(dockerfile));
        return string.Concat(dockerfile.AsSpan(0, at), $"FROM {pinned}\n", dockerfile.AsSpan(at + from.Length));
    }
}
