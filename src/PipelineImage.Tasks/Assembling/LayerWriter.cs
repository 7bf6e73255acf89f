using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using PipelineImage.Planning;
using PipelineImage.Registry;

namespace PipelineImage.Assembling;

/// <summary>A layer as written: the digest and size of its gzip (what the manifest names) and the digest of its tar (the config's diff_id).</summary>
internal sealed record WrittenLayer(string Digest, long Size, string DiffId);

/// <summary>
/// Writes a layer reproducibly: its entries in the plan's order, owner root (uid and gid 0, no names) or the entry's
/// numeric owner, every time the plan's epoch, the plan's modes, and gzip at a fixed level with no name, no time and
/// the same header on every system. The same entries give the same bytes on any machine with the same .NET.
/// </summary>
internal static class LayerWriter
{
    /// <param name="layer">The layer.</param>
    /// <param name="epoch">The time of every entry, in Unix seconds.</param>
    /// <param name="open">Opens a file entry's content, by its path in the context.</param>
    /// <param name="destination">Where the gzip goes.</param>
    /// <param name="cancellationToken">Stops the writing.</param>
    public static async Task<WrittenLayer> WriteAsync(
        PlannedLayer layer, long epoch, Func<string, Stream> open, Stream destination, CancellationToken cancellationToken)
    {
        var time = DateTimeOffset.FromUnixTimeSeconds(epoch);
        using var gzipHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var tarHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var compressed = new HashingStream(destination, gzipHash, fixGzipHeader: true);
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            var tar = new HashingStream(gzip, tarHash, fixGzipHeader: false);
            await using var writer = new TarWriter(tar, TarEntryFormat.Gnu, leaveOpen: true);
            foreach (var entry in layer.Entries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var tarEntry = Context.ContextTarWriter.Entry(TypeOf(entry.Kind), entry.Kind == "directory" ? entry.Path + "/" : entry.Path,
                    (UnixFileMode)Convert.ToInt32(entry.Mode, 8), time);
                if (entry.Owner?.Split(':') is [var uid, var gid])
                {
                    tarEntry.Uid = int.Parse(uid, CultureInfo.InvariantCulture);
                    tarEntry.Gid = int.Parse(gid, CultureInfo.InvariantCulture);
                }
                await using var data = entry.Kind == "file" ? open(entry.From ?? throw new ArgumentException($"{entry.Path} has no source.", nameof(layer))) : null;
                if (data is not null)
                {
                    tarEntry.DataStream = data;
                }

                if (entry.Kind == "symlink")
                {
                    tarEntry.LinkName = entry.Target ?? throw new ArgumentException($"{entry.Path} has no target.", nameof(layer));
                }

                await writer.WriteEntryAsync(tarEntry, cancellationToken).ConfigureAwait(false);
            }
        }

        return new WrittenLayer(ContentDigest.FromHash(gzipHash.GetHashAndReset()), compressed.Length, ContentDigest.FromHash(tarHash.GetHashAndReset()));
    }

    private static TarEntryType TypeOf(string kind) => kind switch
    {
        "directory" => TarEntryType.Directory,
        "symlink" => TarEntryType.SymbolicLink,
        "file" => TarEntryType.RegularFile,
        _ => throw new ArgumentException($"Unknown layer entry kind '{kind}'.", nameof(kind)),
    };

    // Hashes and counts what passes through to the inner stream. For the gzip, the header's OS byte (the tenth),
    // which zlib sets to the system it was built for, is written as 255 ("unknown") so that every system agrees.
    private sealed class HashingStream(Stream inner, IncrementalHash hash, bool fixGzipHeader) : Stream
    {
        private const int GzipOsByte = 9;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Position;

        public override long Position { get; set; }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var bytes = Fixed(buffer);
            hash.AppendData(bytes);
            inner.Write(bytes);
            Position += bytes.Length;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var bytes = Fixed(buffer.Span).ToArray();
            hash.AppendData(bytes);
            await inner.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            Position += bytes.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private ReadOnlySpan<byte> Fixed(ReadOnlySpan<byte> buffer)
        {
            if (!fixGzipHeader || Position > GzipOsByte || Position + buffer.Length <= GzipOsByte)
            {
                return buffer;
            }

            var copy = buffer.ToArray();
            copy[GzipOsByte - Position] = 0xFF;
            return copy;
        }
    }
}
