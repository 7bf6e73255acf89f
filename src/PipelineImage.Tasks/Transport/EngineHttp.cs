using System.IO.Pipes;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace PipelineImage.Transport;

/// <summary>
/// The engine's address as a connection: the HttpClient over it that makes every Engine API call, and upgraded
/// connections (a BuildKit session).
/// </summary>
internal static class EngineHttp
{
    /// <summary>The client; requests take paths relative to the API root (<c>/_ping</c>, <c>/v1.41/build</c>).</summary>
    public static HttpClient Create(EngineConnection connection, TimeSpan timeout)
    {
        var endpoint = connection.Endpoint;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = timeout,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            ConnectCallback = (_, cancellationToken) => OpenAsync(endpoint, cancellationToken),
        };
        if (connection.Tls is { } tls)
        {
            var (client, validate) = EngineTlsCredentials.Load(tls, endpoint.ToString());
            handler.SslOptions.ClientCertificates = [client];
            handler.SslOptions.RemoteCertificateValidationCallback = validate;
        }

        return new HttpClient(handler) { BaseAddress = BaseAddress(connection), Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>
    /// A connection of its own, upgraded by <c>POST path</c> (HTTP/1.1, <c>Upgrade: protocol</c>, no body): after the
    /// engine's 101 it carries the upgraded protocol both ways. Headers go out one line per value, in order; the engine
    /// reads a repeated header as several values, and HttpClient would join them into one.
    /// </summary>
    /// <exception cref="EngineRequestFailedException">The engine answered with another status.</exception>
    public static async Task<Stream> UpgradeAsync(
        EngineConnection connection, string path, string protocol, IEnumerable<KeyValuePair<string, string>> headers, CancellationToken cancellationToken) =>
        await UpgradeAsync(await ConnectAsync(connection, cancellationToken).ConfigureAwait(false), connection, path, protocol, headers, cancellationToken)
            .ConfigureAwait(false);

    /// <summary>The same upgrade over a connection already made (which it disposes when the upgrade fails).</summary>
    public static async Task<Stream> UpgradeAsync(
        Stream stream, EngineConnection connection, string path, string protocol, IEnumerable<KeyValuePair<string, string>> headers,
        CancellationToken cancellationToken)
    {
        try
        {
            var request = new StringBuilder()
                .Append("POST /").Append(path).Append(" HTTP/1.1\r\n")
                .Append("Host: ").Append(BaseAddress(connection).Authority).Append("\r\n")
                .Append("Connection: Upgrade\r\nUpgrade: ").Append(protocol).Append("\r\nContent-Length: 0\r\n");
            foreach (var (name, value) in headers)
            {
                if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
                {
                    throw new ArgumentException($"the value of the header {name} has a line break", nameof(headers));
                }

                request.Append(name).Append(": ").Append(value).Append("\r\n");
            }

            await stream.WriteAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            var (status, answer) = await ReadResponseHeadAsync(stream, cancellationToken).ConfigureAwait(false);
            if (status != HttpStatusCode.SwitchingProtocols)
            {
                var (body, _) = await ReadBodyAsync(stream, ContentLength(answer) ?? 4096, cancellationToken).ConfigureAwait(false);
                throw Failed(path, status, body);
            }

            return stream;
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// <c>GET /_ping</c> over a connection already made, which stays open for another request when the answer says
    /// how long its body is (the engine's does); the answer's headers (<c>Api-Version</c>) by name, case ignored.
    /// </summary>
    /// <returns>The headers, and whether the connection can carry another request.</returns>
    /// <exception cref="HttpRequestException">The answer is not HTTP/1.1 (a gRPC server's HTTP/2 settings).</exception>
    /// <exception cref="EngineRequestFailedException">The answer is not 200.</exception>
    public static async Task<(IReadOnlyDictionary<string, string> Headers, bool Reusable)> PingAsync(
        Stream stream, EngineConnection connection, CancellationToken cancellationToken)
    {
        var request = $"GET /_ping HTTP/1.1\r\nHost: {BaseAddress(connection).Authority}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        var (status, headers) = await ReadResponseHeadAsync(stream, cancellationToken).ConfigureAwait(false);
        var length = ContentLength(headers);
        var (body, whole) = await ReadBodyAsync(stream, length ?? 0, cancellationToken).ConfigureAwait(false);
        if (status != HttpStatusCode.OK)
        {
            throw Failed("_ping", status, body);
        }

        var reusable = length is not null && whole && !(headers.TryGetValue("Connection", out var connectionHeader)
            && connectionHeader.Equals("close", StringComparison.OrdinalIgnoreCase));
        return (headers, reusable);
    }

    // Up to length bytes of a body (at most 64 KiB) as text, and whether all of them came.
    private static async Task<(string Text, bool Whole)> ReadBodyAsync(Stream stream, int length, CancellationToken cancellationToken)
    {
        var body = new byte[Math.Clamp(length, 0, 64 * 1024)];
        var read = await stream.ReadAtLeastAsync(body, body.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        return (Encoding.UTF8.GetString(body, 0, read), read == length);
    }

    private static EngineRequestFailedException Failed(string path, HttpStatusCode status, string body) =>
        new(path, $"{(int)status} {status}: {EngineFailure.ApiMessage(body)}");

    private static int? ContentLength(IReadOnlyDictionary<string, string> headers) =>
        headers.TryGetValue("Content-Length", out var value) && int.TryParse(value, out var length) ? length : null;

    private static Uri BaseAddress(EngineConnection connection) => connection.Endpoint.Scheme is "unix" or "npipe"
        ? new Uri("http://localhost/")
        : new UriBuilder(connection.Tls is null ? "http" : "https", connection.Endpoint.Host, connection.Endpoint.Port).Uri;

    /// <summary>A connection with the docker CLI's TLS where the address has it, offering the protocols (ALPN) given.</summary>
    public static async Task<Stream> ConnectAsync(
        EngineConnection connection, CancellationToken cancellationToken, IReadOnlyList<SslApplicationProtocol>? protocols = null)
    {
        var stream = await OpenAsync(connection.Endpoint, cancellationToken).ConfigureAwait(false);
        if (connection.Tls is not { } tls)
        {
            return stream;
        }

        var (client, validate) = EngineTlsCredentials.Load(tls, connection.Endpoint.ToString());
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = connection.Endpoint.Host,
                ClientCertificates = [client],
                RemoteCertificateValidationCallback = validate,
                ApplicationProtocols = protocols?.ToList(),
            }, cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // The transport alone: a unix socket, a named pipe or tcp.
    private static async ValueTask<Stream> OpenAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        if (endpoint.Scheme == "npipe")
        {
            // npipe://./pipe/docker_engine: server ".", pipe "docker_engine".
            var segments = endpoint.AbsolutePath.Trim('/').Split('/');
            var pipe = new NamedPipeClientStream(endpoint.Host.Length > 0 ? endpoint.Host : ".", segments[^1], PipeDirection.InOut, PipeOptions.Asynchronous);
            try
            {
                await pipe.ConnectAsync(cancellationToken).ConfigureAwait(false);
                return pipe;
            }
            catch
            {
                await pipe.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        var unix = endpoint.Scheme == "unix";
        var socket = unix ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            EndPoint address = unix ? new UnixDomainSocketEndPoint(endpoint.LocalPath) : new DnsEndPoint(endpoint.Host, endpoint.Port);
            await socket.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // The status line and headers, a byte at a time: what follows them belongs to the upgraded protocol.
    private static async Task<(HttpStatusCode Status, IReadOnlyDictionary<string, string> Headers)> ReadResponseHeadAsync(
        Stream stream, CancellationToken cancellationToken)
    {
        var head = new List<byte>(256);
        var one = new byte[1];
        while (head.Count < 4 || head[^4] != '\r' || head[^3] != '\n' || head[^2] != '\r' || head[^1] != '\n')
        {
            if (head.Count == 16 * 1024 || await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new HttpRequestException(head.Count == 0 ? "The engine closed the connection before answering." : "The engine's answer has no end of its headers.");
            }

            head.Add(one[0]);
        }

        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n");
        var parts = lines[0].Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/", StringComparison.Ordinal) || !int.TryParse(parts[1], out var status))
        {
            throw new HttpRequestException($"The engine's answer is not HTTP: {lines[0]}");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        return ((HttpStatusCode)status, headers);
    }
}
