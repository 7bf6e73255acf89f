using System.Globalization;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;

namespace PipelineImage.Transport;

/// <summary>
/// Says in words what went wrong talking to the engine, whatever the client threw: socket errors come wrapped in
/// <see cref="AggregateException"/>, <see cref="HttpRequestException"/> or <see cref="IOException"/>, an error answer
/// as <see cref="EngineApiStatusException"/>, and an answer that is not the Engine API's as <see cref="JsonException"/>.
/// </summary>
internal static class EngineFailure
{
    /// <param name="failure">What the client threw (not a cancellation the user asked for).</param>
    /// <param name="connectTimeout">How long the engine had to answer, for a time-out.</param>
    /// <param name="caFile">The CA file a TLS connection checked the engine's certificate against; null: no TLS.</param>
    /// <param name="endpoint">The engine's address, when the failure is reaching it.</param>
    public static string Describe(Exception failure, TimeSpan connectTimeout, string? caFile = null, Uri? endpoint = null)
    {
        var chain = Chain(failure).ToList();
        if (chain.OfType<AuthenticationException>().FirstOrDefault() is { } tls)
        {
            return $"TLS failed ({tls.Message}); the engine's certificate must chain to {caFile ?? "ca.pem"} and match the address";
        }

        if (chain.OfType<SocketException>().FirstOrDefault() is { } socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused: nothing listens at that address (is the engine running, and on that port?)",
                // NotConnected: the peer's reset arrived between connect(2) and the request's send, so the send
                // finds the socket no longer connected; it is the same reset.
                SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown or SocketError.NotConnected =>
                    "the connection was reset before the engine answered (a TLS endpoint spoken to without TLS, or no engine at that port)",
                // OperationAborted: the socket was closed under a pending operation, which is how the connect
                // time-out's cancellation ends a read that never got an answer.
                SocketError.TimedOut or SocketError.OperationAborted => Timeout(connectTimeout),
                SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "the host name does not resolve",
                SocketError.NetworkUnreachable or SocketError.HostUnreachable or SocketError.NetworkDown => "the network or host is unreachable",
                SocketError.AccessDenied => "permission denied on the socket (add your user to the engine's group, for example 'docker')",
                // What .NET makes of ENOENT on connect(2) to a unix socket.
                SocketError.AddressNotAvailable when endpoint?.Scheme == "unix" =>
                    "no such socket: the file does not exist (is the engine installed and running?)",
                _ => $"{socket.Message} ({socket.SocketErrorCode})",
            };
        }

        if (chain.Any(e => e is TimeoutException or OperationCanceledException))
        {
            return Timeout(connectTimeout);
        }

        if (chain.OfType<EngineApiStatusException>().FirstOrDefault() is { } status)
        {
            return status.Message;
        }

        if (chain.OfType<JsonException>().FirstOrDefault() is { } json)
        {
            return $"the answer is not the Docker Engine API's ({json.Message})";
        }

        // Closed before any answer: SocketsHttpHandler says the response ended.
        if (chain.OfType<System.Net.Http.HttpIOException>().Any(e => e.HttpRequestError == System.Net.Http.HttpRequestError.ResponseEnded))
        {
            return "the connection was closed before the engine answered (a TLS endpoint spoken to without TLS, or no engine at that port)";
        }

        if (chain.OfType<IOException>().FirstOrDefault() is { } io)
        {
            return $"the connection failed: {io.Message}";
        }

        var innermost = chain[^1];
        return $"{innermost.GetType().Name}: {innermost.Message}";
    }

    /// <summary>The engine's own message from an error answer's body: its JSON <c>message</c>, else the body.</summary>
    public static string ApiMessage(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("message", out var message))
            {
                return message.GetString() ?? body;
            }
        }
        catch (JsonException)
        {
        }

        return body.Trim();
    }

    private static string Timeout(TimeSpan connectTimeout) =>
        $"no answer within {connectTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";

    // The exception and everything inside it, outermost first; an AggregateException contributes each of its own.
    internal static IEnumerable<Exception> Chain(Exception failure)
    {
        var pending = new Queue<Exception>([failure]);
        while (pending.TryDequeue(out var e))
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Enqueue(inner);
                }
            }
            else if (e.InnerException is not null)
            {
                pending.Enqueue(e.InnerException);
            }
        }
    }
}
