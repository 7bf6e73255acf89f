using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PipelineImage.Tests.Engine;

/// <summary>
/// A TCP server on 127.0.0.1 that misbehaves as a wrong address can: it resets each connection, never answers, or
/// answers with fixed bytes. It stops with the test.
/// </summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _clients = [];

    private LoopbackServer(Func<TcpClient, CancellationToken, Task> handle)
    {
        _listener.Start();
        _ = AcceptAsync(handle);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Address => $"tcp://127.0.0.1:{Port}";

    /// <summary>Accepts and resets each connection (RST, not FIN).</summary>
    public static LoopbackServer Resetting() => new((client, _) =>
    {
        client.LingerState = new LingerOption(true, 0);
        client.Close();
        return Task.CompletedTask;
    });

    /// <summary>Accepts and never answers, as a hung engine would.</summary>
    public static LoopbackServer Silent() => new((_, token) => Task.Delay(Timeout.Infinite, token));

    /// <summary>Reads the request head and answers with the given HTTP response, then closes.</summary>
    public static LoopbackServer Answering(string response) => new(async (client, token) =>
    {
        var stream = client.GetStream();
        await ReadHeadAsync(stream, token);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response), token);
        await stream.FlushAsync(token);
        client.Close();
    });

    /// <summary>
    /// An HTTP server of one request a connection: each request's head (request line and headers) goes to answer,
    /// whose status line, content type and body (null: 404) go back, then the connection closes.
    /// </summary>
    public static LoopbackServer Routing(Func<string, (int Status, string Body)?> answer) => new(async (client, token) =>
    {
        var stream = client.GetStream();
        var (status, body) = answer(await ReadHeadAsync(stream, token)) ?? (404, """{"message":"no such route"}""");
        var bytes = Encoding.UTF8.GetBytes(body);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status} {(HttpStatusCode)status}\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n"), token);
        await stream.WriteAsync(bytes, token);
        await stream.FlushAsync(token);
        client.Close();
    });

    /// <summary>Sends the given bytes as soon as a client connects, before it says anything, then closes.</summary>
    public static LoopbackServer Greeting(string bytes) => new(async (client, token) =>
    {
        await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(bytes), token);
        client.Close();
    });

    // The request line and headers, up to the blank line that ends them.
    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken token)
    {
        var head = new List<byte>();
        var buffer = new byte[1];
        while (!head.TakeLast(4).SequenceEqual("\r\n\r\n"u8.ToArray()) && await stream.ReadAsync(buffer, token) == 1)
        {
            head.Add(buffer[0]);
        }

        return Encoding.ASCII.GetString(head.ToArray());
    }

    /// <summary>An address where nothing listens: a port just released.</summary>
    public static string RefusingAddress()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"tcp://127.0.0.1:{port}";
    }

    private async Task AcceptAsync(Func<TcpClient, CancellationToken, Task> handle)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_clients)
            {
                _clients.Add(client);
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await handle(client, _stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
                {
                }
            });
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_clients)
        {
            _clients.ForEach(client => client.Dispose());
        }
    }
}
