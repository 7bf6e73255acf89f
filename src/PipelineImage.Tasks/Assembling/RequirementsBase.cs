using PipelineImage.Naming;

namespace PipelineImage.Assembling;

/// <summary>
/// The requirements base's Dockerfile as it is built: its FROM names the base image by the digest its registry gave
/// for it, or, built by an engine on the base as that engine holds it, a comment under FROM names the engine's id of
/// it; so that the content key (and the tag that carries it) stands for exactly the image it was built on. A moved
/// base tag is a new key, and so a new build.
/// </summary>
internal static class RequirementsBase
{
    /// <summary>The base image by digest: its name, the tag dropped (builders refuse some name:tag@digest forms), and the digest.</summary>
    public static string Pinned(string baseImage, string digest) => $"{ReferenceParts.Split(baseImage).Name}@{digest}";

    /// <summary>The Dockerfile with its FROM line (<c>FROM <paramref name="baseImage"/></c>) naming <paramref name="pinned"/> instead.</summary>
    /// <exception cref="ArgumentException">When the Dockerfile has no such line.</exception>
    public static string Pin(string dockerfile, string baseImage, string pinned) => ReplaceFrom(dockerfile, baseImage, $"FROM {pinned}\n");

    /// <summary>The Dockerfile with a comment under its FROM line: the engine's id of the base it builds on.</summary>
    /// <exception cref="ArgumentException">When the Dockerfile has no such line.</exception>
    public static string Note(string dockerfile, string baseImage, string imageId) =>
        ReplaceFrom(dockerfile, baseImage, $"FROM {baseImage}\n# {baseImage} is {imageId} in the engine that builds this\n");

    private static string ReplaceFrom(string dockerfile, string baseImage, string replacement)
    {
        var from = $"FROM {baseImage}\n";
        var at = dockerfile.StartsWith(from, StringComparison.Ordinal) ? 0
            : dockerfile.IndexOf("\n" + from, StringComparison.Ordinal) is var line and >= 0 ? line + 1
            : throw new ArgumentException($"The requirements base's Dockerfile has no line 'FROM {baseImage}'.", nameof(dockerfile));
        return string.Concat(dockerfile.AsSpan(0, at), replacement, dockerfile.AsSpan(at + from.Length));
    }
}
