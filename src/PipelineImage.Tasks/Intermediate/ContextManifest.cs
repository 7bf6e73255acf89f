using System.Globalization;
using System.Text;
using PipelineImage.Context;

namespace PipelineImage.Intermediate;

/// <summary>
/// <c>context.txt</c>: one line per file sent to the engine, <c>path&lt;TAB&gt;size</c>, sorted by path, so a user
/// can see what was sent. Source files appear at their paths relative to the context root; what we generate and
/// publish, under <c>.pipelineimage/</c>. Links count as size 0; directories are not listed.
/// </summary>
internal static class ContextManifest
{
    public static string Render(IEnumerable<ContextEntry> context)
    {
        var text = new StringBuilder();
        foreach (var entry in context.Where(e => e.Kind != ContextEntryKind.Directory).OrderBy(e => e.ContextPath, StringComparer.Ordinal))
        {
            var size = entry.Kind == ContextEntryKind.Symlink ? 0
                : entry.Content?.LongLength ?? new FileInfo(entry.SourcePath!).Length;
            text.Append(entry.ContextPath).Append('\t').Append(size.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return text.ToString();
    }
}
