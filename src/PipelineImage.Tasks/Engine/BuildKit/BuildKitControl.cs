using System.Net.Http;
using System.Net.Security;
using Grpc.Core;
using Grpc.Net.Client;
using PipelineImage.Session;
using PipelineImage.Transport;

namespace PipelineImage.Engine.BuildKit;

/// <summary>How a Control API is reached.</summary>
internal enum BuildKitRoute
{
    /// <summary>A buildkitd: HTTP/2 at once on its socket; the session is a <c>Control/Session</c> call.</summary>
    Buildkitd,

    /// <summary>
    /// A Docker engine from API 1.53 (Docker 29.2) on a local socket: HTTP/2 on the API socket itself (moby#50744),
    /// the session a <c>Control/Session</c> call, as with buildkitd.
    /// </summary>
    EngineGrpc,

    /// <summary>An older Docker engine, or one over tcp: <c>POST /grpc</c> upgraded to h2c, the session <c>POST /session</c>.</summary>
    EngineUpgrade,
}

/// <summary>
/// A client of BuildKit's Control API (Grpc.Net.Client over .NET's HTTP/2): buildkitd on its socket, a Docker engine
/// on its API socket where it serves gRPC itself, and through <c>POST /grpc</c> where it does not. The first
/// connection tells which (<see cref="BuildKitRoute"/>).
/// </summary>
internal sealed class BuildKitControl : IDisposable
{
    /// <summary>The first Engine API whose local socket serves BuildKit's gRPC itself (Docker 29.2).</summary>
    public static readonly Version GrpcApiVersion = new(1, 53);

    private readonly GrpcChannel _channel;
    private readonly GrpcChannel _sessionChannel;
    private Stream? _first;

    private BuildKitControl(EngineConnection host, BuildKitRoute route, Stream? first, TimeSpan timeout, string? fallback = null)
    {
        Host = host;
        Route = route;
        Fallback = fallback;
        _first = first;
        Func<CancellationToken, Task<Stream>> connect = route switch
        {
            BuildKitRoute.EngineUpgrade => cancellationToken => EngineHttp.UpgradeAsync(host, "grpc", "h2c", [], cancellationToken),
            BuildKitRoute.EngineGrpc => cancellationToken => EngineHttp.ConnectAsync(host, cancellationToken),
            _ => cancellationToken => EngineHttp.ConnectAsync(host, cancellationToken, [SslApplicationProtocol.Http2]),
        };
        _channel = Channel(async cancellationToken => Interlocked.Exchange(ref _first, null) ?? await connect(cancellationToken).ConfigureAwait(false), timeout);
        _sessionChannel = Channel(connect, timeout);
        Client = new Control.ControlClient(_channel);
    }

