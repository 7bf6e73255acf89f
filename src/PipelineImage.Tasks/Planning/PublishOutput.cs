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
    /// <param name="targetFileName">The main assembly's file name (TargetFileName).</param>
    /// <param name="nativeAot">
    /// PublishAot: the native executable's symbols (<c>app.dbg</c> beside <c>app</c>) stay out. The ILCompiler's targets copy
    /// them in after Publish, so after the image was planned on the first publish, and before it on the next ones (and
    /// they differ at each link): the image would change at every publish, and carry megabytes of symbols.
    /// </param>
    /// <exception cref="PipelineImageException">PIMG4005 when the directory does not exist or holds no file.</exception>
    public static IReadOnlyList<PublishedFile> Read(string directory, IReadOnlySet<string> dependencyPaths, string targetFileName = "", bool nativeAot = false)
    {
        var symbols = nativeAot ? Path.ChangeExtension(targetFileName, ".dbg") : null;
        if (!Directory.Exists(directory))
        {
            throw new PipelineImageException(DiagnosticCodes.PublishDirectoryEmpty, directory);
        }

        var files = Directory.EnumerateFiles(directory, "*", AllFiles)
            .Select(path => Path.GetRelativePath(directory, path).Replace('\\', '/'))
            .Where(relative => relative != symbols)
            .Order(StringComparer.Ordinal)
            .Select(relative => new PublishedFile(Path.Combine(directory, relative), relative, dependencyPaths.Contains(relative)))
            .ToList();
        return files.Count > 0 ? files : throw new PipelineImageException(DiagnosticCodes.PublishDirectoryEmpty, directory);
    }
}
