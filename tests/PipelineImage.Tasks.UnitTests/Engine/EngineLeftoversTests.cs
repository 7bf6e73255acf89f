using System.Collections.Concurrent;
using PipelineImage.Engine;
using PipelineImage.Transport;

namespace PipelineImage.Tests.Engine;

/// <summary>What a build the engine lost left, as DockerEngine finds and removes it, against an engine on loopback.</summary>
public sealed class EngineLeftoversTests
{
    private static readonly DateTimeOffset From = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private static readonly DateTimeOffset To = From.AddMinutes(2);
    private readonly ConcurrentQueue<string> _deleted = new();

    [Fact]
    public async Task DockerRemovesTheStoppedStepContainersAndUntaggedImagesOfTheLostBuildsTimeOnly()
    {
        var inside = From.AddSeconds(30).ToUnixTimeSeconds();
        var before = From.AddHours(-1).ToUnixTimeSeconds();
        using var server = Engine(podman: false, containers: $$"""
            [{"Id":"c1","Image":"sha256:aaa","State":"exited","Created":{{inside}}},
             {"Id":"c2","Image":"sha256:bbb","State":"running","Created":{{inside}}},
             {"Id":"c3","Image":"sha256:ccc","State":"exited","Created":{{before}}},
             {"Id":"c4","Image":"nginx:latest","State":"exited","Created":{{inside}}}]
            """, images: $$"""
            [{"Id":"sha256:i1","Created":{{inside}}},{"Id":"sha256:i2","Created":{{before}}},{"Id":"sha256:i3","Created":{{inside}}}]
            """);
        using var engine = await ConnectAsync(server);

        var removed = await engine.RemoveLeftoversAsync(From, To, CancellationToken.None);

        // i3 is refused (another image came to stand on it): left, and not said to be removed.
        Assert.Equal(["container c1", "image sha256:i1"], removed);
        Assert.Equal(["/v1.41/containers/c1?force=1", "/v1.41/images/sha256:i1", "/v1.41/images/sha256:i3"], _deleted);
    }

    [Fact]
    public async Task PodmanRemovesTheBuildahContainersItsOwnApiListsAsExternal()
    {
        var inside = From.AddSeconds(30).UtcDateTime.ToString("O");
        using var server = Engine(podman: true, containers: $$"""
            [{"Id":"b8e2297def65ece07d49","State":"storage","Created":"{{inside}}","Command":["buildah"]},
             {"Id":"p1","State":"exited","Created":"{{inside}}"}]
            """, images: "[]");
        using var engine = await ConnectAsync(server);

        var removed = await engine.RemoveLeftoversAsync(From, To, CancellationToken.None);

        Assert.Equal(["container b8e2297def65"], removed);
        Assert.Equal(["/v4.0.0/libpod/containers/b8e2297def65ece07d49?force=true"], _deleted);
    }

    private LoopbackServer Engine(bool podman, string containers, string images) => LoopbackServer.Routing(head =>
    {
        var parts = head.Split(' ');
        if (parts[0] == "DELETE")
        {
            _deleted.Enqueue(parts[1]);
            return parts[1].EndsWith("i3", StringComparison.Ordinal) ? (409, """{"message":"conflict"}""") : (200, "[]");
        }

        return parts[1] switch
        {
            "/version" => (200, podman
                ? """{"Version":"4.3.1","ApiVersion":"1.41","Os":"linux","Arch":"amd64","Components":[{"Name":"Podman Engine","Version":"4.3.1"}]}"""
                : """{"Version":"20.10.24","ApiVersion":"1.41","Os":"linux","Arch":"amd64"}"""),
            "/_ping" => (200, "OK"),
            "/v1.41/containers/json?all=1" when !podman => (200, containers),
            "/v4.0.0/libpod/containers/json?all=true&external=true" when podman => (200, containers),
            var path when path.StartsWith("/v1.41/images/json?filters=", StringComparison.Ordinal) => (200, images),
            _ => null,
        };
    });

    private static async Task<DockerEngine> ConnectAsync(LoopbackServer server)
    {
        var engine = new DockerEngine(new EngineConnection(new Uri(server.Address), null, "the test"), TimeSpan.FromSeconds(10));
        await engine.ConnectAsync(CancellationToken.None);
        return engine;
    }
}
