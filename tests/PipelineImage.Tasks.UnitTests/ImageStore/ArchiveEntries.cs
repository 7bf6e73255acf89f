using System.Formats.Tar;

namespace PipelineImage.Tests.ImageStore;

/// <summary>The files of a tar, by name.</summary>
internal static class ArchiveEntries
{
    public static Dictionary<string, byte[]> Read(byte[] archive)
    {
        using var reader = new TarReader(new MemoryStream(archive));
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.DataStream is { } data)
            {
                using var bytes = new MemoryStream();
                data.CopyTo(bytes);
                entries[entry.Name] = bytes.ToArray();
            }
        }

        return entries;
    }
}
