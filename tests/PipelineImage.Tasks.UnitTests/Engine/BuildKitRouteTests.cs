using PipelineImage.Context;
using PipelineImage.Engine;
using PipelineImage.Engine.BuildKit;
using PipelineImage.Naming;
using PipelineImage.Transport;

namespace PipelineImage.Tests.Engine;

/// <summary>
/// How a build reaches an engine's BuildKit, per transport: HTTP/2 on the API socket from Docker 29.2 (API 1.53),
/// where <c>POST /grpc</c> and <c>POST /session</c> are deprecated; those two before; and back to them when the
/// socket does not speak HTTP/2 after all.
/// </summary>
public sealed class BuildKitRouteTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly List<string> _output = [];

    private static BuildRequest Build(ImageBuilder builder = ImageBuilder.BuildKit) => new(
        [ContextEntry.FromContent(".pipelineimage/Dockerfile", "FROM x\n"u8.ToArray())],
        [new ImageReference("hello", "1.0.0")],
        ".pipelineimage/Dockerfile", new BuildOptions(Builder: builder));

    private static EngineConnection Connection(FakeBuildKitDaemon daemon) => new(new Uri(daemon.Address), null, "DOCKER_HOST");

    [Theory]
    [InlineData("unix:///var/run/docker.sock", "1.53", true)]
    [InlineData("unix:///var/run/docker.sock", "1.54", true)]
    [InlineData("npipe://./pipe/docker_engine", "1.53", true)]
    [InlineData("unix:///var/run/docker.sock", "1.52", false)]
    [InlineData("unix:///var/run/docker.sock", "1.41", false)]
    [InlineData("unix:///var/run/docker.sock", null, false)]
    [InlineData("tcp://engine:2376", "1.53", false)]
    public void AnEngineServesGrpcOnItsSocketFromApi153OnALocalSocketOnly(string endpoint, string? apiVersion, bool serves)
    {
        Assert.Equal(serves, BuildKitControl.ServesGrpc(new Uri(endpoint), apiVersion));
    }

    [Fact]
    public async Task ADocker29EngineIsReachedOverHttp2OnItsSocketAndTheSessionIsAControlCall()
    {
        await using var daemon = new FakeBuildKitDaemon(engineApiVersion: "1.53");

        using var control = await BuildKitControl.ConnectAsync(Connection(daemon), Timeout, CancellationToken.None);
        await control.BuildAsync(Build(), _output.Add, CancellationToken.None);

        Assert.Equal(BuildKitRoute.EngineGrpc, control.Route);
        Assert.Null(control.Fallback);
        var solve = Assert.Single(daemon.Solves);
        Assert.Equal("moby", solve.ExporterDeprecated);
        Assert.Equal("local", solve.FrontendAttrs["image-resolve-mode"]);
        var session = Assert.Single(daemon.Sessions);
        Assert.Equal(session.Id, solve.Session);
        Assert.Equal(["/moby.filesync.v1.FileSync/DiffCopy"], session.Methods);
        // The ping's connection, the probe's and the build's, and the session's own: neither deprecated endpoint.
        Assert.Equal("GET /_ping", daemon.Requests[0]);
        Assert.All(daemon.Requests.Skip(1), request => Assert.Equal("HTTP/2", request));
        Assert.Contains($"Building through the BuildKit Control API of the Docker engine at {new Uri(daemon.Address)} (from DOCKER_HOST), over HTTP/2 on its API socket", _output);
    }

    [Fact]
    public async Task AnOlderEngineIsReachedThroughPostGrpcOnThePingsConnectionAndTheSessionThroughPostSession()
    {
        await using var daemon = new FakeBuildKitDaemon(engineApiVersion: "1.45");

        using var control = await BuildKitControl.ConnectAsync(Connection(daemon), Timeout, CancellationToken.None);
        await control.BuildAsync(Build(), _output.Add, CancellationToken.None);

        Assert.Equal(BuildKitRoute.EngineUpgrade, control.Route);
        var solve = Assert.Single(daemon.Solves);
        Assert.Equal(Assert.Single(daemon.Sessions).Id, solve.Session);
        Assert.Equal(["GET /_ping", "POST /grpc", "POST /session"], daemon.Requests);
        Assert.Contains(_output, line => line.EndsWith("(from DOCKER_HOST), over POST /grpc", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnEngineWhoseApiSaysGrpcButWhoseSocketRefusesHttp2IsReachedThroughPostGrpcAndTheBuildSaysWhy()
    {
        await using var daemon = new FakeBuildKitDaemon(engineApiVersion: "1.53", engineSpeaksHttp2: false);

        using var control = await BuildKitControl.ConnectAsync(Connection(daemon), Timeout, CancellationToken.None);
        await control.BuildAsync(Build(), _output.Add, CancellationToken.None);

        Assert.Equal(BuildKitRoute.EngineUpgrade, control.Route);
        Assert.Single(daemon.Solves);
        Assert.Contains("HTTP/2", daemon.Requests);
        Assert.Contains("POST /session", daemon.Requests);
        var line = Assert.Single(_output, line => line.StartsWith("Building through", StringComparison.Ordinal));
        Assert.Contains("over POST /grpc: its API version 1.53 says its socket serves BuildKit's gRPC, but a call over HTTP/2 failed (", line);
    }

    [Fact]
    public async Task ADocker29EngineBuildsWithBuildKitThroughItsControlApiOnEveryImageStore()
    {
        // The fake's /info says overlay2's "Backing Filesystem", no containerd snapshotter: the graph-driver store.
        await using var daemon = new FakeBuildKitDaemon(engineApiVersion: "1.53");
        using var engine = new DockerEngine(Connection(daemon), Timeout);
        await engine.ConnectAsync(CancellationToken.None);

        var built = await engine.BuildAsync(Build(), _output.Add, CancellationToken.None);

        Assert.Equal(FakeBuildKitDaemon.ConfigDigest, built.ImageId);
        Assert.Single(daemon.Solves);
        Assert.DoesNotContain(daemon.Requests, request => request.StartsWith("POST", StringComparison.Ordinal));
        Assert.Contains("The engine serves BuildKit's gRPC on its API socket (API 1.53), and POST /session, which a build through "
            + "POST /build?version=2 needs, is deprecated there: BuildKit builds through the engine's Control API.", _output);
    }
}
