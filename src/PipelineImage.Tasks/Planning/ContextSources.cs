using PipelineImage.Context;

namespace PipelineImage.Planning;

/// <summary>
/// What the build context holds beyond the publish output, already filtered by the ignore rules: the source tree
/// (entries at their paths relative to the context root) and the extra files with their destinations in the image.
/// </summary>
internal sealed record ContextSources(IReadOnlyList<ContextEntry> SourceFiles, IReadOnlyList<ExtraFile> ExtraFiles)
{
    public static readonly ContextSources None = new([], []);
}

/// <param name="Item">The PipelineImageFile item's Include, for error messages.</param>
/// <param name="File">The file, at its path relative to the context root.</param>
/// <param name="Destination">The absolute path of the file in the image.</param>
internal sealed record ExtraFile(string Item, ContextEntry File, string Destination);
