using System.Net.Http;
using System.Net.Security;
using Grpc.Core;
using Grpc.Net.Client;
using PipelineImage.Engine.Session;

namespace PipelineImage.Engine.BuildKit;

/// <summary>
/// A client of BuildKit's Control API (Grpc.Net.Client over .NET's HTTP/2). A Docker engine serves it on
/// <c>POST /grpc</c> upgraded to h2c, buildkitd on its socket directly; the first connection tells which.
/// </summary>
public sealed class BuildKitControl : IDisposable
{
    private readonly GrpcChannel _channel;
    private Stream? _upgraded;

    private BuildKitControl(EngineConnection host, bool isEngine, Stream? upgraded, TimeSpan timeout)
    {
        Host = host;
        IsEngine = isEngine;
        _upgraded = upgraded;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = timeout,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            ConnectCallback = async (_, cancellationToken) => Interlocked.Exchange(ref _upgraded, null)
                ?? (isEngine ? await EngineHttp.UpgradeAsync(host, "grpc", "h2c", [], cancellationToken).ConfigureAwait(false)
                    : await EngineHttp.ConnectAsync(host, cancellationToken, [SslApplicationProtocol.Http2]).ConfigureAwait(false)),
        };

        // The connection is TLS already where it needs to be: HTTP/2 goes over it as over plain tcp.
        _channel = GrpcChannel.ForAddress("http://buildkit", new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = 64 << 20,
            ThrowOperationCanceledOnCancellation = true, // Ctrl+C ends the build as a cancellation, not as a failed call
        });
        Client = new Control.ControlClient(_channel);
    }

    public EngineConnection Host { get; }

    /// <summary>Whether the host is a Docker engine (its images land in its store), not a buildkitd.</summary>
    public bool IsEngine { get; }

    internal Control.ControlClient Client { get; }

    /// <summary>
    /// Reaches the host: a Docker engine answers <c>POST /grpc</c> with 101, buildkitd speaks HTTP/2 at once. Over TLS,
    /// the protocol the server picks from h2 and http/1.1 (ALPN) tells first: buildkitd's gRPC server takes only h2.
    /// </summary>
    /// <exception cref="Diagnostics.PipelineImageException">PIMG1014 when nothing answers there.</exception>
    public static async Task<BuildKitControl> ConnectAsync(EngineConnection host, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            var stream = await EngineHttp.ConnectAsync(host, bounded.Token, [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11]).ConfigureAwait(false);
            if (stream is SslStream { NegotiatedApplicationProtocol: var chosen } && chosen == SslApplicationProtocol.Http2)
            {
                return new BuildKitControl(host, isEngine: false, stream, timeout);
            }

            var upgraded = await EngineHttp.UpgradeAsync(stream, host, "grpc", "h2c", [], bounded.Token).ConfigureAwait(false);
            return new BuildKitControl(host, isEngine: true, upgraded, timeout);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsNotAnEngine(e))
        {
            // Not HTTP/1.1 (a gRPC server answers with its HTTP/2 settings, or closes on our request line).
            return new BuildKitControl(host, isEngine: false, null, timeout);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not Diagnostics.PipelineImageException)
        {
            throw Unavailable(host, EngineFailure.Describe(e, timeout, host.Tls?.CaFile, host.Endpoint), e);
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
        output($"Building through the BuildKit Control API of the {(IsEngine ? "Docker engine" : "buildkitd")} at {Host.Endpoint} (from {Host.Source})");
        var log = await BuildKitBuild.RunAsync(request, output, async (services, progress, log) =>
        {
            var solve = Request(request, BuildSession.NewId(), IsEngine);
            // A Docker engine gets the session on a connection of its own (POST /session, as the docker CLI attaches it):
            // carried inside the Control API's connection, next to the Solve and its Status, a busy engine's BuildKit
            // cancelled the build now and then (Docker 26.1 on the containerd store, under load).
            await using var session = IsEngine
                ? await BuildSession.OpenAsync(Host, null, request.References[0].Name, BuildKitBuild.SharedKey(request), services, cancellationToken)
                    .ConfigureAwait(false)
                : BuildSession.OverControl(Client, request.References[0].Name, BuildKitBuild.SharedKey(request), services);
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
        Interlocked.Exchange(ref _upgraded, null)?.Dispose();
    }
}
