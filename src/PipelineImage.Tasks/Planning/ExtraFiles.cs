using PipelineImage.Context;
using PipelineImage.Diagnostics;

namespace PipelineImage.Planning;

/// <param name="Item">The item as the project names it, for messages.</param>
/// <param name="FullPath">Where the file is.</param>
/// <param name="Destination">Its Destination metadata: a path in the image, or a directory ending in '/'.</param>
/// <param name="Link">Its Link metadata: where the SDK would put it in the output.</param>
/// <param name="RecursiveDir">Its %(RecursiveDir), for wildcard items.</param>
internal sealed record ExtraFileItem(string Item, string FullPath, string Destination = "", string Link = "", string RecursiveDir = "");

/// <summary>Where the build context starts and where each PipelineImageFile item goes in the image.</summary>
internal static class ExtraFiles
{
    /// <summary>
    /// PipelineImageContextRoot (relative to the project directory) when set; else the repository root (the nearest
    /// directory with .git) when source files are sent, else the project directory.
    /// </summary>
    public static string ContextRoot(string projectDirectory, string contextRoot, bool includeSourceFiles) =>
        contextRoot.Trim().Length > 0 ? Path.GetFullPath(Path.Combine(projectDirectory, contextRoot.Trim()))
        : includeSourceFiles ? IgnoreRules.FindRepositoryRoot(projectDirectory) ?? projectDirectory
        : projectDirectory;

    /// <summary>The item's path in the context, relative to the context root.</summary>
    /// <exception cref="PipelineImageException">PIMG3003 when the file is outside the context.</exception>
    public static string ContextPath(ExtraFileItem item, string contextRoot) =>
        ContextPaths.RelativeInside(contextRoot, item.FullPath)
        ?? throw new PipelineImageException(DiagnosticCodes.FileOutsideContext, item.Item, item.FullPath, contextRoot);

    /// <summary>
    /// The item's path in the image. Destination ending in '/' is a directory, under which the item's %(RecursiveDir)
    /// and file name go. Without one, as the SDK places files in the output: a Link names the path under the working
    /// directory; a file inside the project directory keeps its path relative to it; one outside goes to its
    /// %(RecursiveDir) and name.
    /// </summary>
    public static string Destination(ExtraFileItem item, string projectDirectory, string appDirectory)
    {
        var fileName = Path.GetFileName(item.FullPath);
        var recursiveDir = item.RecursiveDir.Replace('\\', '/');
        var destination = item.Destination.Trim();
        if (destination.Length > 0)
        {
            return destination.EndsWith('/') ? destination + recursiveDir + fileName : destination;
        }

        var link = item.Link.Replace('\\', '/').TrimStart('/');
        return link.Length > 0 ? $"{appDirectory}/{link}"
            : ContextPaths.RelativeInside(projectDirectory, item.FullPath) is { } relative ? $"{appDirectory}/{relative}"
            : $"{appDirectory}/{recursiveDir}{fileName}";
    }
}
