using System.Buffers.Binary;
using Google.Protobuf;

namespace PipelineImage.Session;

/// <summary>
/// gRPC over <see cref="Http2Server"/>: routes each request by its <c>:path</c> (<c>/package.Service/Method</c>) to
/// a method, reads and writes length-prefixed messages, and ends every call with its status in the trailers. A path
/// we do not serve answers Unimplemented, which is how BuildKit learns that a session lacks a service.
/// </summary>
internal sealed class GrpcServer
{
    private readonly IReadOnlyDictionary<string, Func<GrpcCall, Task>> _methods;

    /// <param name="methods">Each served method by its full path, such as <c>/grpc.health.v1.Health/Check</c>.</param>
    public GrpcServer(IReadOnlyDictionary<string, Func<GrpcCall, Task>> methods) => _methods = methods;

    /// <summary>The paths served, for the session's <c>X-Docker-Expose-Session-Grpc-Method</c> headers.</summary>
    public IEnumerable<string> Methods => _methods.Keys;

    public async Task HandleAsync(Http2Request request)
    {
        var call = new GrpcCall(request);
        var status = GrpcStatus.Ok;
        var message = "";
        try
        {
            if (request.Header(":method") != "POST" || request.Header("content-type")?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
            {
                status = GrpcStatus.Internal;
                message = "not a gRPC request";
            }
            else if (!_methods.TryGetValue(request.Header(":path") ?? "", out var method))
            {
                status = GrpcStatus.Unimplemented;
                message = $"unknown method {request.Header(":path")}";
            }
            else
            {
                await method(call).ConfigureAwait(false);
            }
        }
        catch (GrpcStatusException failure)
        {
            status = failure.Status;
            message = failure.Message;
        }
        catch (OperationCanceledException) when (request.Aborted.IsCancellationRequested)
        {
            throw;
        }

        await call.EndAsync(status, message).ConfigureAwait(false);
    }
}

/// <summary>One call: its metadata, its request messages and its response messages.</summary>
internal sealed class GrpcCall
{
    private readonly Http2Request _request;
    private bool _headersSent;

    public GrpcCall(Http2Request request) => _request = request;

    /// <summary>Cancelled when the client cancels the call or the session ends.</summary>
    public CancellationToken Cancelled => _request.Aborted;

    /// <summary>All values of a metadata key (the request's headers of that lower-case name), in order.</summary>
    public IEnumerable<string> MetadataValues(string name) => _request.HeaderValues(name);

    /// <summary>The next request message; null when the client has sent its last.</summary>
    public async Task<T?> ReadAsync<T>(MessageParser<T> parser)
        where T : class, IMessage<T>
    {
        var prefix = new byte[5];
        if (!await _request.ReadExactlyAsync(prefix, Cancelled).ConfigureAwait(false))
        {
            return null;
        }

        if (prefix[0] != 0)
        {
            throw new GrpcStatusException(GrpcStatus.Unimplemented, "compressed messages are not accepted");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(prefix.AsSpan(1));
        if (length > 64 * 1024 * 1024)
        {
            throw new GrpcStatusException(GrpcStatus.ResourceExhausted, $"a message of {length} bytes");
        }

        var body = new byte[length];
        if (length > 0 && !await _request.ReadExactlyAsync(body, Cancelled).ConfigureAwait(false))
        {
            throw new EndOfStreamException("the call ended inside a message");
        }

        return parser.ParseFrom(body);
    }

    /// <summary>Reads the one request message of a unary call.</summary>
    public async Task<T> ReadSingleAsync<T>(MessageParser<T> parser)
        where T : class, IMessage<T> =>
        await ReadAsync(parser).ConfigureAwait(false) ?? throw new GrpcStatusException(GrpcStatus.Internal, "the call carried no request message");

    public async Task WriteAsync(IMessage message)
    {
        await SendHeadersAsync().ConfigureAwait(false);
        var size = message.CalculateSize();
        var frame = new byte[5 + size];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)size);
        message.WriteTo(frame.AsSpan(5));
        await _request.WriteDataAsync(frame, Cancelled).ConfigureAwait(false);
    }

    internal async Task EndAsync(GrpcStatus status, string message)
    {
        var trailers = new List<(string, string)> { ("grpc-status", ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture)) };
        if (message.Length > 0)
        {
            trailers.Add(("grpc-message", PercentEncode(message)));
        }

        if (!_headersSent)
        {
            // Trailers-only: one HEADERS frame with the status.
            _headersSent = true;
            trailers.InsertRange(0, [(":status", "200"), ("content-type", "application/grpc")]);
        }

        await _request.WriteHeadersAsync(trailers, endStream: true, Cancelled).ConfigureAwait(false);
    }

    private async Task SendHeadersAsync()
    {
        if (!_headersSent)
        {
            _headersSent = true;
            await _request.WriteHeadersAsync([(":status", "200"), ("content-type", "application/grpc")], endStream: false, Cancelled).ConfigureAwait(false);
        }
    }

    // grpc-message is percent-encoded UTF-8 (gRPC over HTTP/2: printable ASCII but '%' as is).
    private static string PercentEncode(string text)
    {
        var builder = new System.Text.StringBuilder();
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(text))
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}

/// <summary>gRPC status codes (grpc/grpc doc/statuscodes.md).</summary>
internal enum GrpcStatus
{
    Ok = 0,
    Cancelled = 1,
    InvalidArgument = 3,
    NotFound = 5,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
}

/// <summary>Ends a call with this status and message.</summary>
internal sealed class GrpcStatusException(GrpcStatus status, string message) : Exception(message)
{
    public GrpcStatus Status { get; } = status;
}
