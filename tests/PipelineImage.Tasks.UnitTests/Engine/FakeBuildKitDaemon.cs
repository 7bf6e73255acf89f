using System.Net.Sockets;
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

    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"pimg-buildkitd-{Guid.NewGuid():N}.sock");
    private readonly Task _accepting;

    public FakeBuildKitDaemon(string? failWith = null)
    {
        FailWith = failWith;
        _listener.Bind(new UnixDomainSocketEndPoint(_path));
        _listener.Listen();
        _accepting = AcceptAsync();
    }

    public string Address => "unix://" + _path;

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
                await using var http2 = new Http2Server(new NetworkStream(socket, ownsSocket: true), grpc.HandleAsync);
                try
                {
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
            throw new GrpcStatusException(GrpcStatus.Internal, FailWith);
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

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        File.Delete(_path);
    }
}
