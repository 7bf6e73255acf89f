using PipelineImage.Diagnostics;

namespace PipelineImage.Planning;

/// <summary>
/// What the publish really wrote: every file under the publish directory, whatever the shape of the publish
/// (a single-file bundle, a native AOT executable, ReadyToRun or trimmed assemblies), as the .NET SDK's container
/// support layers its publish directory. The publish items only say which files came from NuGet packages.
/// </summary>
internal static class PublishOutput
{
    private static readonly EnumerationOptions AllFiles = new()
    {
        RecurseSubdirectories = true,
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        ReturnSpecialDirectories = false,
    };

    /// <param name="directory">The publish directory.</param>
    /// <param name="dependencyPaths">Paths relative to it (with <c>/</c>) of the files that come from NuGet packages.</param>
    /// <exception cref="PipelineImageException">PIMG4005 when the directory does not exist or holds no file.</exception>
    public static IReadOnlyList<PublishedFile> Read(string directory, IReadOnlySet<string> dependencyPaths)
    {
        if (!Directory.Exists(directory))
        {
            throw new PipelineImageException(DiagnosticCodes.PublishDirectoryEmpty, directory);
        }

        var files = Directory.EnumerateFiles(directory, "*", AllFiles)
            .Select(path => Path.GetRelativePath(directory, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .Select(relative => new PublishedFile(Path.Combine(directory, relative), relative, dependencyPaths.Contains(relative)))
            .ToList();
        return files.Count > 0 ? files : throw new PipelineImageException(DiagnosticCodes.PublishDirectoryEmpty, directory);
    }
}
