using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using PipelineImage.Context;
using PipelineImage.Session;
using PipelineImage.Session.Protocol;

namespace PipelineImage.Tests.Session;

/// <summary>
/// Our HTTP/2 and gRPC server against another implementation's client: .NET's own HTTP/2 (prior knowledge, as the
/// daemon speaks it on the hijacked session stream), over loopback TCP. The daemon itself is the e2e tests' client.
/// </summary>
public sealed class SessionServerTests : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _client = new(new SocketsHttpHandler());
    private Task? _serving;

    private readonly FileSync _files = new(
    [
        ContextEntry.FromContent("app/big.bin", Big),
        ContextEntry.FromContent("app/small.txt", "small"u8.ToArray()),
        ContextEntry.FromContent("other.txt", "other"u8.ToArray()),
    ]);

    private readonly SessionServices _services;

    public SessionServerTests() => _services = new(
        new Dictionary<string, byte[]> { ["pip-index"] = "machine index login u password p\n"u8.ToArray(), ["big"] = Enumerable.Range(0, 3 << 20).Select(i => (byte)i).ToArray() },
        (host, _) => Task.FromResult<(string, string)?>(host == "127.0.0.1:5001" ? ("user", "pass") : null),
        _files);

    private static readonly byte[] Big = Enumerable.Range(0, 100 * 1024).Select(i => (byte)(i * 7)).ToArray();

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _stop.CancelAsync();
        _listener.Stop();
        if (_serving is not null)
        {
            await Task.WhenAny(_serving, Task.Delay(5000));
        }
    }

    private Uri Start()
    {
        _listener.Start();
        var server = _services.Server();
        _serving = Task.Run(async () =>
        {
            using var socket = await _listener.AcceptSocketAsync(_stop.Token);
            await using var http2 = new Http2Server(new NetworkStream(socket, ownsSocket: false), server.HandleAsync);
            await http2.ServeAsync(_stop.Token);
        });
        return new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
    }

    private async Task<(HttpResponseMessage Response, byte[] Body)> CallAsync(Uri server, string method, IMessage request)
    {
        var bytes = request.ToByteArray();
        var frame = new byte[5 + bytes.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), bytes.Length);
        bytes.CopyTo(frame, 5);
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(server, method)) { Content = new ByteArrayContent(frame), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        message.Content.Headers.ContentType = new("application/grpc");
        message.Headers.TryAddWithoutValidation("te", "trailers");
        var response = await _client.SendAsync(message, _stop.Token);
        var body = await response.Content.ReadAsByteArrayAsync(_stop.Token);
        return (response, body);
    }

    private static T Single<T>(byte[] body, MessageParser<T> parser) where T : IMessage<T>
    {
        Assert.Equal(0, body[0]);
        var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(1));
        Assert.Equal(body.Length, 5 + length);
        return parser.ParseFrom(body, 5, length);
    }

    private static string Status(HttpResponseMessage response) =>
        (response.TrailingHeaders.TryGetValues("grpc-status", out var values) || response.Headers.TryGetValues("grpc-status", out values)) ? values.Single() : "none";

    [Fact]
    public async Task TheHealthCheckSecretsAndCredentialsAnswerOverOneConnection()
    {
        var server = Start();

        var health = await CallAsync(server, "/grpc.health.v1.Health/Check", new HealthCheckRequest());
        var secret = await CallAsync(server, "/moby.buildkit.secrets.v1.Secrets/GetSecret", new GetSecretRequest { ID = "pip-index" });
        var known = await CallAsync(server, "/moby.filesync.v1.Auth/Credentials", new CredentialsRequest { Host = "127.0.0.1:5001" });
        var anonymous = await CallAsync(server, "/moby.filesync.v1.Auth/Credentials", new CredentialsRequest { Host = "elsewhere.example" });

        Assert.Equal(HttpVersion.Version20, health.Response.Version);
        Assert.Equal("application/grpc", health.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, Single(health.Body, HealthCheckResponse.Parser).Status);
        Assert.Equal("machine index login u password p\n", Single(secret.Body, GetSecretResponse.Parser).Data.ToStringUtf8());
        Assert.Equal(("user", "pass"), (Single(known.Body, CredentialsResponse.Parser).Username, Single(known.Body, CredentialsResponse.Parser).Secret));
        Assert.Equal("", Single(anonymous.Body, CredentialsResponse.Parser).Username);
        Assert.All(new[] { health, secret, known, anonymous }, call => Assert.Equal("0", Status(call.Response)));
        Assert.Equal(["pip-index"], _services.SecretsAsked);
    }

    [Fact]
    public async Task AnUnknownSecretIsNotFoundAndAnUnknownMethodUnimplementedWithTheConnectionStillServing()
    {
        var server = Start();

        var unknown = await CallAsync(server, "/moby.buildkit.secrets.v1.Secrets/GetSecret", new GetSecretRequest { ID = "nope" });
        var unimplemented = await CallAsync(server, "/moby.filesync.v1.FileSync/TarStream", new HealthCheckRequest());
        var after = await CallAsync(server, "/grpc.health.v1.Health/Check", new HealthCheckRequest());

        Assert.Equal("5", Status(unknown.Response));
        Assert.Equal("secret nope not found", Uri.UnescapeDataString(unknown.Response.Headers.Concat(unknown.Response.TrailingHeaders).Single(h => h.Key == "grpc-message").Value.Single()));
        Assert.Equal("12", Status(unimplemented.Response));
        Assert.Equal("0", Status(after.Response));
        Assert.Equal(["nope"], _services.SecretsAsked);
    }

    [Fact]
    public async Task AValueLargerThanEveryWindowAndFrameArrivesWholeAndCallsRunConcurrently()
    {
        var server = Start();

        var calls = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => CallAsync(server, "/moby.buildkit.secrets.v1.Secrets/GetSecret", new GetSecretRequest { ID = "big" })));

        Assert.All(calls, call => Assert.Equal(Enumerable.Range(0, 3 << 20).Select(i => (byte)i), Single(call.Body, GetSecretResponse.Parser).Data.ToByteArray()));
    }

    [Fact]
    public async Task DiffCopyStatesWhatThePatternsSelectThenSendsOnlyTheFileAskedForAndEndsWithFin()
    {
        var server = Start();
        var requests = new DuplexContent();
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(server, "/moby.filesync.v1.FileSync/DiffCopy"))
        {
            Content = requests, Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        message.Content.Headers.ContentType = new("application/grpc");
        message.Headers.TryAddWithoutValidation("te", "trailers");
        message.Headers.TryAddWithoutValidation("include-patterns", "app");
        message.Headers.TryAddWithoutValidation("dir-name", "context");

        // The builder's side: read the STATs to the empty one, ask for one file, take its DATA to the empty one, FIN.
        using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, _stop.Token);
        var answers = await response.Content.ReadAsStreamAsync(_stop.Token);
        var stated = new List<string>();
        for (var packet = await ReadPacketAsync(answers); packet.Stat?.Path is { Length: > 0 } path; packet = await ReadPacketAsync(answers))
        {
            Assert.Equal(Packet.Types.PacketType.PacketStat, packet.Type);
            stated.Add(path);
        }

        var asked = (uint)stated.IndexOf("app/big.bin");
        await requests.WriteAsync(new Packet { Type = Packet.Types.PacketType.PacketReq, ID = asked });
        var received = new MemoryStream();
        int chunks = 0;
        for (var packet = await ReadPacketAsync(answers); packet.Data.Length > 0; packet = await ReadPacketAsync(answers), chunks++)
        {
            Assert.Equal((Packet.Types.PacketType.PacketData, asked), (packet.Type, packet.ID));
            packet.Data.WriteTo(received);
        }

        await requests.WriteAsync(new Packet { Type = Packet.Types.PacketType.PacketFin });
        Assert.Equal(Packet.Types.PacketType.PacketFin, (await ReadPacketAsync(answers)).Type);
        requests.Complete();
        Assert.Equal(-1, answers.ReadByte());

        Assert.Equal(["app", "app/big.bin", "app/small.txt"], stated);
        Assert.Equal(Big, received.ToArray());
        Assert.True(chunks > 1, "a file over the chunk size comes in several DATA packets");
        Assert.Equal("0", Status(response));
        Assert.Equal((1, 2, Big.LongLength), (_files.FilesSent, _files.FilesOffered, _files.BytesSent));
    }

    private static async Task<Packet> ReadPacketAsync(Stream stream)
    {
        var prefix = new byte[5];
        await stream.ReadExactlyAsync(prefix);
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix.AsSpan(1))];
        await stream.ReadExactlyAsync(body);
        return Packet.Parser.ParseFrom(body);
    }

    // A request body written while the answer is read, each message flushed as it is written (the builder's side of a
    // bidirectional stream).
    private sealed class DuplexContent : HttpContent
    {
        private readonly System.Threading.Channels.Channel<byte[]> _messages = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();

        public ValueTask WriteAsync(IMessage message)
        {
            var bytes = message.ToByteArray();
            var frame = new byte[5 + bytes.Length];
            BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), bytes.Length);
            bytes.CopyTo(frame, 5);
            return _messages.Writer.WriteAsync(frame);
        }

        public void Complete() => _messages.Writer.Complete();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.FlushAsync(); // the headers go out before the first message
            await foreach (var frame in _messages.Reader.ReadAllAsync())
            {
                await stream.WriteAsync(frame);
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
