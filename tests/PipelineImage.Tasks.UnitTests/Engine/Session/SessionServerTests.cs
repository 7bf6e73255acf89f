using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using PipelineImage.Engine.Session;
using PipelineImage.Engine.Session.Protocol;

namespace PipelineImage.Tests.Engine.Session;

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

    private readonly SessionServices _services = new(
        new Dictionary<string, byte[]> { ["pip-index"] = "machine index login u password p\n"u8.ToArray(), ["big"] = Enumerable.Range(0, 3 << 20).Select(i => (byte)i).ToArray() },
        (host, _) => Task.FromResult<(string, string)?>(host == "127.0.0.1:5001" ? ("user", "pass") : null));

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
        var unimplemented = await CallAsync(server, "/moby.filesync.v1.FileSync/DiffCopy", new HealthCheckRequest());
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
}
