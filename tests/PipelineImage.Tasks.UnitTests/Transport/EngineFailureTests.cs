using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PipelineImage.Engine;
using PipelineImage.Tasks;
using PipelineImage.Tests.Engine;
using PipelineImage.Tests.Tasks;
using PipelineImage.Transport;

namespace PipelineImage.Tests.Transport;

/// <summary>
/// The real engine client against every way an address can be wrong: each is PIMG1001 (or PIMG2006 for an address
/// that is none), naming the address, where it came from and what went wrong; never an exception out of the task.
/// </summary>
public sealed class EngineFailureTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pimg-engine-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void ConnectionRefused()
    {
        var address = LoopbackServer.RefusingAddress();

        AssertUnavailable(address, "connection refused: nothing listens at that address");
    }

    [Fact]
    public void ConnectionReset()
    {
        using var server = LoopbackServer.Resetting();

        AssertUnavailable(server.Address, "the connection was ");
    }

    [Fact]
    public void AResetThatArrivesBeforeTheRequestIsSentIsTheReset()
    {
        // Which error the client sees after the peer's reset depends on timing: the send fails ENOTCONN when the
        // reset came first, the read ECONNRESET when it came after; both must read the same.
        var beforeSend = new HttpRequestException("Transport endpoint is not connected", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.NotConnected));
        var afterSend = new HttpRequestException("Connection reset by peer", new IOException("Unable to read", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionReset)));

        Assert.Equal(EngineFailure.Describe(afterSend, TimeSpan.FromSeconds(5)), EngineFailure.Describe(beforeSend, TimeSpan.FromSeconds(5)));
        Assert.StartsWith("the connection was reset", EngineFailure.Describe(beforeSend, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void NoAnswerWithinTheConnectTimeout()
    {
        using var server = LoopbackServer.Silent();

        AssertUnavailable(server.Address, "no answer within 5 s");
    }

    [Fact]
    public void ASocketAbortedByTheConnectTimeoutIsTheTimeout()
    {
        // The time-out's cancellation closes the socket under a pending read; which of the two the client then
        // reports depends on timing, and both must read the same.
        var aborted = new HttpRequestException("Operation canceled", new IOException("Unable to read", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.OperationAborted)));
        var cancelled = new TaskCanceledException("The operation was canceled.", new TimeoutException());

        Assert.Equal("no answer within 5 s", EngineFailure.Describe(aborted, TimeSpan.FromSeconds(5)));
        Assert.Equal("no answer within 5 s", EngineFailure.Describe(cancelled, TimeSpan.FromSeconds(5)));
    }

    [UnixFact]
    public void NoSuchSocket()
    {
        AssertUnavailable($"unix://{_root}/missing/docker.sock", "no such socket: the file does not exist");
    }

    [Fact]
    public void AnHttpServerThatIsNoEngine()
    {
        using var server = LoopbackServer.Answering("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found");

        AssertUnavailable(server.Address, "404 NotFound: not found");
    }

    [Fact]
    public void AnAnswerThatIsNotTheEngineApis()
    {
        using var server = LoopbackServer.Answering("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 14\r\nConnection: close\r\n\r\n<html></html>\n");

        AssertUnavailable(server.Address, "the answer is not the Docker Engine API's");
    }

    [Theory]
    [InlineData("http://127.0.0.1:2375")]
    [InlineData("https://127.0.0.1:2376")]
    [InlineData("ssh://user@host")]
    [InlineData("127.0.0.1:2375")]
    public void AnAddressWithAnotherSchemeIsRefusedBeforeAnyConnection(string address)
    {
        var (task, engine) = NewTask(address);

        Assert.False(task.Execute());

        var error = Assert.Single(engine.Errors);
        Assert.Equal("PIMG2006", error.Code);
        Assert.StartsWith($"'{address}' (from PipelineImageDockerHost) is not an engine address.", error.Message);
    }

    [Fact]
    public async Task TlsHandshakeWithoutAnAnswerEndsAtTheConnectTimeout()
    {
        using var server = LoopbackServer.Silent();
        using var engine = new DockerEngine(new EngineConnection(new Uri(server.Address), WriteTlsFiles(), "DOCKER_HOST"), TimeSpan.FromSeconds(2));

        var failure = await Assert.ThrowsAsync<EngineUnavailableException>(() => engine.ConnectAsync(CancellationToken.None));

        Assert.Contains("(from DOCKER_HOST): no answer within 2 s", failure.Message);
    }

    [Fact]
    public async Task TlsToAnEndpointThatSpeaksNoTlsIsPimg1001WithTheCaFile()
    {
        using var server = LoopbackServer.Greeting("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        var tls = WriteTlsFiles();
        using var engine = new DockerEngine(new EngineConnection(new Uri(server.Address), tls, "DOCKER_HOST with TLS from " + _root), TimeSpan.FromSeconds(5));

        var failure = await Assert.ThrowsAsync<EngineUnavailableException>(() => engine.ConnectAsync(CancellationToken.None));

        Assert.Equal("PIMG1001", failure.Message[..8]);
        Assert.Contains($"Cannot reach a Docker engine at '{server.Address}/' (from DOCKER_HOST with TLS from {_root}): TLS failed (", failure.Message);
        Assert.Contains(tls.CaFile, failure.Message);
    }

    private void AssertUnavailable(string address, string reason)
    {
        var (task, engine) = NewTask(address);

        Assert.False(task.Execute());

        var error = Assert.Single(engine.Errors);
        Assert.Equal("PIMG1001", error.Code);
        Assert.Contains($"Cannot reach a Docker engine at '{address}", error.Message);
        Assert.True(error.Message!.Contains("(from PipelineImageDockerHost): " + reason, StringComparison.Ordinal), error.Message);
    }

    private (BuildPipelineImage Task, FakeBuildEngine Engine) NewTask(string address)
    {
        var engine = new FakeBuildEngine();
        var task = new BuildPipelineImage
        {
            BuildEngine = engine,
            DockerHost = address,
            PlanPath = WritePlan(),
            ImageRecordPath = Path.Combine(_root, "image.json"),
        };
        return (task, engine);
    }

    private string WritePlan()
    {
        var dockerfile = Path.Combine(_root, "Dockerfile");
        File.WriteAllText(dockerfile, "FROM scratch\n");
        var plan = new PipelineImage.Intermediate.PlanFile
        {
            Name = "hello",
            References = [new("hello", "latest")],
            BaseImage = "mcr.microsoft.com/dotnet/runtime:10.0",
            Dockerfile = ".pipelineimage/Dockerfile",
            Options = new PipelineImage.Intermediate.PlannedOptions("", "", "missing", false),
            Context = [new PipelineImage.Intermediate.PlannedEntry(".pipelineimage/Dockerfile", "file", "0644", dockerfile, "00")],
        };
        var path = Path.Combine(_root, "plan.json");
        File.WriteAllText(path, plan.ToJson());
        return path;
    }

    // A self-signed CA and a client certificate signed by it, as PEM files.
    private EngineTls WriteTlsFiles()
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var clientKey = RSA.Create(2048);
        var clientRequest = new CertificateRequest("CN=client", clientKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var client = clientRequest.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddHours(12), [1, 2, 3, 4]);
        var tls = new EngineTls(Path.Combine(_root, "ca.pem"), Path.Combine(_root, "cert.pem"), Path.Combine(_root, "key.pem"), Verify: true);
        File.WriteAllText(tls.CaFile, ca.ExportCertificatePem());
        File.WriteAllText(tls.CertFile, client.ExportCertificatePem());
        File.WriteAllText(tls.KeyFile, clientKey.ExportPkcs8PrivateKeyPem());
        return tls;
    }
}
