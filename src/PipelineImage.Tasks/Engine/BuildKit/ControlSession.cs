using Google.Protobuf;
using Grpc.Core;
using PipelineImage.Session;

namespace PipelineImage.Engine.BuildKit;

/// <summary>BuildKit's Control API carrying our session (<c>Control/Session</c>, as buildctl's).</summary>
internal static class ControlSession
{
    /// <summary>
    /// The session served over a <c>Control/Session</c> call: the call's metadata says what the session's headers say
    /// over <c>POST /session</c>, and its messages carry the HTTP/2 connection.
    /// </summary>
    /// <remarks>
    /// gRPC metadata goes out as HTTP/2 headers, and .NET joins the values of a repeated header into one, which BuildKit
    /// would read as one unknown method. So only FileSync is announced: it is the one service BuildKit looks up in the
    /// announced methods before calling (secrets, credentials and the health check it calls whatever was announced).
    /// </remarks>
    public static BuildSession Open(Control.ControlClient control, string name, string sharedKey, SessionServices services)
    {
        var id = BuildSession.NewId();
        return BuildSession.Over(id, services, token => new CallStream(control.Session(new Metadata
        {
            { "x-docker-expose-session-uuid", id },
            { "x-docker-expose-session-name", name },
            { "x-docker-expose-session-sharedkey", sharedKey },
            { "x-docker-expose-session-grpc-method", FileSync.Method },
        }, cancellationToken: token)));
    }
}

/// <summary>
/// The bytes of a connection carried by BuildKit's <c>Control/Session</c> call, one way in each direction: each
/// message the builder sends is read in order, and what is written goes out as one message per flush.
/// </summary>
internal sealed class CallStream(AsyncDuplexStreamingCall<BytesMessage, BytesMessage> call) : Stream
{
    private readonly MemoryStream _pending = new();
    private ReadOnlyMemory<byte> _unread;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            while (_unread.IsEmpty)
            {
                if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    return 0;
                }

                _unread = call.ResponseStream.Current.Data.Memory;
            }
        }
        catch (RpcException e)
        {
            throw new IOException($"the builder ended the session: {e.Status.Detail}", e);
        }

        var count = Math.Min(buffer.Length, _unread.Length);
        _unread[..count].CopyTo(buffer);
        _unread = _unread[count..];
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _pending.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.Length == 0)
        {
            return;
        }

        var message = new BytesMessage { Data = ByteString.CopyFrom(_pending.GetBuffer(), 0, (int)_pending.Length) };
        _pending.SetLength(0);
        try
        {
            await call.RequestStream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw new IOException($"the builder ended the session: {e.Status.Detail}", e);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous only");

    public override void Flush() => throw new NotSupportedException("asynchronous only");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            call.Dispose();
            _pending.Dispose();
        }

        base.Dispose(disposing);
    }
}