    // The connection is TLS already where it needs to be: HTTP/2 goes over it as over plain tcp.
    private static GrpcChannel Channel(Func<CancellationToken, Task<Stream>> connect, TimeSpan timeout) => GrpcChannel.ForAddress("http://buildkit", new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            ConnectTimeout = timeout,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            ConnectCallback = async (_, cancellationToken) => await connect(cancellationToken).ConfigureAwait(false),
        },
        MaxReceiveMessageSize = 64 << 20,
        ThrowOperationCanceledOnCancellation = true, // Ctrl+C ends the build as a cancellation, not as a failed call
    });

    public EngineConnection Host { get; }

    public BuildKitRoute Route { get; }

    /// <summary>Why an engine whose API says it serves gRPC on its socket is reached through <c>POST /grpc</c>; null when not so.</summary>
    public string? Fallback { get; }

    /// <summary>Whether the host is a Docker engine (its images land in its store), not a buildkitd.</summary>
    public bool IsEngine => Route != BuildKitRoute.Buildkitd;

    internal Control.ControlClient Client { get; }

    /// <summary>
    /// The platforms its workers run (<c>os/arch[/variant]</c>): their own, and those BuildKit found it can run under
    /// emulation (it tries a small binary of each architecture); null when the host does not say (an older BuildKit, a
    /// refusal, or no answer within <paramref name="timeout"/>), and a build then finds out.
    /// </summary>
    public async Task<IReadOnlyList<string>?> WorkerPlatformsAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            var workers = await Client.ListWorkersAsync(new ListWorkersRequest(), cancellationToken: bounded.Token).ConfigureAwait(false);
            var platforms = workers.Record.SelectMany(worker => worker.Platforms)
                .Select(platform => string.Join("/", new[] { platform.OS, platform.Architecture, platform.Variant }.Where(part => part.Length > 0)))
                .Distinct(StringComparer.Ordinal).ToList();
            return platforms.Count > 0 ? platforms : null;
        }
        catch (RpcException)
        {
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether an engine of this API version serves BuildKit's gRPC on this address itself: from API 1.53, on a unix
    /// socket or named pipe (over tcp with TLS the engine offers only HTTP/1.1).
    /// </summary>
    public static bool ServesGrpc(Uri endpoint, string? apiVersion) => endpoint.Scheme is "unix" or "npipe"
        && Version.TryParse(apiVersion, out var version) && version >= GrpcApiVersion;

    /// <summary>
    /// Reaches the host: a Docker engine answers <c>GET /_ping</c>, buildkitd speaks HTTP/2 at once. Over TLS, the
    /// protocol the server picks from h2 and http/1.1 (ALPN) tells first: buildkitd's gRPC server takes only h2. An
    /// engine whose API says it serves gRPC on its socket is asked once (ListWorkers) before it is used that way: a
    /// proxy in between may not pass HTTP/2 on. A first connection kept for the calls (an upgraded one, a TLS one) is
    /// asked once too, so that it starts HTTP/2 before the server gives up waiting for it.
    /// </summary>
    /// <exception cref="Diagnostics.PipelineImageException">PIMG1014 when nothing answers there.</exception>
    public static async Task<BuildKitControl> ConnectAsync(EngineConnection host, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        Stream? stream = null; // the first connection, until something takes it over
        try
        {
            stream = await EngineHttp.ConnectAsync(host, bounded.Token, [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11]).ConfigureAwait(false);
            if (stream is SslStream { NegotiatedApplicationProtocol: var chosen } && chosen == SslApplicationProtocol.Http2)
            {
                var tls = stream;
                stream = null;
                return await HandshakenAsync(new BuildKitControl(host, BuildKitRoute.Buildkitd, tls, timeout), timeout, cancellationToken).ConfigureAwait(false);
            }

            var (headers, reusable) = await EngineHttp.PingAsync(stream, host, bounded.Token).ConfigureAwait(false);
            var apiVersion = headers.GetValueOrDefault("Api-Version");
            string? fallback = null;
            if (ServesGrpc(host.Endpoint, apiVersion))
            {
                var native = new BuildKitControl(host, BuildKitRoute.EngineGrpc, null, timeout);
                try
                {
                    fallback = await native.RefusedAsync(timeout, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    native.Dispose(); // Ctrl+C during the question
                    throw;
                }

                if (fallback is null)
                {
                    return native;
                }

                native.Dispose();
                fallback = $"its API version {apiVersion} says its socket serves BuildKit's gRPC, but a call over HTTP/2 failed ({fallback})";
            }

            // The upgrade takes the first connection over (and disposes it when it fails).
            var first = stream;
            stream = null;
            var upgraded = reusable
                ? await EngineHttp.UpgradeAsync(first, host, "grpc", "h2c", [], bounded.Token).ConfigureAwait(false)
                : await DisposeThen(first, EngineHttp.UpgradeAsync(host, "grpc", "h2c", [], bounded.Token)).ConfigureAwait(false);
            return await HandshakenAsync(new BuildKitControl(host, BuildKitRoute.EngineUpgrade, upgraded, timeout, fallback), timeout, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsNotAnEngine(e))
        {
            // Not HTTP/1.1 (a gRPC server answers with its HTTP/2 settings, or closes on our request line).
            return new BuildKitControl(host, BuildKitRoute.Buildkitd, null, timeout);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not Diagnostics.PipelineImageException)
        {
            throw Unavailable(host, EngineFailure.Describe(e, timeout, host.Tls?.CaFile, host.Endpoint), e);
        }
        finally
        {
            // Whatever ended here (the ping's answer, an error, Ctrl+C), a connection nothing took over goes.
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    // The first connection starts HTTP/2 at once (one ListWorkers call), not when the first build comes, which may be
    // minutes later: an engine's /grpc (Go's HTTP/2 server) closes an upgraded connection that sends no preface within
    // 10 seconds, and buildkitd one without its handshake within 2 minutes. Later calls connect anew when it has gone.
    private static async Task<BuildKitControl> HandshakenAsync(BuildKitControl control, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await control.RefusedAsync(timeout, cancellationToken).ConfigureAwait(false) is { } refused
                ? throw Unavailable(control.Host, refused)
                : control;
        }
        catch
        {
            control.Dispose();
            throw;
        }
    }

    private static async Task<Stream> DisposeThen(Stream done, Task<Stream> next)
    {
        await done.DisposeAsync().ConfigureAwait(false);
        return await next.ConfigureAwait(false);
    }

    // Null when the engine answered a Control API call over HTTP/2 on its socket; else what went wrong.
    private async Task<string?> RefusedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            await Client.ListWorkersAsync(new ListWorkersRequest(), cancellationToken: bounded.Token).ConfigureAwait(false);
            return null;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
        {
            return null; // a gRPC server answered
        }
        catch (RpcException e)
        {
            return e.Status.Detail;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer in {timeout.TotalSeconds:0.#} s";
        }
    }

    public static Diagnostics.PipelineImageException Unavailable(EngineConnection host, string reason, Exception? inner = null) =>
        new(inner, Diagnostics.DiagnosticCodes.BuildKitUnavailable, host.Endpoint.ToString(), host.Source, reason);

    private static bool IsNotAnEngine(Exception e) => e is EngineRequestFailedException
        || (e is HttpRequestException or IOException && EngineFailure.Chain(e).OfType<System.Net.Sockets.SocketException>().FirstOrDefault() is not
            { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused or System.Net.Sockets.SocketError.AddressNotAvailable
                or System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.TimedOut });

    /// <summary>
    /// Builds the request's Dockerfile with the dockerfile frontend, our session attached (the context through
    /// FileSync, secrets, credentials), its progress logged as every BuildKit build's. A Docker engine stores the
    /// image under the request's references (its <c>moby</c> exporter); buildkitd pushes it to their registry.
    /// </summary>
    /// <returns>The build's events and the exporter's response (<c>containerimage.digest</c> and the like).</returns>
    /// <exception cref="Diagnostics.PipelineImageException">PIMG1003 when the build failed, PIMG1014 when BuildKit went away.</exception>
    internal async Task<(BuildEventLog Log, IReadOnlyDictionary<string, string> Exported)> BuildAsync(
        BuildRequest request, Action<string> output, CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, string> exported = new Dictionary<string, string>();
        output(Route switch
        {
            BuildKitRoute.EngineGrpc => $"Building through the BuildKit Control API of the Docker engine at {Host.Endpoint} (from {Host.Source}), over HTTP/2 on its API socket",
            BuildKitRoute.EngineUpgrade => $"Building through the BuildKit Control API of the Docker engine at {Host.Endpoint} (from {Host.Source}), over POST /grpc"
                + (Fallback is null ? "" : $": {Fallback}"),
            _ => $"Building through the BuildKit Control API of the buildkitd at {Host.Endpoint} (from {Host.Source})",
        });
        var log = await BuildKitBuild.RunAsync(request, output, async (services, progress, log) =>
        {
            var solve = Request(request, BuildSession.NewId(), IsEngine);
            // The session has a connection of its own (POST /session where the engine has nothing else, as the docker CLI
            // attaches it; a Control/Session call on a second HTTP/2 connection otherwise): carried inside the Control
            // API's connection, next to the Solve and its Status, a busy engine's BuildKit cancelled the build now and
            // then (Docker 26.1 on the containerd store, under load).
            await using var session = Route == BuildKitRoute.EngineUpgrade
                ? await BuildSession.OpenAsync(Host, null, request.References[0].Name, BuildKitBuild.SharedKey(request), services, cancellationToken)
                    .ConfigureAwait(false)
                : ControlSession.Open(new Control.ControlClient(_sessionChannel), request.References[0].Name, BuildKitBuild.SharedKey(request), services);
            solve.Session = session.Id;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var statusCall = Client.Status(new StatusRequest { Ref = solve.Ref }, cancellationToken: stop.Token);
            var following = FollowAsync(statusCall, progress.Trace, stop.Token);
            try
            {
                var response = await Client.SolveAsync(solve, cancellationToken: cancellationToken).ConfigureAwait(false);
                await following.ConfigureAwait(false);
                exported = response.ExporterResponse;
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
            {
                if (e.StatusCode is StatusCode.Unavailable or StatusCode.Unimplemented)
                {
                    throw Unavailable(Host, e.Status.Detail, e);
                }

                if (e.StatusCode == StatusCode.Cancelled)
                {
                    throw Cancelled(e);
                }

                // The Status stream ends with the build, and may carry the failed step (its vertex, its last output) after
                // the Solve has answered: read it to its end, for a while, so that the failure names its step.
                await DrainAsync(following, cancellationToken).ConfigureAwait(false);
                log.Add(new BuildError(e.Status.Detail.TrimEnd()));
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                // The call was reset (HTTP/2 CANCEL), and not by us: Grpc.Net.Client says so as a cancellation.
                throw Cancelled(e);
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await following.ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        return (log, exported);
    }

    // The build ended as cancelled, and not by this publish: BuildKit gave it up.
    private Diagnostics.PipelineImageException Cancelled(Exception e) =>
        Unavailable(Host, "it cancelled the build itself (the call ended as cancelled, not by this publish); publish again", e);

    // The Status stream's end after a failed Solve, waited for no longer than BuildKit takes to send what it still has.
    private static async Task DrainAsync(Task following, CancellationToken cancellationToken)
    {
        try
        {
            await following.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The stream stays open: what came is what there is.
        }
    }

    // Status messages until the build's end (or the call's).
    private static async Task FollowAsync(AsyncServerStreamingCall<StatusResponse> call, Action<StatusResponse> status, CancellationToken cancellationToken)
    {
        try
        {
            while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                status(call.ResponseStream.Current);
            }
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            // The solve's own answer says how the build ended.
        }
    }

    /// <summary>The Solve request for a build, as buildctl's dockerfile frontend options say it.</summary>
    internal static SolveRequest Request(BuildRequest request, string reference, bool engine)
    {
        var solve = new SolveRequest { Ref = reference, Frontend = "dockerfile.v0" };
        var attributes = solve.FrontendAttrs;
        attributes["filename"] = request.DockerfilePath;
        var options = request.Options;
        if (options.Network.Length > 0)
        {
            attributes["force-network-mode"] = options.Network;
            if (options.Network == "host")
            {
                solve.Entitlements.Add("network.host");
            }
        }

        if (options.Platform.Length > 0)
        {
            attributes["platform"] = options.Platform;
        }

        if (options.PullAlways)
        {
            attributes["image-resolve-mode"] = "pull";
        }
        else if (engine)
        {
            // PipelineImagePull=missing: the engine's local image first (BuildKit's "default" asks the registry first
            // on the containerd image store, and builds on what it finds there).
            attributes["image-resolve-mode"] = "local";
        }

        if (options.NoCache)
        {
            attributes["no-cache"] = "";
        }

        foreach (var (name, value) in options.BuildArgs ?? new Dictionary<string, string>())
        {
            attributes["build-arg:" + name] = value;
        }

        foreach (var (name, value) in request.Labels ?? new Dictionary<string, string>())
        {
            attributes["label:" + name] = value;
        }

        // BuildKit before 0.13 (dockerd 20.10's) reads only the deprecated pair; later ones Exporters first.
        var exporter = new Exporter { Type = engine ? "moby" : "image" };
        exporter.Attrs["name"] = string.Join(',', request.References.Select(r => r.ToString()));
        if (!engine)
        {
            exporter.Attrs["push"] = "true";
        }

        solve.Exporters.Add(exporter);
        solve.ExporterDeprecated = exporter.Type;
        solve.ExporterAttrsDeprecated.Add(exporter.Attrs);
        return solve;
    }

    public void Dispose()
    {
        _channel.Dispose();
        _sessionChannel.Dispose();
        Interlocked.Exchange(ref _first, null)?.Dispose();
    }
}
