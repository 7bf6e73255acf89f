using System.Security.Cryptography;
using System.Threading.Channels;
using Google.Protobuf;
using PipelineImage.Context;
using PipelineImage.Session.Protocol;

namespace PipelineImage.Session;

/// <summary>
/// The build context as BuildKit's <c>moby.filesync.v1.FileSync/DiffCopy</c> sends it (fsutil's protocol, the sender's
/// side): a STAT for every entry in fsutil's order, an empty STAT, then the bytes of each file the builder asks for
/// (REQ by the STAT's index: DATA chunks, an empty DATA), and FIN once it has all. The builder keeps the files of the
/// last build under the session's shared key and asks only for those whose stat changed, so an unchanged file is not
/// sent again.
/// </summary>
/// <remarks>
/// A file's stat is what the tar upload would say (mode, uid 0, the fixed time of <see cref="ContextTarWriter"/>),
/// with the nanoseconds of its time taken from its content hash: the builder compares size and time, and the same
/// bytes must read as unchanged (and give the same layer) while other bytes of the same size must not.
/// </remarks>
internal sealed class FileSync
{
    /// <summary>The method served.</summary>
    public const string Method = "/moby.filesync.v1.FileSync/DiffCopy";

    private const int ChunkSize = 32 * 1024;
    private const uint GoModeDirectory = 1u << 31;
    private const uint GoModeSymlink = 1u << 27;

    private readonly IReadOnlyList<ContextEntry> _entries;
    private long _bytesSent;
    private int _filesSent;
    private int _filesOffered;

    /// <param name="entries">The context, as the tar upload would send it.</param>
    public FileSync(IReadOnlyList<ContextEntry> entries) => _entries = entries;

    /// <summary>File bytes sent, over every call so far.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Files sent, over every call so far.</summary>
    public int FilesSent => Volatile.Read(ref _filesSent);

    /// <summary>Files offered (stated), over every call so far: each call offers what its patterns select.</summary>
    public int FilesOffered => Volatile.Read(ref _filesOffered);

    /// <summary>Serves one DiffCopy call.</summary>
    public async Task DiffCopyAsync(GrpcCall call)
    {
        var include = call.MetadataValues("include-patterns").Concat(call.MetadataValues("followpaths")).ToList();
        var exclude = call.MetadataValues("exclude-patterns").ToList();
        var stats = Select(_entries, include, exclude);
        Interlocked.Add(ref _filesOffered, stats.Count(stat => stat.Entry?.Kind == ContextEntryKind.File));

        var requests = Channel.CreateUnbounded<uint>();
        var reading = ReadRequestsAsync(call, stats.Count, requests.Writer);
        foreach (var (stat, _) in stats)
        {
            await call.WriteAsync(new Packet { Type = Packet.Types.PacketType.PacketStat, Stat = stat }).ConfigureAwait(false);
        }

        await call.WriteAsync(new Packet { Type = Packet.Types.PacketType.PacketStat }).ConfigureAwait(false);
        var sent = new HashSet<uint>();
        await foreach (var id in requests.Reader.ReadAllAsync(call.Cancelled).ConfigureAwait(false))
        {
            if (stats[(int)id].Entry is not { Kind: ContextEntryKind.File } entry || !sent.Add(id))
            {
                throw new GrpcStatusException(GrpcStatus.InvalidArgument, $"invalid file request {id}");
            }

            await SendFileAsync(call, id, entry).ConfigureAwait(false);
        }

        await reading.ConfigureAwait(false); // the builder's FIN
        await call.WriteAsync(new Packet { Type = Packet.Types.PacketType.PacketFin }).ConfigureAwait(false);
    }

    // The STATs in fsutil's order, each with its entry (null for a parent directory the context has no entry for).
    internal static List<(Stat Stat, ContextEntry? Entry)> Select(IReadOnlyList<ContextEntry> entries, IReadOnlyList<string> include, IReadOnlyList<string> exclude)
    {
        var includes = include.Count == 0 ? null : new DockerIgnoreMatcher(DockerIgnore.Parse(string.Join('\n', include)));
        var excludes = exclude.Count == 0 ? null : new DockerIgnoreMatcher(DockerIgnore.Parse(string.Join('\n', exclude)));
        var selected = new SortedDictionary<string, ContextEntry?>(PathComparer.Instance);
        foreach (var entry in entries)
        {
            var path = entry.ContextPath.Trim('/');
            if (path.Length == 0 || (includes is not null && !includes.Evaluate(path).IsExcluded) || (excludes?.Evaluate(path).IsExcluded ?? false))
            {
                continue;
            }

            selected[path] = entry;
            for (var parent = Parent(path); parent.Length > 0; parent = Parent(parent))
            {
                selected.TryAdd(parent, null);
            }
        }

        return selected.Select(pair => (StatOf(pair.Key, pair.Value), pair.Value)).ToList();
    }

