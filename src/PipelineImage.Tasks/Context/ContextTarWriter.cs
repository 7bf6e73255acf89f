using System.Formats.Tar;

namespace PipelineImage.Context;

/// <summary>
/// Writes a build context as a tar stream, reproducibly: entries in the given order, owner root, a fixed
/// modification time, and mode 0755 or 0644 from the executable bit alone. The same files give the same bytes,
/// so the engine's layer cache sees no change where there is none.
/// </summary>
internal static class ContextTarWriter
{
    /// <summary>The modification time of every entry: the Unix epoch plus one second, as jib does.</summary>
    public static readonly DateTimeOffset FixedTime = DateTimeOffset.FromUnixTimeSeconds(1);

    /// <summary>0644: a file that is not executable, and every file of our own (a Dockerfile, a manifest, a blob).</summary>
    public const UnixFileMode RegularMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const UnixFileMode ExecutableMode =
        RegularMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private const UnixFileMode AnyExecute =
        UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    public static async Task WriteAsync(IEnumerable<ContextEntry> entries, Stream destination, CancellationToken cancellationToken)
    {
        await using var writer = new TarWriter(destination, TarEntryFormat.Gnu, leaveOpen: true);
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await using var data = entry.Kind != ContextEntryKind.File ? null
                : entry.Content is not null ? new MemoryStream(entry.Content, writable: false)
                : (Stream)new FileStream(entry.SourcePath!, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
            var tarEntry = Entry(TypeOf(entry), entry.ContextPath, ModeOf(entry), FixedTime);
            if (data is not null)
            {
                tarEntry.DataStream = data;
            }

            if (entry.Kind == ContextEntryKind.Symlink)
            {
                tarEntry.LinkName = entry.LinkTarget!;
            }

            await writer.WriteEntryAsync(tarEntry, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A GNU tar entry that says nothing of the machine: root's (no names), every time <paramref name="time"/>.</summary>
    public static GnuTarEntry Entry(TarEntryType type, string name, UnixFileMode mode, DateTimeOffset time) => new(type, name)
    {
        Mode = mode,
        ModificationTime = time,
        AccessTime = time,
        ChangeTime = time,
        Uid = 0,
        Gid = 0,
        UserName = "",
        GroupName = "",
    };

    private static TarEntryType TypeOf(ContextEntry entry) => entry.Kind switch
    {
        ContextEntryKind.Directory => TarEntryType.Directory,
        ContextEntryKind.Symlink => TarEntryType.SymbolicLink,
        _ => TarEntryType.RegularFile,
    };

    /// <summary>The permission bits an entry is sent with.</summary>
    public static UnixFileMode ModeOf(ContextEntry entry) => entry.Kind switch
    {
        ContextEntryKind.Symlink => ExecutableMode | UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite,
        ContextEntryKind.Directory => entry.Mode ?? ExecutableMode,
        _ => entry.Executable ? ExecutableMode : entry.Mode ?? (IsExecutableOnDisk(entry) ? ExecutableMode : RegularMode),
    };

    private static bool IsExecutableOnDisk(ContextEntry entry) =>
        entry.SourcePath is not null && !OperatingSystem.IsWindows()
        && (File.GetUnixFileMode(entry.SourcePath) & AnyExecute) != 0;
}
