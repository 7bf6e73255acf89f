using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PipelineImage.Engine.BuildKit;
using PipelineImage.Session;

namespace PipelineImage.Tests.Engine;

/// <summary>
/// A buildkitd's Control API on a unix socket, served by our own HTTP/2 and gRPC server (no buildkitd binary is to be
/// had here): it records each Solve and session, streams one step's status and answers as an image exporter that pushed.
/// Like buildkitd it speaks HTTP/2 at once, so a Docker engine's upgrade request gets no HTTP answer. With an API
/// version it is a Docker engine's socket instead: HTTP/1.1 (<c>/_ping</c>, <c>/version</c>, <c>/info</c>, an
/// image's inspect, <c>POST /grpc</c> and <c>POST /session</c> upgraded), and from API 1.53 HTTP/2 on the same socket,
/// as Docker 29.2 serves it.
/// </summary>
internal sealed class FakeBuildKitDaemon : IAsyncDisposable
{
    public const string ConfigDigest = "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
    public const string ManifestDigest = "sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"pimg-buildkitd-{Guid.NewGuid():N}.sock");
    private readonly X509Certificate2? _serverCertificate;
    private readonly Task _accepting;
    private readonly bool _engineSpeaksHttp2;

    /// <param name="failWith">A Solve fails with this message; <see cref="Cancel"/>: it ends as cancelled, as BuildKit giving a build up does.</param>
    /// <param name="tls">
    /// Listen on tcp 127.0.0.1 with TLS as buildkitd does with <c>--tlscert</c>: only h2 (ALPN), a client certificate
    /// required; <see cref="CertPath"/> holds the client's ca.pem, cert.pem and key.pem.
    /// </param>
    /// <param name="engineApiVersion">An engine's API version: the socket answers as a Docker engine's.</param>
    /// <param name="engineSpeaksHttp2">
    /// False: HTTP/2 on the socket is refused with an HTTP/1.1 400, whatever the API version says (a proxy in between).
    /// </param>
    public FakeBuildKitDaemon(string? failWith = null, bool tls = false, string? engineApiVersion = null, bool engineSpeaksHttp2 = true)
    {
        FailWith = failWith;
        EngineApiVersion = engineApiVersion;
        _engineSpeaksHttp2 = engineSpeaksHttp2;
        if (tls)
        {
            _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Directory.CreateDirectory(_path);
            _serverCertificate = WriteCertificates(_path);
            Address = $"tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}";
        }
        else
        {
            _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _listener.Bind(new UnixDomainSocketEndPoint(_path));
            Address = "unix://" + _path;
        }

        _listener.Listen();
        _accepting = AcceptAsync();
    }

    public string Address { get; }

    /// <summary>The client's certificates, with TLS.</summary>
    public string CertPath => _path;

    /// <summary>The failure that ends a Solve as cancelled (gRPC status 1), not failed.</summary>
    public const string Cancel = "context canceled";

    /// <summary>A Solve fails with this message (as a failed RUN step's).</summary>
    public string? FailWith { get; }

    /// <summary>
    /// The failed step's vertex, with <see cref="FailWith"/> as its error, comes on the Status stream only after the Solve
    /// has answered, as a busy BuildKit's may; false: the stream has no failed step.
    /// </summary>
    public bool FailedStepAfterSolve { get; init; }

    private readonly TaskCompletionSource _solveFailed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string? EngineApiVersion { get; }

    /// <summary>
    /// The image exporter's push: called with the name it exports to (a test stores an image there in its registry), it
    /// answers the manifest digest stored; null: nothing is stored, and the answer is <see cref="ManifestDigest"/>.
    /// </summary>
    public Func<string, string>? Push { get; init; }

    public List<SolveRequest> Solves { get; } = [];

    /// <summary>What each connection was: <c>HTTP/2</c>, or the HTTP/1.1 requests it carried (<c>GET /_ping</c>, <c>POST /grpc</c>).</summary>
    public List<string> Requests { get; } = [];

    /// <summary>What ListWorkers says its one worker runs (os/arch[/variant]); none: it names no worker, as before BuildKit listed platforms.</summary>
    public List<string> WorkerPlatforms { get; } = [];

    private ListWorkersResponse Workers()
    {
        var response = new ListWorkersResponse();
        if (WorkerPlatforms.Count > 0)
        {
            var worker = new WorkerRecord();
            worker.Platforms.AddRange(WorkerPlatforms.Select(platform => platform.Split('/'))
                .Select(parts => new WorkerPlatform { OS = parts[0], Architecture = parts[1], Variant = parts.Length > 2 ? parts[2] : "" }));
            response.Record.Add(worker);
        }

        return response;
    }

    /// <summary>The methods each session announced, and its id.</summary>
    public List<(string Id, string[] Methods)> Sessions { get; } = [];

