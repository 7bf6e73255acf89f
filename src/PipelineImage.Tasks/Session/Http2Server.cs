using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace PipelineImage.Session;

/// <summary>
/// The server side of one HTTP/2 connection (RFC 9113) with prior knowledge, as BuildKit's session needs it: after
/// <c>POST /session</c> upgrades, the engine is the HTTP/2 client on that stream and calls the gRPC methods we serve.
/// Each request stream becomes a <see cref="Http2Request"/> handed to the handler; responses honour the peer's flow
/// control windows, and we grant the peer's data back as soon as it is read.
/// </summary>
/// <remarks>
/// Our own rather than Kestrel: Kestrel lives in the ASP.NET Core shared framework, which MSBuild's process does not
/// load, and a helper process per publish would cost its start-up on every build. What a session needs of HTTP/2 is
/// small: no push, no priorities, no TLS (the engine's connection carries it).
/// </remarks>
internal sealed class Http2Server : IAsyncDisposable
{
    private const int FrameHeaderLength = 9;
    private const int DefaultMaxFrameSize = 16_384;
    private const int DefaultWindow = 65_535;
    // What we let the peer send before it waits for our WINDOW_UPDATE: data is consumed as soon as it arrives.
    private const int OurWindow = 1 << 24;

    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    private readonly Stream _stream;
    private readonly Func<Http2Request, Task> _handler;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<int, Http2Request> _requests = new();
    private readonly HpackDecoder _decoder = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly object _windowLock = new();
    private long _connectionWindow = DefaultWindow;
    private int _initialStreamWindow = DefaultWindow;
    private int _peerMaxFrameSize = DefaultMaxFrameSize;
    private TaskCompletionSource _windowOpened = NewSignal();
    private Task? _serving;

    /// <param name="stream">The connection, after any upgrade: the next bytes are the client's preface.</param>
    /// <param name="handler">Serves one request; it ends the stream with a header block that ends it (trailers).</param>
    public Http2Server(Stream stream, Func<Http2Request, Task> handler)
    {
        _stream = stream;
        _handler = handler;
    }