    private static Stat StatOf(string path, ContextEntry? entry)
    {
        var stat = new Stat { Path = path, ModTime = ContextTarWriter.FixedTime.ToUnixTimeMilliseconds() * 1_000_000 };
        if (entry is null)
        {
            stat.Mode = GoModeDirectory | Convert.ToUInt32("755", 8);
            return stat;
        }

        var mode = (uint)ContextTarWriter.ModeOf(entry);
        switch (entry.Kind)
        {
            case ContextEntryKind.Directory:
                stat.Mode = GoModeDirectory | mode;
                break;
            case ContextEntryKind.Symlink:
                stat.Mode = GoModeSymlink | mode;
                stat.Linkname = entry.LinkTarget!;
                break;
            default:
                stat.Mode = mode;
                stat.Size = entry.Content?.LongLength ?? new FileInfo(entry.SourcePath!).Length;
                stat.ModTime += (long)(BitConverter.ToUInt64(Convert.FromHexString(ContentHash(entry)[..16])) % 1_000_000_000);
                break;
        }

        return stat;
    }

    private static string ContentHash(ContextEntry entry)
    {
        if (entry.ContentHash is { Length: > 0 } known)
        {
            return known.StartsWith("sha256:", StringComparison.Ordinal) ? known[7..] : known;
        }

        if (entry.Content is not null)
        {
            return Convert.ToHexString(SHA256.HashData(entry.Content));
        }

        using var file = File.OpenRead(entry.SourcePath!);
        return Convert.ToHexString(SHA256.HashData(file));
    }

    private async Task SendFileAsync(GrpcCall call, uint id, ContextEntry entry)
    {
        await using Stream stream = entry.Content is not null ? new MemoryStream(entry.Content, writable: false)
            : new FileStream(entry.SourcePath!, FileMode.Open, FileAccess.Read, FileShare.Read, ChunkSize, useAsync: true);
        var buffer = new byte[ChunkSize];
        int read;
        while ((read = await stream.ReadAsync(buffer, call.Cancelled).ConfigureAwait(false)) > 0)
        {
            await call.WriteAsync(new Packet { Type = Packet.Types.PacketType.PacketData, ID = id, Data = ByteString.CopyFrom(buffer, 0, read) }).ConfigureAwait(false);
            Interlocked.Add(ref _bytesSent, read);
        }

        await call.WriteAsync(new Packet { Type = Packet.Types.PacketType.PacketData, ID = id }).ConfigureAwait(false);
        Interlocked.Increment(ref _filesSent);
    }

    // REQs until the builder's FIN; an ERR from it is the call's failure.
    private static async Task ReadRequestsAsync(GrpcCall call, int count, ChannelWriter<uint> requests)
    {
        try
        {
            while (await call.ReadAsync(Packet.Parser).ConfigureAwait(false) is { } packet)
            {
                switch (packet.Type)
                {
                    case Packet.Types.PacketType.PacketReq when packet.ID < count:
                        requests.TryWrite(packet.ID);
                        break;
                    case Packet.Types.PacketType.PacketReq:
                        throw new GrpcStatusException(GrpcStatus.InvalidArgument, $"invalid file request {packet.ID}");
                    case Packet.Types.PacketType.PacketErr:
                        throw new GrpcStatusException(GrpcStatus.Aborted, $"the builder failed to receive the context: {packet.Data.ToStringUtf8()}");
                    case Packet.Types.PacketType.PacketFin:
                        requests.TryComplete();
                        return;
                }
            }

            throw new GrpcStatusException(GrpcStatus.Aborted, "the builder ended the transfer without FIN");
        }
        catch (Exception e)
        {
            requests.TryComplete(e);
            throw;
        }
    }

    private static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? "" : path[..slash];
    }

    /// <summary>fsutil's path order: by bytes, with <c>/</c> before any other byte (a directory's entries right after it).</summary>
    internal sealed class PathComparer : IComparer<string>
    {
        public static readonly PathComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = System.Text.Encoding.UTF8.GetBytes(x ?? "");
            var b = System.Text.Encoding.UTF8.GetBytes(y ?? "");
            for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                if (a[i] != b[i])
                {
                    return a[i] == '/' ? -1 : b[i] == '/' ? 1 : a[i].CompareTo(b[i]);
                }
            }

            return a.Length.CompareTo(b.Length);
        }
    }
}
