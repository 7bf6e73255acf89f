using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace PipelineImage.IntegrationTests.Infrastructure;

/// <summary>What a fault does to a request it matches.</summary>
public enum FaultKind
{
    /// <summary>Answers 503 Service Unavailable.</summary>
    ServiceUnavailable,

    /// <summary>Resets the connection before any answer.</summary>
    Reset,
}

/// <param name="Method">The HTTP method the fault applies to.</param>
/// <param name="Path">A pattern the request's path must match.</param>
/// <param name="Times">How many matching requests it fails; the later ones pass.</param>
/// <param name="Kind">What it does to them.</param>
public sealed record Fault(string Method, string Path, int Times, FaultKind Kind);

/// <summary>
/// A proxy on a loopback port in front of a registry of build/registries.sh, for the push tests: it fails the requests
/// its faults match (a 503, or a reset connection) as many times as they say, and passes everything else through, one
/// request a connection (it asks both sides to close after each), so that every request is seen. The engine pushes to
/// <c>localhost:&lt;port&gt;</c>, which it reaches over plain HTTP as it does any loopback registry.
/// </summary>
public sealed class FaultyRegistryProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly int _upstream;
    private readonly List<Fault> _faults;
    private readonly Dictionary<Fault, int> _failed = [];
    private readonly List<string> _log = [];
    private readonly Task _accepting;

    public FaultyRegistryProxy(int upstreamPort, params Fault[] faults)
    {
        _upstream = upstreamPort;
        _faults = [.. faults];
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The registry's name as an image reference has it.</summary>
    public string Registry => $"localhost:{Port}";

    /// <summary>Each request, as "METHOD path" and what became of it (passed, 503, reset).</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_log)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>How many requests the fault has failed so far.</summary>
    public int Failed(Fault fault)
    {
        lock (_log)
        {
            return _failed.GetValueOrDefault(fault);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var (head, body) = await ReadHeadAsync(stream);
                if (head is null)
                {
                    return;
                }

                if (head == TlsHello)
                {
                    // What a Go registry answers a TLS client on its plain port: the engine (containerd's resolver on
                    // the containerd store) tries HTTPS first and takes this answer as its cue to use HTTP.
                    Record("TLS hello -> 400");
                    await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"));
                    return;
                }

                var requestLine = head[..head.IndexOf("\r\n", StringComparison.Ordinal)].Split(' ');
                var (method, path) = (requestLine[0], requestLine[1]);
                var fault = Match(method, path);
                Record($"{method} {path} -> {(fault is null ? "passed" : fault.Kind == FaultKind.Reset ? "reset" : "503")}");
                if (fault is { Kind: FaultKind.Reset })
                {
                    client.Client.LingerState = new LingerOption(true, 0);
                    return;
                }

                if (fault is { Kind: FaultKind.ServiceUnavailable })
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
                    return;
                }

                using var upstream = new TcpClient();
                await upstream.ConnectAsync(IPAddress.Loopback, _upstream);
                var upstreamStream = upstream.GetStream();
                await upstreamStream.WriteAsync(Encoding.ASCII.GetBytes(WithConnectionClose(head)));
                await upstreamStream.WriteAsync(body);
                using var done = new CancellationTokenSource();
                var request = stream.CopyToAsync(upstreamStream, done.Token);
                await upstreamStream.CopyToAsync(stream);
                await done.CancelAsync();
                try
                {
                    await request;
                }
                catch (Exception e) when (e is OperationCanceledException or IOException)
                {
                }
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // A client or the registry went away mid-request: its own retry is what the tests look at.
            }
        }
    }

    private Fault? Match(string method, string path)
    {
        lock (_log)
        {
            var fault = _faults.FirstOrDefault(f => f.Method == method && Regex.IsMatch(path, f.Path) && _failed.GetValueOrDefault(f) < f.Times);
            if (fault is not null)
            {
                _failed[fault] = _failed.GetValueOrDefault(fault) + 1;
            }

            return fault;
        }
    }

    private void Record(string line)
    {
        lock (_log)
        {
            _log.Add(line);
        }
    }

    private const string TlsHello = "TLS hello";

    // The request head (up to the blank line), and what of the body came with it; TlsHello for a TLS handshake.
    private static async Task<(string? Head, byte[] Body)> ReadHeadAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var chunk = new byte[8192];
        while (true)
        {
            var read = await stream.ReadAsync(chunk);
            if (read == 0)
            {
                return (null, []);
            }

            buffer.AddRange(chunk.AsSpan(0, read).ToArray());
            if (buffer[0] == 0x16)
            {
                return (TlsHello, []);
            }

            var text = Encoding.ASCII.GetString(buffer.ToArray());
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                return (text[..(end + 4)], buffer.Skip(end + 4).ToArray());
            }
        }
    }

    private static string WithConnectionClose(string head)
    {
        var lines = head[..^4].Split("\r\n").Where(line => !line.StartsWith("Connection:", StringComparison.OrdinalIgnoreCase));
        return string.Join("\r\n", lines) + "\r\nConnection: close\r\n\r\n";
    }
}
