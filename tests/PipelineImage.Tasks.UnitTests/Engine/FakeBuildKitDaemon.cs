using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PipelineImage.Engine.BuildKit;
using PipelineImage.Engine.Session;

namespace PipelineImage.Tests.Engine;

/// <summary>
/// A buildkitd's Control API on a unix socket, served by our own HTTP/2 and gRPC server (no buildkitd binary is to be
/// had here): it records each Solve and session, streams one step's status and answers as an image exporter that pushed.
/// Like buildkitd it speaks HTTP/2 at once, so a Docker engine's upgrade request gets no HTTP answer.
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

    /// <param name="failWith">A Solve fails with this message; <see cref="Cancel"/>: it ends as cancelled, as BuildKit giving a build up does.</param>
    /// <param name="tls">
    /// Listen on tcp 127.0.0.1 with TLS as buildkitd does with <c>--tlscert</c>: only h2 (ALPN), a client certificate
    /// required; <see cref="CertPath"/> holds the client's ca.pem, cert.pem and key.pem.
    /// </param>
    public FakeBuildKitDaemon(string? failWith = null, bool tls = false)
    {
        FailWith = failWith;
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

    public List<SolveRequest> Solves { get; } = [];

    /// <summary>The methods each session announced, and its id.</summary>
    public List<(string Id, string[] Methods)> Sessions { get; } = [];

    private async Task AcceptAsync()
    {
        var methods = new Dictionary<string, Func<GrpcCall, Task>>(StringComparer.Ordinal)
        {
            ["/moby.buildkit.v1.Control/Solve"] = SolveAsync,
            ["/moby.buildkit.v1.Control/Status"] = StatusAsync,
            ["/moby.buildkit.v1.Control/Session"] = SessionAsync,
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

                    await using var http2 = new Http2Server(stream, grpc.HandleAsync);
                    await http2.ServeAsync(_stop.Token);
                }
                catch (Exception)
                {
                    // A connection that spoke no HTTP/2 (the upgrade probe), or the test's end.
                }
            });
        }
    }

    private async Task SolveAsync(GrpcCall call)
    {
        var request = await call.ReadSingleAsync(SolveRequest.Parser);
        lock (Solves)
        {
            Solves.Add(request);
        }

        if (FailWith is not null)
        {
            throw new GrpcStatusException(FailWith == Cancel ? GrpcStatus.Cancelled : GrpcStatus.Internal, FailWith);
        }

        await call.WriteAsync(new SolveResponse
        {
            ExporterResponse = { ["containerimage.config.digest"] = ConfigDigest, ["containerimage.digest"] = ManifestDigest, ["image.name"] = request.ExporterAttrsDeprecated["name"] },
        });
    }

    private static async Task StatusAsync(GrpcCall call)
    {
        await call.ReadSingleAsync(StatusRequest.Parser);
        await call.WriteAsync(new StatusResponse { Vertexes = { new Vertex { Digest = "sha256:v1", Name = "[1/2] FROM docker.io/library/app-base:1", Started = new Time { Seconds = 1 } } } });
        await call.WriteAsync(new StatusResponse { Vertexes = { new Vertex { Digest = "sha256:v1", Name = "[1/2] FROM docker.io/library/app-base:1", Started = new Time { Seconds = 1 }, Completed = new Time { Seconds = 2 } } } });
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
