using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using PipelineImage.Context;

namespace PipelineImage.Tasks;

/// <summary>Carries build-context entries from GeneratePipelineDockerfile to BuildPipelineImage as items.</summary>
internal static class ContextItems
{
    public static ITaskItem ToItem(ContextEntry entry, string dockerfilePath)
    {
        var item = new TaskItem(entry.SourcePath ?? (entry.Content is not null ? dockerfilePath : entry.ContextPath));
        item.SetMetadata("ContextPath", entry.ContextPath);
        item.SetMetadata("Kind", entry.Kind.ToString());
        item.SetMetadata("Executable", entry.Executable ? "true" : "false");
        item.SetMetadata("Mode", entry.Mode is { } mode ? Convert.ToString((int)mode, 8) : "");
        item.SetMetadata("LinkTarget", entry.LinkTarget ?? "");
        return item;
    }

    public static ContextEntry FromItem(ITaskItem item)
    {
        var path = item.GetMetadata("ContextPath");
        var mode = item.GetMetadata("Mode") is { Length: > 0 } octal ? (UnixFileMode?)Convert.ToInt32(octal, 8) : null;
        return Enum.Parse<ContextEntryKind>(item.GetMetadata("Kind")) switch
        {
            ContextEntryKind.Directory => ContextEntry.FromDirectory(path, mode),
            ContextEntryKind.Symlink => ContextEntry.FromSymlink(path, item.GetMetadata("LinkTarget")),
            _ => ContextEntry.FromFile(path, item.ItemSpec,
                string.Equals(item.GetMetadata("Executable"), "true", StringComparison.OrdinalIgnoreCase), mode),
        };
    }
}