    /// <summary>Serves until the peer closes the connection (or says GOAWAY) or the token is cancelled.</summary>
    public Task ServeAsync(CancellationToken cancellationToken) => _serving ??= RunAsync(cancellationToken);

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        var token = linked.Token;
        try
        {
            var preface = new byte[Preface.Length];
            await _stream.ReadExactlyAsync(preface, token).ConfigureAwait(false);
            if (!preface.AsSpan().SequenceEqual(Preface))
            {
                throw new Http2Exception("the peer did not open with the HTTP/2 client preface");
            }

            // SETTINGS: our initial stream window; then open the connection window as wide.
            var settings = new byte[12];
            BinaryPrimitives.WriteUInt16BigEndian(settings, 0x4);
            BinaryPrimitives.WriteUInt32BigEndian(settings.AsSpan(2), OurWindow);
            BinaryPrimitives.WriteUInt16BigEndian(settings.AsSpan(6), 0x3);
            BinaryPrimitives.WriteUInt32BigEndian(settings.AsSpan(8), 1000);
            await WriteFrameAsync(FrameType.Settings, 0, 0, settings, token).ConfigureAwait(false);
            await WriteWindowUpdateAsync(0, OurWindow - DefaultWindow, token).ConfigureAwait(false);

            await ReadFramesAsync(token).ConfigureAwait(false);
        }
        catch (Exception failure) when (failure is OperationCanceledException or IOException or ObjectDisposedException or EndOfStreamException)
        {
            // The connection ended: cancelled, or closed under us.
        }
        finally
        {
            _closing.Cancel();
            foreach (var request in _requests.Values)
            {
                request.Abort();
            }

            lock (_windowLock)
            {
                _windowOpened.TrySetResult();
            }
        }
    }

    private async Task ReadFramesAsync(CancellationToken token)
    {
        var header = new byte[FrameHeaderLength];
        var headerBlock = new List<byte>();
        var blockStream = 0;
        var blockEndsStream = false;
        while (true)
        {
            await _stream.ReadExactlyAsync(header, token).ConfigureAwait(false);
            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            var type = (FrameType)header[3];
            var flags = header[4];
            var streamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5)) & 0x7FFF_FFFF);
            if (length > OurMaxFrameSize)
            {
                throw new Http2Exception($"a {type} frame of {length} bytes is larger than the {OurMaxFrameSize} we accept");
            }

            var payload = new byte[length];
            await _stream.ReadExactlyAsync(payload, token).ConfigureAwait(false);
            if (headerBlock.Count > 0 || blockStream != 0)
            {
                if (type != FrameType.Continuation || streamId != blockStream)
                {
                    throw new Http2Exception("a header block was interrupted by another frame");
                }
            }

            switch (type)
            {
                case FrameType.Data:
                    await OnDataAsync(streamId, flags, payload, token).ConfigureAwait(false);
                    break;
                case FrameType.Headers:
                    blockStream = streamId;
                    blockEndsStream = (flags & Flags.EndStream) != 0;
                    headerBlock.AddRange(HeaderFragment(flags, payload));
                    if ((flags & Flags.EndHeaders) != 0)
                    {
                        OnHeaders(blockStream, [.. headerBlock], blockEndsStream);
                        headerBlock.Clear();
                        blockStream = 0;
                    }

                    break;
                case FrameType.Continuation:
                    if (blockStream == 0)
                    {
                        throw new Http2Exception("CONTINUATION without HEADERS");
                    }

                    headerBlock.AddRange(payload);
                    if ((flags & Flags.EndHeaders) != 0)
                    {
                        OnHeaders(blockStream, [.. headerBlock], blockEndsStream);
                        headerBlock.Clear();
                        blockStream = 0;
                    }

                    break;
                case FrameType.RstStream:
                    if (_requests.TryRemove(streamId, out var reset))
                    {
                        reset.Abort();
                    }

                    break;
                case FrameType.Settings:
                    if ((flags & Flags.Ack) == 0)
                    {
                        ApplySettings(payload);
                        await WriteFrameAsync(FrameType.Settings, Flags.Ack, 0, ReadOnlyMemory<byte>.Empty, token).ConfigureAwait(false);
                    }

                    break;
                case FrameType.Ping:
                    if ((flags & Flags.Ack) == 0)
                    {
                        await WriteFrameAsync(FrameType.Ping, Flags.Ack, 0, payload, token).ConfigureAwait(false);
                    }

                    break;
                case FrameType.GoAway:
                    return;
                case FrameType.WindowUpdate:
                    OnWindowUpdate(streamId, (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFF_FFFF));
                    break;
                case FrameType.PushPromise:
                    throw new Http2Exception("a client sent PUSH_PROMISE");
                default:
                    // PRIORITY and unknown frame types are ignored (RFC 9113, 4.1 and 5.5).
                    break;
            }
        }
    }

    private const int OurMaxFrameSize = DefaultMaxFrameSize;

    private static ReadOnlySpan<byte> HeaderFragment(byte flags, byte[] payload)
    {
        var span = payload.AsSpan();
        var padding = 0;
        if ((flags & Flags.Padded) != 0)
        {
            padding = span[0];
            span = span[1..];
        }

        if ((flags & Flags.Priority) != 0)
        {
            span = span[5..];
        }

        return span[..^padding];
    }

    private void OnHeaders(int streamId, byte[] block, bool endStream)
    {
        var headers = _decoder.Decode(block);
        if (_requests.TryGetValue(streamId, out var existing))
        {
            // Trailers from the client end its side of the stream.
            existing.CompleteInput();
            return;
        }

        var request = new Http2Request(this, streamId, headers, _initialStreamWindow, _closing.Token);
        _requests[streamId] = request;
        if (endStream)
        {
            request.CompleteInput();
        }

        _ = Task.Run(() => ServeRequestAsync(request));
    }

    private async Task ServeRequestAsync(Http2Request request)
    {
        try
        {
            await _handler(request).ConfigureAwait(false);
        }
        catch (Exception) when (request.Aborted.IsCancellationRequested)
        {
            // The peer reset the stream or the connection ended.
        }
        catch (Exception)
        {
            await ResetAsync(request.StreamId).ConfigureAwait(false);
        }
        finally
        {
            _requests.TryRemove(request.StreamId, out _);
            request.Abort();
        }
    }

    private async Task ResetAsync(int streamId)
    {
        var code = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(code, 0x2); // INTERNAL_ERROR
        try
        {
            await WriteFrameAsync(FrameType.RstStream, 0, streamId, code, _closing.Token).ConfigureAwait(false);
        }
        catch (Exception failure) when (failure is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The connection is gone as well.
        }
    }

    private async Task OnDataAsync(int streamId, byte flags, byte[] payload, CancellationToken token)
    {
        var data = payload.AsMemory();
        if ((flags & Flags.Padded) != 0)
        {
            var padding = data.Span[0];
            data = data[1..^padding];
        }

        if (_requests.TryGetValue(streamId, out var request))
        {
            request.Receive(data);
            if ((flags & Flags.EndStream) != 0)
            {
                request.CompleteInput();
            }
        }

        // Grant it back at once: the connection's whole payload counts, padding included.
        if (payload.Length > 0)
        {
            await WriteWindowUpdateAsync(0, payload.Length, token).ConfigureAwait(false);
            if ((flags & Flags.EndStream) == 0 && request is not null)
            {
                await WriteWindowUpdateAsync(streamId, payload.Length, token).ConfigureAwait(false);
            }
        }
    }

    private void ApplySettings(byte[] payload)
    {
        for (var offset = 0; offset + 6 <= payload.Length; offset += 6)
        {
            var id = BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(offset));
            var value = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(offset + 2));
            switch (id)
            {
                case 0x4 when value > int.MaxValue:
                    throw new Http2Exception($"SETTINGS_INITIAL_WINDOW_SIZE {value} is above 2^31-1");
                case 0x4:
                    lock (_windowLock)
                    {
                        var delta = (int)value - _initialStreamWindow;
                        _initialStreamWindow = (int)value;
                        foreach (var request in _requests.Values)
                        {
                            request.Window += delta;
                        }

                        Signal();
                    }

                    break;
                case 0x5:
                    _peerMaxFrameSize = (int)Math.Clamp(value, DefaultMaxFrameSize, 16_777_215);
                    break;
            }
        }
    }

    private void OnWindowUpdate(int streamId, int increment)
    {
        lock (_windowLock)
        {
            if (streamId == 0)
            {
                _connectionWindow += increment;
            }
            else if (_requests.TryGetValue(streamId, out var request))
            {
                request.Window += increment;
            }

            Signal();
        }
    }

    // Wakes every writer waiting for window; they look again. Called under _windowLock.
    private void Signal()
    {
        var opened = _windowOpened;
        _windowOpened = NewSignal();
        opened.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Sends the bytes as DATA frames on the stream, as fast as both windows allow.</summary>
    internal async Task WriteDataAsync(Http2Request request, ReadOnlyMemory<byte> data, bool endStream, CancellationToken token)
    {
        do
        {
            int chunk;
            Task wait;
            lock (_windowLock)
            {
                chunk = (int)Math.Min(Math.Min(_connectionWindow, request.Window), Math.Min(data.Length, _peerMaxFrameSize));
                if (chunk > 0 || data.Length == 0)
                {
                    _connectionWindow -= chunk;
                    request.Window -= chunk;
                    wait = Task.CompletedTask;
                }
                else
                {
                    wait = _windowOpened.Task;
                }
            }

            if (chunk == 0 && data.Length > 0)
            {
                token.ThrowIfCancellationRequested();
                await wait.WaitAsync(token).ConfigureAwait(false);
                continue;
            }

            var last = chunk == data.Length;
            await WriteFrameAsync(FrameType.Data, last && endStream ? Flags.EndStream : (byte)0, request.StreamId, data[..chunk], token).ConfigureAwait(false);
            data = data[chunk..];
        }
        while (data.Length > 0);
    }

    /// <summary>Sends a header block (one HEADERS frame, CONTINUATION when it is larger than a frame).</summary>
    internal async Task WriteHeadersAsync(int streamId, IReadOnlyList<(string Name, string Value)> headers, bool endStream, CancellationToken token)
    {
        var block = HpackEncoder.Encode(headers);
        await _writeLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            var offset = 0;
            var first = true;
            do
            {
                var length = Math.Min(block.Length - offset, _peerMaxFrameSize);
                var end = offset + length == block.Length;
                var flags = (byte)((end ? Flags.EndHeaders : 0) | (first && endStream ? Flags.EndStream : 0));
                await WriteFrameUnlockedAsync(first ? FrameType.Headers : FrameType.Continuation, flags, streamId, block.AsMemory(offset, length), token).ConfigureAwait(false);
                offset += length;
                first = false;
            }
            while (offset < block.Length);
            await _stream.FlushAsync(token).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private Task WriteWindowUpdateAsync(int streamId, int increment, CancellationToken token)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)increment);
        return WriteFrameAsync(FrameType.WindowUpdate, 0, streamId, payload, token);
    }

    private async Task WriteFrameAsync(FrameType type, byte flags, int streamId, ReadOnlyMemory<byte> payload, CancellationToken token)
    {
        await _writeLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            await WriteFrameUnlockedAsync(type, flags, streamId, payload, token).ConfigureAwait(false);
            await _stream.FlushAsync(token).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task WriteFrameUnlockedAsync(FrameType type, byte flags, int streamId, ReadOnlyMemory<byte> payload, CancellationToken token)
    {
        var header = new byte[FrameHeaderLength];
        header[0] = (byte)(payload.Length >> 16);
        header[1] = (byte)(payload.Length >> 8);
        header[2] = (byte)payload.Length;
        header[3] = (byte)type;
        header[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(5), (uint)streamId);
        await _stream.WriteAsync(header, token).ConfigureAwait(false);
        if (payload.Length > 0)
        {
            await _stream.WriteAsync(payload, token).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closing.Cancel();
        await _stream.DisposeAsync().ConfigureAwait(false);
        if (_serving is not null)
        {
            await _serving.ConfigureAwait(false);
        }

        _closing.Dispose();
        _writeLock.Dispose();
    }

    private enum FrameType : byte
    {
        Data = 0,
        Headers = 1,
        Priority = 2,
        RstStream = 3,
        Settings = 4,
        PushPromise = 5,
        Ping = 6,
        GoAway = 7,
        WindowUpdate = 8,
        Continuation = 9,
    }

    private static class Flags
    {
        public const byte EndStream = 0x1;
        public const byte Ack = 0x1;
        public const byte EndHeaders = 0x4;
        public const byte Padded = 0x8;
        public const byte Priority = 0x20;
    }
}

/// <summary>One request stream: its headers, its body as it arrives, and the way back.</summary>
internal sealed class Http2Request
{
    private readonly Http2Server _server;
    private readonly System.Threading.Channels.Channel<ReadOnlyMemory<byte>> _input =
        System.Threading.Channels.Channel.CreateUnbounded<ReadOnlyMemory<byte>>(new() { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _aborted;
    private ReadOnlyMemory<byte> _pending;

    internal Http2Request(Http2Server server, int streamId, IReadOnlyList<(string Name, string Value)> headers, int window, CancellationToken connection)
    {
        _server = server;
        StreamId = streamId;
        Headers = headers;
        Window = window;
        _aborted = CancellationTokenSource.CreateLinkedTokenSource(connection);
    }

    public int StreamId { get; }

    /// <summary>The request's header fields, pseudo-headers (<c>:path</c>) included, in the order sent.</summary>
    public IReadOnlyList<(string Name, string Value)> Headers { get; }

    /// <summary>Cancelled when the peer resets the stream or the connection ends.</summary>
    public CancellationToken Aborted => _aborted.Token;

    /// <summary>How much DATA the peer lets us send on this stream; guarded by the server's window lock.</summary>
    internal long Window { get; set; }

    /// <summary>The first value of a header (names are lower case in HTTP/2); null when absent.</summary>
    public string? Header(string name) => Headers.FirstOrDefault(h => h.Name == name).Value;

    /// <summary>All values of a header, in order.</summary>
    public IEnumerable<string> HeaderValues(string name) => Headers.Where(h => h.Name == name).Select(h => h.Value);

    internal void Receive(ReadOnlyMemory<byte> data) => _input.Writer.TryWrite(data.ToArray());

    internal void CompleteInput() => _input.Writer.TryComplete();

    internal void Abort()
    {
        _input.Writer.TryComplete();
        try
        {
            _aborted.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Fills the buffer from the body. Returns false when the body ended before the first byte; a body that ends
    /// part way is an <see cref="EndOfStreamException"/>.
    /// </summary>
    public async Task<bool> ReadExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            if (_pending.Length == 0)
            {
                if (!await _input.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false) || !_input.Reader.TryRead(out _pending))
                {
                    if (filled == 0)
                    {
                        return false;
                    }

                    throw new EndOfStreamException($"the request body ended {buffer.Length - filled} bytes short");
                }

                continue;
            }

            var take = Math.Min(_pending.Length, buffer.Length - filled);
            _pending[..take].CopyTo(buffer[filled..]);
            _pending = _pending[take..];
            filled += take;
        }

        return true;
    }

    public Task WriteHeadersAsync(IReadOnlyList<(string Name, string Value)> headers, bool endStream, CancellationToken cancellationToken) =>
        _server.WriteHeadersAsync(StreamId, headers, endStream, cancellationToken);

    public Task WriteDataAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        _server.WriteDataAsync(this, data, endStream: false, cancellationToken);
}

/// <summary>The peer broke the HTTP/2 protocol; the connection ends.</summary>
internal sealed class Http2Exception(string message) : IOException(message);
