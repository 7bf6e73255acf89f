using System.Text;

namespace PipelineImage.Intermediate;

/// <summary>Writes files under obj/ so that a reader never sees half a file and an unchanged file keeps its time stamp.</summary>
internal static class AtomicFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Writes a file through a temporary file in the same directory and a rename: a reader sees the old file or the
    /// whole new one, and a failure or cancellation leaves no temporary file behind.
    /// </summary>
    public static async Task WriteAsync(string path, Func<Stream, Task> write)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                await write(stream).ConfigureAwait(false);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Writes <paramref name="content"/> (UTF-8, no BOM) to <paramref name="path"/> as <see cref="WriteAsync"/> does,
    /// unless the file already holds exactly those bytes (so its time stamp stays).
    /// </summary>
    /// <returns>Whether the file was written.</returns>
    public static async Task<bool> WriteIfChangedAsync(string path, string content)
    {
        var bytes = Utf8NoBom.GetBytes(content);
        if (File.Exists(path) && (await File.ReadAllBytesAsync(path).ConfigureAwait(false)).AsSpan().SequenceEqual(bytes))
        {
            return false;
        }

        await WriteAsync(path, stream => stream.WriteAsync(bytes).AsTask()).ConfigureAwait(false);
        return true;
    }
}
