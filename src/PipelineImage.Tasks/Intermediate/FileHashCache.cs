using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PipelineImage.Intermediate;

/// <summary>
/// The content hashes of the context's files, kept in <c>hashes.tsv</c> beside the plan, so that a publish reads only
/// the files whose size or modification time changed since the last one (as git's index does). A file modified in the
/// last seconds before it is hashed is not remembered: a change within the file system's time resolution could
/// otherwise go unseen.
/// </summary>
internal sealed class FileHashCache
{
    /// <summary>How recent a modification must be for its hash not to be remembered.</summary>
    public static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(2);

    private const string Header = "# PipelineImage.Tasks content hashes v1: sha256, size, modification time (ticks, UTC), path";

    private readonly string _path;
    private readonly Dictionary<string, Entry> _known;
    private readonly SortedDictionary<string, Entry> _used = new(StringComparer.Ordinal);
    private readonly Func<DateTime> _utcNow;

    private FileHashCache(string path, Dictionary<string, Entry> known, Func<DateTime> utcNow)
    {
        _path = path;
        _known = known;
        _utcNow = utcNow;
    }

    /// <summary>How many files were read and hashed (not found unchanged) since <see cref="Load"/>.</summary>
    public int FilesHashed { get; private set; }

    /// <summary>Reads the cache file; a missing or unreadable one is an empty cache.</summary>
    public static FileHashCache Load(string path, Func<DateTime>? utcNow = null)
    {
        var known = new Dictionary<string, Entry>(StringComparer.Ordinal);
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                var fields = line.Split('\t', 4);
                if (fields.Length == 4 && fields[0].Length == 64
                    && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
                    && long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
                {
                    known[fields[3]] = new Entry(fields[0], size, ticks);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            known.Clear();
        }

        return new FileHashCache(path, known, utcNow ?? (() => DateTime.UtcNow));
    }

    /// <summary>The SHA-256 of a file's bytes, hex: remembered when its size and time are as last seen.</summary>
    public string Hash(string path)
    {
        var info = new FileInfo(path);
        var (size, ticks) = (info.Length, info.LastWriteTimeUtc.Ticks);
        if (_known.TryGetValue(path, out var known) && known.Size == size && known.Ticks == ticks)
        {
            _used[path] = known;
            return known.Sha256;
        }

        string sha256;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920))
        {
            sha256 = Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
        }

        FilesHashed++;
        if (_utcNow() - info.LastWriteTimeUtc > RacyWindow)
        {
            _used[path] = new Entry(sha256, size, ticks);
        }

        return sha256;
    }

    /// <summary>Writes the hashes of the files asked for since <see cref="Load"/> (and only those), when they changed.</summary>
    public Task SaveAsync()
    {
        var text = new StringBuilder(Header).Append('\n');
        foreach (var (path, entry) in _used)
        {
            text.Append(entry.Sha256).Append('\t')
                .Append(entry.Size.ToString(CultureInfo.InvariantCulture)).Append('\t')
                .Append(entry.Ticks.ToString(CultureInfo.InvariantCulture)).Append('\t')
                .Append(path).Append('\n');
        }

        return AtomicFile.WriteIfChangedAsync(_path, text.ToString());
    }

    private readonly record struct Entry(string Sha256, long Size, long Ticks);
}