    private async Task AcceptAsync()
    {
        var methods = new Dictionary<string, Func<GrpcCall, Task>>(StringComparer.Ordinal)
        {
            ["/moby.buildkit.v1.Control/Solve"] = SolveAsync,
            ["/moby.buildkit.v1.Control/Status"] = StatusAsync,
            ["/moby.buildkit.v1.Control/Session"] = SessionAsync,
            ["/moby.buildkit.v1.Control/ListWorkers"] = async call => await call.WriteAsync(Workers()),
        };
        var grpc = new GrpcServer(methods);
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                Stream stream = new NetworkStream(socket, ownsSocket: true);
                try
                {
                    if (_serverCertificate is not null)
                    {
                        var ssl = new SslStream(stream);
                        stream = ssl;
                        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                        {
                            ServerCertificate = _serverCertificate,
                            ApplicationProtocols = [SslApplicationProtocol.Http2],
                            ClientCertificateRequired = true,
                            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null,
                        }, _stop.Token);
                    }

                    var first = new byte[4];
                    await stream.ReadExactlyAsync(first, _stop.Token);
                    stream = new ReplayStream(first, stream);
                    if (!first.AsSpan().SequenceEqual("PRI "u8))
                    {
                        if (EngineApiVersion is not null)
                        {
                            await ServeHttp1Async(stream, grpc);
                        }

                        return;
                    }

                    Record("HTTP/2");
                    if (EngineApiVersion is not null && !_engineSpeaksHttp2)
                    {
                        await stream.WriteAsync("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), _stop.Token);
                        return;
                    }

                    await using var http2 = new Http2Server(stream, grpc.HandleAsync);
                    await http2.ServeAsync(_stop.Token);
                }
                catch (Exception)
                {
                    // A connection that spoke no HTTP/2 (the upgrade probe), or the test's end.
                }
                finally
                {
                    await stream.DisposeAsync();
                }
            });
        }
    }

    private void Record(string request)
    {
        lock (Requests)
        {
            Requests.Add(request);
        }
    }

    // The engine's HTTP/1.1: requests one after another until an upgrade takes the connection over.
    private async Task ServeHttp1Async(Stream stream, GrpcServer grpc)
    {
        while (await ReadRequestAsync(stream) is var (method, path, headers))
        {
            var route = System.Text.RegularExpressions.Regex.Replace(path, "^/v[0-9.]+/", "/");
            Record($"{method} {route}");
            switch (method, route)
            {
                case ("GET", "/_ping"):
                    await RespondAsync(stream, "200 OK", "OK", $"Api-Version: {EngineApiVersion}\r\n");
                    break;
                case ("GET", "/version"):
                    await RespondAsync(stream, "200 OK", $$"""{"Version":"29.2.0","ApiVersion":"{{EngineApiVersion}}","Os":"linux","Arch":"amd64"}""");
                    break;
                case ("GET", "/info"):
                    await RespondAsync(stream, "200 OK", """{"DriverStatus":[["Backing Filesystem","extfs"]]}""");
                    break;
                case ("GET", _) when route.StartsWith("/images/", StringComparison.Ordinal):
                    await RespondAsync(stream, "200 OK", $$"""{"Id":"{{ConfigDigest}}"}""");
                    break;
                case ("POST", "/grpc"):
                    await stream.WriteAsync("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"u8.ToArray(), _stop.Token);
                    await using (var http2 = new Http2Server(stream, grpc.HandleAsync))
                    {
                        await http2.ServeAsync(_stop.Token);
                    }

                    return;
                case ("POST", "/session"):
                    lock (Sessions)
                    {
                        Sessions.Add((headers.Single(h => h.Name == "x-docker-expose-session-uuid").Value,
                            headers.Where(h => h.Name == "x-docker-expose-session-grpc-method").Select(h => h.Value).ToArray()));
                    }

                    await stream.WriteAsync("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"u8.ToArray(), _stop.Token);
                    // The engine would be the HTTP/2 client of the session now; this one only holds it until the client ends it.
                    await stream.CopyToAsync(Stream.Null, _stop.Token);
                    return;
                default:
                    await RespondAsync(stream, "404 Not Found", """{"message":"page not found"}""");
                    break;
            }
        }
    }

    private async Task RespondAsync(Stream stream, string status, string body, string headers = "")
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(body);
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\n{headers}Content-Length: {bytes.Length}\r\n\r\n"), _stop.Token);
        await stream.WriteAsync(bytes, _stop.Token);
    }

    // A request's line and headers (names in lower case), its body read past; null at the connection's end.
    private async Task<(string Method, string Path, List<(string Name, string Value)> Headers)?> ReadRequestAsync(Stream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || !head.TakeLast(4).SequenceEqual("\r\n\r\n"u8.ToArray()))
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
            {
                return null;
            }

            head.Add(one[0]);
        }

        var lines = System.Text.Encoding.ASCII.GetString(head.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var headers = lines.Skip(1).Select(line => line.Split(':', 2)).Select(parts => (parts[0].Trim().ToLowerInvariant(), parts[1].Trim())).ToList();
        var length = headers.Where(h => h.Item1 == "content-length").Select(h => int.Parse(h.Item2)).FirstOrDefault();
        await stream.ReadExactlyAsync(new byte[length], _stop.Token);
        var request = lines[0].Split(' ');
        return (request[0], request[1], headers);
    }

    // The bytes read to tell HTTP/2 from HTTP/1.1, then the connection's.
    private sealed class ReplayStream(byte[] first, Stream inner) : Stream
    {
        private int _replayed;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_replayed < first.Length)
            {
                var count = Math.Min(buffer.Length, first.Length - _replayed);
                first.AsMemory(_replayed, count).CopyTo(buffer);
                _replayed += count;
                return count;
            }

            return await inner.ReadAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private async Task SolveAsync(GrpcCall call)
    {
        var request = await call.ReadSingleAsync(SolveRequest.Parser);
        lock (Solves)
        {
            Solves.Add(request);
        }

        // As BuildKit's session manager: the solve waits for the session it names, which comes on its own connection.
        for (var waited = 0; waited < 100 && request.Session.Length > 0 && !HasSession(request.Session); waited++)
        {
            await Task.Delay(50, call.Cancelled);
        }

        if (FailWith is not null)
        {
            _solveFailed.TrySetResult();
            throw new GrpcStatusException(FailWith == Cancel ? GrpcStatus.Cancelled : GrpcStatus.Internal, FailWith);
        }

        await call.WriteAsync(new SolveResponse
        {
            ExporterResponse = { ["containerimage.config.digest"] = ConfigDigest, ["containerimage.digest"] = Push?.Invoke(request.ExporterAttrsDeprecated["name"]) ?? ManifestDigest, ["image.name"] = request.ExporterAttrsDeprecated["name"] },
        });
    }

    private bool HasSession(string id)
    {
        lock (Sessions)
        {
            return Sessions.Any(session => session.Id == id);
        }
    }

    private async Task StatusAsync(GrpcCall call)
    {
        await call.ReadSingleAsync(StatusRequest.Parser);
        await call.WriteAsync(new StatusResponse { Vertexes = { new Vertex { Digest = "sha256:v1", Name = "[1/2] FROM docker.io/library/app-base:1", Started = new Time { Seconds = 1 } } } });
        await call.WriteAsync(new StatusResponse { Vertexes = { new Vertex { Digest = "sha256:v1", Name = "[1/2] FROM docker.io/library/app-base:1", Started = new Time { Seconds = 1 }, Completed = new Time { Seconds = 2 } } } });
        if (FailedStepAfterSolve)
        {
            await _solveFailed.Task.WaitAsync(call.Cancelled);
            await Task.Delay(200, call.Cancelled);
            await call.WriteAsync(new StatusResponse
            {
                Vertexes = { new Vertex { Digest = "sha256:v2", Name = "[2/2] RUN apt-get install nope", Started = new Time { Seconds = 2 }, Completed = new Time { Seconds = 3 }, Error = FailWith } },
            });
        }
    }

    private async Task SessionAsync(GrpcCall call)
    {
        lock (Sessions)
        {
            Sessions.Add((call.MetadataValues("x-docker-expose-session-uuid").Single(), call.MetadataValues("x-docker-expose-session-grpc-method").ToArray()));
        }

        // The session lasts as long as the client keeps it.
        while (await call.ReadAsync(BytesMessage.Parser) is not null)
        {
        }
    }

    // A CA, the server's certificate for 127.0.0.1 signed by it, and a client certificate: the client's files in
    // the docker CLI's layout, the server's certificate returned.
    private static X509Certificate2 WriteCertificates(string directory)
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=pimg-test-ca", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        X509Certificate2 Issue(string subject, Action<CertificateRequest> extend, out RSA key)
        {
            key = RSA.Create(2048);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            extend(request);
            return request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(8));
        }

        using var server = Issue("CN=127.0.0.1", request =>
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }, out var serverKey);
        using var client = Issue("CN=pimg-test-client", _ => { }, out var clientKey);
        File.WriteAllText(Path.Combine(directory, "ca.pem"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "cert.pem"), client.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "key.pem"), clientKey.ExportPkcs8PrivateKeyPem());
        using (serverKey)
        using (clientKey)
        {
            return X509Certificate2.CreateFromPem(server.ExportCertificatePem(), serverKey.ExportPkcs8PrivateKeyPem());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        if (Directory.Exists(_path))
        {
            Directory.Delete(_path, recursive: true);
        }
        else
        {
            File.Delete(_path);
        }

        _serverCertificate?.Dispose();
    }
}
