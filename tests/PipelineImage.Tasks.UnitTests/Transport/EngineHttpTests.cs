using System.Net;
using System.Net.Sockets;
using System.Text;
using PipelineImage.Engine;
using PipelineImage.Transport;

namespace PipelineImage.Tests.Transport;

/// <summary>An upgraded connection to the engine, against a loopback server that plays the engine's part.</summary>
public sealed class EngineHttpTests
{
    // Accepts one connection, reads the request head, answers with the given bytes, then echoes what follows upper-cased.
    private static (EngineConnection Connection, Task<string> Head) Serve(string answer, CancellationToken cancellationToken)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var connection = new EngineConnection(new Uri($"tcp://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}"), null, "a test");
        var head = new TaskCompletionSource<string>();
        _ = Task.Run(async () =>
        {
            using var _ = listener.Server;
            using var client = await listener.AcceptTcpClientAsync(cancellationToken);
            var stream = client.GetStream();
            var read = new List<byte>();
            while (!Encoding.ASCII.GetString(read.ToArray()).EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                read.Add((byte)stream.ReadByte());
            }

            head.SetResult(Encoding.ASCII.GetString(read.ToArray()));
            await stream.WriteAsync(Encoding.ASCII.GetBytes(answer), cancellationToken);
            var buffer = new byte[64];
            int n;
            while ((n = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(buffer, 0, n).ToUpperInvariant()), cancellationToken);
            }
        }, cancellationToken);
        return (connection, head.Task);
    }

    [Fact]
    public async Task ARepeatedHeaderGoesOutAsOneLinePerValueAndWhatFollowsThe101IsTheStreams()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var (connection, head) = Serve("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\nfirst bytes", timeout.Token);

        await using var stream = await EngineHttp.UpgradeAsync(connection, "v1.41/session", "h2c",
            [new("X-Method", "/a/B"), new("X-Method", "/c/D"), new("X-Name", "app")], timeout.Token);
        var first = new byte["first bytes".Length];
        await stream.ReadExactlyAsync(first, timeout.Token);
        await stream.WriteAsync("echo"u8.ToArray(), timeout.Token);
        var echoed = new byte[4];
        await stream.ReadExactlyAsync(echoed, timeout.Token);

        var lines = (await head).Split("\r\n");
        Assert.Equal("POST /v1.41/session HTTP/1.1", lines[0]);
        Assert.Contains("Upgrade: h2c", lines);
        Assert.Equal(["X-Method: /a/B", "X-Method: /c/D"], lines.Where(line => line.StartsWith("X-Method:", StringComparison.Ordinal)));
        Assert.Equal("first bytes", Encoding.ASCII.GetString(first));
        Assert.Equal("ECHO", Encoding.ASCII.GetString(echoed));
    }

    [Fact]
    public async Task AnotherAnswerIsTheEnginesMessage()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        const string body = """{"message":"session not supported"}""";
        var (connection, _) = Serve($"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n{body}", timeout.Token);

        var failure = await Assert.ThrowsAsync<EngineRequestFailedException>(() => EngineHttp.UpgradeAsync(connection, "v1.41/session", "h2c", [], timeout.Token));

        Assert.Contains("400", failure.Message, StringComparison.Ordinal);
        Assert.Contains("session not supported", failure.Message, StringComparison.Ordinal);
    }
}
