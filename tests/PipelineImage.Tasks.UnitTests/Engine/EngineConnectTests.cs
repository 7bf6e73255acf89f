using PipelineImage.Engine;
using PipelineImage.Transport;

namespace PipelineImage.Tests.Engine;

/// <summary>Connecting: the ping within the connect time-out, then /version, which a busy engine may answer later.</summary>
public sealed class EngineConnectTests
{
    [Fact]
    public async Task AnEngineThatAnswersItsPingMayTakeLongerThanTheConnectTimeOutForItsVersion()
    {
        // As Podman does while a load holds its store's lock: its /version gathers the store's information.
        using var server = LoopbackServer.Routing(head => head.Split(' ')[1] switch
        {
            "/_ping" => (200, "OK"),
            "/version" => Slowly((200, """{"Version":"4.3.1","ApiVersion":"1.41","Os":"linux","Arch":"amd64"}""")),
            _ => null,
        });
        // The connect time-out leaves the ping room on a machine busy with other tests (0.5 s did not, once in CI).
        using var engine = new DockerEngine(new EngineConnection(new Uri(server.Address), null, "the test"), TimeSpan.FromSeconds(2));

        var info = await engine.ConnectAsync(CancellationToken.None);

        Assert.Equal(("4.3.1", "1.41"), (info.ServerVersion, info.ApiVersion));
    }

    [Fact]
    public async Task AnEngineThatDoesNotAnswerItsPingIsUnavailableWithinTheConnectTimeOut()
    {
        using var server = LoopbackServer.Silent();
        using var engine = new DockerEngine(new EngineConnection(new Uri(server.Address), null, "the test"), TimeSpan.FromMilliseconds(500));

        var e = await Assert.ThrowsAsync<EngineUnavailableException>(() => engine.ConnectAsync(CancellationToken.None));

        Assert.Contains("no answer within 0.5 s", e.Message);
    }

    // Longer than the connect time-out.
    private static (int, string) Slowly((int, string) answer)
    {
        Thread.Sleep(TimeSpan.FromSeconds(3));
        return answer;
    }
}
