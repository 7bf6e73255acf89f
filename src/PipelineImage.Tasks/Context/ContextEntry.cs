namespace PipelineImage.Context;

internal enum ContextEntryKind
{
    File,
    Directory,
    Symlink,
}

/// <summary>
/// One entry of the build context: its path in the context (with <c>/</c>) and what it is: a file whose bytes
/// come from disk or from memory (the generated Dockerfile), a directory, or a symbolic link.
/// </summary>
internal sealed record ContextEntry
{
    private ContextEntry(string contextPath, ContextEntryKind kind)
    {
        ContextPath = contextPath;
        Kind = kind;
    }

    public string ContextPath { get; }

    public ContextEntryKind Kind { get; }

    /// <summary>For a file on disk: where it is.</summary>
    public string? SourcePath { get; private init; }

    /// <summary>For a file held in memory: its bytes.</summary>
    public byte[]? Content { get; private init; }

    /// <summary>For a link: its target, as written in the link.</summary>
    public string? LinkTarget { get; private init; }

    /// <summary>Sent with mode 0755 whatever the file's mode on disk (an apphost published on Windows has none).</summary>
    public bool Executable { get; private init; }

    /// <summary>
    /// The permission bits to send, as the docker CLI sends a file's own (source files); null: 0644, or 0755 for an
    /// executable (published files, whose modes say nothing about the image).
    /// </summary>
    public UnixFileMode? Mode { get; private init; }

    /// <summary>For a file: its content hash as the plan recorded it (<c>sha256:…</c>), when known.</summary>
    public string? ContentHash { get; init; }

    public static ContextEntry FromFile(string contextPath, string sourcePath, bool executable = false, UnixFileMode? mode = null) =>
        new(contextPath, ContextEntryKind.File) { SourcePath = sourcePath, Executable = executable, Mode = mode };

    public static ContextEntry FromContent(string contextPath, byte[] content) =>
        new(contextPath, ContextEntryKind.File) { Content = content };

    public static ContextEntry FromDirectory(string contextPath, UnixFileMode? mode) =>
        new(contextPath, ContextEntryKind.Directory) { Mode = mode };

    public static ContextEntry FromSymlink(string contextPath, string target) =>
        new(contextPath, ContextEntryKind.Symlink) { LinkTarget = target };

    /// <summary>This entry at another path in the context.</summary>
    public ContextEntry At(string contextPath) => new(contextPath, Kind)
    {
        SourcePath = SourcePath, Content = Content, LinkTarget = LinkTarget, Executable = Executable, Mode = Mode, ContentHash = ContentHash,
    };
}
