namespace PipelineImage.Context;

/// <summary>
/// Finds what <c>docker build</c> would send from a directory tree given its ignore rules, the way the Docker CLI
/// walks a context for the classic builder: paths in ordinal order, each evaluated with its parent's result, an
/// excluded directory skipped unless an exception may re-include something below it, symbolic links sent as
/// links and never followed (a link out of the tree stays a link), empty directories kept.
/// </summary>
internal static class ContextWalker
{
    /// <summary>Walks <paramref name="root"/>; <paramref name="alwaysExcluded"/> names top-level entries never sent.</summary>
    public static IReadOnlyList<ContextEntry> Walk(string root, DockerIgnoreMatcher matcher, IReadOnlyCollection<string> alwaysExcluded)
    {
        var entries = new List<ContextEntry>();
        WalkDirectory(new DirectoryInfo(root), "", null, matcher, alwaysExcluded, entries);
        return entries;
    }

    /// <summary>
    /// Whether a file at <paramref name="relativePath"/> would be sent: evaluated along its parent directories as
    /// the walk would, including the walk skipping an excluded parent.
    /// </summary>
    public static bool IsSent(string relativePath, DockerIgnoreMatcher matcher)
    {
        var segments = relativePath.Split('/');
        DockerIgnoreResult? parent = null;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            var directory = string.Join('/', segments, 0, i + 1);
            parent = matcher.Evaluate(directory, parent);
            if (parent.IsExcluded && matcher.CanSkipExcludedDirectory(directory))
            {
                return false;
            }
        }

        return !matcher.Evaluate(relativePath, parent).IsExcluded;
    }

    private static void WalkDirectory(
        DirectoryInfo directory, string prefix, DockerIgnoreResult? parent, DockerIgnoreMatcher matcher,
        IReadOnlyCollection<string> alwaysExcluded, List<ContextEntry> entries)
    {
        foreach (var info in directory.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            var relativePath = prefix + info.Name;
            if (prefix.Length == 0 && alwaysExcluded.Contains(info.Name))
            {
                continue;
            }

            var result = matcher.Evaluate(relativePath, parent);
            var isLink = info.LinkTarget is not null;
            if (info is DirectoryInfo subdirectory && !isLink)
            {
                if (result.IsExcluded && matcher.CanSkipExcludedDirectory(relativePath))
                {
                    continue;
                }

                if (!result.IsExcluded)
                {
                    entries.Add(ContextEntry.FromDirectory(relativePath, FileMode(info)));
                }

                WalkDirectory(subdirectory, relativePath + "/", result, matcher, alwaysExcluded, entries);
            }
            else if (!result.IsExcluded)
            {
                entries.Add(isLink
                    ? ContextEntry.FromSymlink(relativePath, info.LinkTarget!)
                    : ContextEntry.FromFile(relativePath, info.FullName, mode: FileMode(info)));
            }
        }
    }

    private static UnixFileMode? FileMode(FileSystemInfo info) =>
        OperatingSystem.IsWindows() ? null : info.UnixFileMode & (UnixFileMode)0x1FF;
}
