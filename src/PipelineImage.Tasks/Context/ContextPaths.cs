namespace PipelineImage.Context;

/// <summary>The one rule for "inside this directory", for every path that must be sent from under a root.</summary>
internal static class ContextPaths
{
    /// <summary>
    /// <paramref name="fullPath"/> relative to <paramref name="root"/>, with <c>/</c>; null when it is not under it
    /// (it is the root's parent or beyond, <c>..</c> itself included, or on another drive).
    /// </summary>
    public static string? RelativeInside(string root, string fullPath)
    {
        var relative = Path.GetRelativePath(root, fullPath).Replace('\\', '/');
        return relative == ".." || relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? null : relative;
    }
}
