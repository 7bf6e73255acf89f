using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Naming;
using PipelineImage.Registry;
using PipelineImage.Transport;

namespace PipelineImage.Tests.Engine;

/// <summary>POST /images/{name}/push as our client sends it and reads the answer, against an engine on loopback.</summary>
public sealed class EnginePushTests
{
    private const string Digest = "sha256:436b2d73c18943abba07af7be8c15c28b489b36fad98f322b1fd6242c88ad433";
    private static readonly ImageReference Reference = new("127.0.0.1:5000/team/app", "1.0.0");
    private readonly ConcurrentQueue<string> _requests = new();

    [Fact]
    public async Task APushNamesTheImageAndTagAndSendsTheCredentialAsTheDockerCliDoes()
    {
        using var server = Engine($$"""
            {"status":"The push refers to repository [127.0.0.1:5000/team/app]"}
            {"status":"Pushing","progressDetail":{"current":512,"total":1024},"id":"aaa"}
            {"status":"Pushed","progressDetail":{},"id":"aaa"}
            {"status":"1.0.0: digest: {{Digest}} size: 1214"}
            """);
        using var engine = await ConnectAsync(server);
        var lines = new List<string>();

        var pushed = await engine.PushAsync(Reference, new ResolvedCredential(new RegistryCredential("me", "p/+?ä"), "test"), lines.Add, CancellationToken.None);

        Assert.Equal((Digest, 1024L, 1), (pushed.Digest, pushed.BytesUploaded, pushed.LayersPushed));
        Assert.Contains("aaa: Pushed", lines);
        var push = Assert.Single(_requests, request => request.StartsWith("POST ", StringComparison.Ordinal));
        Assert.StartsWith("POST /v1.41/images/127.0.0.1:5000/team/app/push?tag=1.0.0 HTTP/1.1\r\n", push);
        // base64url of moby's AuthConfig, as the docker CLI encodes it: no '+' or '/' to spoil a header.
        var header = push.Split("\r\n").Single(line => line.StartsWith("X-Registry-Auth: ", StringComparison.Ordinal))["X-Registry-Auth: ".Length..];
        Assert.DoesNotContain('+', header);
        Assert.DoesNotContain('/', header);
        using var auth = JsonDocument.Parse(Convert.FromBase64String(header.Replace('-', '+').Replace('_', '/')));
        Assert.Equal(
            [("username", "me"), ("password", "p/+?ä"), ("serveraddress", "127.0.0.1:5000")],
            auth.RootElement.EnumerateObject().Select(property => (property.Name, property.Value.GetString())));
    }

    [Fact]
    public void WithoutACredentialTheHeaderIsAnEmptyObject() =>
        Assert.Equal("{}", Encoding.UTF8.GetString(Convert.FromBase64String(DockerEngine.RegistryAuth(null, "127.0.0.1:5000"))));

    [Fact]
    public async Task AnErrorInTheStreamIsTheRegistrysRefusalAndAnErrorStatusTheEnginesWithItsMessage()
    {
        using var refused = Engine("""
            {"status":"The push refers to repository [127.0.0.1:5000/team/app]"}
            {"errorDetail":{"message":"unauthorized: authentication required"},"error":"unauthorized: authentication required"}
            """);
        using var engine = await ConnectAsync(refused);

        var e = await Assert.ThrowsAsync<PushFailedException>(() =>
            engine.PushAsync(Reference, new ResolvedCredential(null, "no credential"), _ => { }, CancellationToken.None));

        Assert.Equal(DiagnosticCodes.RegistryUnauthorized, e.ResourceName);
        Assert.Contains("unauthorized: authentication required", e.Message);

        using var missing = Engine(null);
        using var other = await ConnectAsync(missing);
        var notFound = await Assert.ThrowsAsync<PushFailedException>(() =>
            other.PushAsync(Reference, new ResolvedCredential(null, "no credential"), _ => { }, CancellationToken.None));
        Assert.Contains("404 NotFound: no such route", notFound.Message);
    }

    // An engine that answers the connection's /version and /_ping, /info, and the push with the given lines (null: 404).
    private LoopbackServer Engine(string? pushAnswer) => LoopbackServer.Routing(head =>
    {
        _requests.Enqueue(head);
        return head.Split(' ')[1] switch
        {
            "/version" => (200, """{"Version":"20.10.24","ApiVersion":"1.41","Os":"linux","Arch":"amd64"}"""),
            "/_ping" => (200, "OK"),
            "/v1.41/info" => (200, """{"DriverStatus":[["Backing Filesystem","extfs"]]}"""),
            var path when path.Contains("/push?", StringComparison.Ordinal) && pushAnswer is not null => (200, pushAnswer.ReplaceLineEndings("\n")),
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
