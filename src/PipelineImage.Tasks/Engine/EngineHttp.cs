using System.IO.Pipes;
using System.Net.Http;
using System.Net.Sockets;

namespace PipelineImage.Engine;

/// <summary>
/// A plain HttpClient to the engine's address (unix socket, named pipe, or tcp with the docker CLI's TLS), for the
/// calls Docker.DotNet does not make: the ping's headers and BuildKit builds, whose progress it cannot read.
/// </summary>
internal static class EngineHttp
{
    /// <summary>The client; requests take paths relative to the API root (<c>/_ping</c>, <c>/v1.41/build</c>).</summary>
    public static HttpClient Create(EngineConnection connection, TimeSpan timeout)
    {
        var endpoint = connection.Endpoint;
        var handler = new SocketsHttpHandler { ConnectTimeout = timeout, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        Uri baseAddress;
        switch (endpoint.Scheme)
        {
            case "unix":
                handler.ConnectCallback = async (_, cancellationToken) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await socket.ConnectAsync(new UnixDomainSocketEndPoint(endpoint.LocalPath), cancellationToken).ConfigureAwait(false);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                };
                baseAddress = new Uri("http://localhost/");
                break;
            case "npipe":
                handler.ConnectCallback = async (_, cancellationToken) =>
                {
                    // npipe://./pipe/docker_engine: server ".", pipe "docker_engine".
                    var segments = endpoint.AbsolutePath.Trim('/').Split('/');
                    var pipe = new NamedPipeClientStream(endpoint.Host.Length > 0 ? endpoint.Host : ".", segments[^1], PipeDirection.InOut, PipeOptions.Asynchronous);
                    await pipe.ConnectAsync(cancellationToken).ConfigureAwait(false);
                    return pipe;
                };
                baseAddress = new Uri("http://localhost/");
                break;
            default:
                if (connection.Tls is { } tls)
                {
                    var (client, validate) = EngineTlsCredentials.Load(tls, endpoint.ToString());
                    handler.SslOptions.ClientCertificates = [client];
                    handler.SslOptions.RemoteCertificateValidationCallback = validate;
                }

                baseAddress = new UriBuilder(connection.Tls is null ? "http" : "https", endpoint.Host, endpoint.Port).Uri;
                break;
        }

        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
    }
}
