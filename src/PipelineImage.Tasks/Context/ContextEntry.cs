namespace PipelineImage.Context;

/// <summary>
/// One file of the build context: its path in the context (with <c>/</c>), and where its bytes come from, either
/// a file on disk or content held in memory (the generated Dockerfile).
/// </summary>
public sealed record ContextEntry
{
    private ContextEntry(string contextPath, string? sourcePath, byte[]? content, bool executable)
    {
        ContextPath = contextPath;
        SourcePath = sourcePath;
        Content = content;
        Executable = executable;
    }

    public string ContextPath { get; }

    public string? SourcePath { get; }

    public byte[]? Content { get; }

    /// <summary>Sent with mode 0755 whatever the file's mode on disk (an apphost published on Windows has none).</summary>
    public bool Executable { get; }

    public static ContextEntry FromFile(string contextPath, string sourcePath, bool executable = false) =>
        new(contextPath, sourcePath, null, executable);

    public static ContextEntry FromContent(string contextPath, byte[] content) =>
        new(contextPath, null, content, false);
}
