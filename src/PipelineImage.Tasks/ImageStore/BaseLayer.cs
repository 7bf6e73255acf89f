using System.IO.Compression;
using PipelineImage.BaseImages;
using PipelineImage.Sbom;

namespace PipelineImage.ImageStore;

/// <summary>
/// The files of a base's layers that planning on it reads (<see cref="BaseFacts"/>), as an engine's save streams them:
/// a layer is a tar, gzip-compressed where the store keeps it so (a containerd store); another compression (zstd)
/// is not read, and the base's files are then unknown.
/// </summary>
internal static class BaseLayer
{
    /// <summary>A layer's wanted files; null when it is not a tar this can read.</summary>
    public static async Task<LayerFiles?> ReadAsync(Stream data, CancellationToken cancellationToken)
    {
        var head = new byte[2];
        var count = await data.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (count == 2 && head[0] == 0x28 && head[1] == 0xb5)
        {
            return null; // zstd
        }

        var stream = new PrefixedStream(head[..count], data);
        try
        {
            if (count == 2 && head[0] == 0x1f && head[1] == 0x8b)
            {
                await using var gzip = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
                return await LayerFiles.ReadAsync(gzip, BaseFacts.IsRead, cancellationToken, BaseFacts.IsProbed).ConfigureAwait(false);
            }

            return await LayerFiles.ReadAsync(stream, BaseFacts.IsRead, cancellationToken, BaseFacts.IsProbed).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// The facts of the base whose layers are at <paramref name="layerPaths"/> in the archive, bottom up: read as they
    /// streamed by (<paramref name="streamed"/>) or from the small entries kept whole; null when one is unreadable.
    /// </summary>
    public static async Task<BaseFacts?> FactsAsync(IReadOnlyList<string> layerPaths, IReadOnlyDictionary<string, LayerFiles?> streamed,
        IReadOnlyDictionary<string, byte[]> small, CancellationToken cancellationToken)
    {
        var layers = new List<LayerFiles>();
        foreach (var path in layerPaths)
        {
            var files = streamed.TryGetValue(path, out var read) ? read
                : small.TryGetValue(path, out var bytes) ? await ReadAsync(new MemoryStream(bytes, writable: false), cancellationToken).ConfigureAwait(false)
                : null;
            if (files is null)
            {
                return null;
            }

            layers.Add(files);
        }

        return Facts(layers);
    }

    /// <summary>The facts of the image whose layers' files these are, bottom up.</summary>
    public static BaseFacts Facts(IEnumerable<LayerFiles> bottomUp) =>
        BaseFacts.FromFiles(LayerFiles.Merge(bottomUp).ToDictionary(file => file.Path, file => file.Text, StringComparer.Ordinal));

    // The bytes read to tell the compression, then the rest of the stream.
    private sealed class PrefixedStream(byte[] prefix, Stream rest) : Stream
    {
        private int _offset;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_offset < prefix.Length)
            {
                var count = Math.Min(buffer.Length, prefix.Length - _offset);
                prefix.AsSpan(_offset, count).CopyTo(buffer);
                _offset += count;
                return count;
            }

            return rest.Read(buffer);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_offset < prefix.Length)
            {
                return Read(buffer.Span);
            }

            return await rest.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
