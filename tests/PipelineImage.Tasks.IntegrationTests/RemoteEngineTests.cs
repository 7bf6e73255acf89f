using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// Building through the engine's TLS endpoint on 127.0.0.1:2376 (build/test-env.sh), addressed as a remote engine
/// is: DOCKER_HOST with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, and a Docker context made by the docker CLI itself.
/// That endpoint is this machine's dockerd (Docker 20.10), where the images are inspected and removed.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class RemoteEngineTests(PackageFeed feed) : IDisposable
{
    private const string TlsEndpoint = "tcp://127.0.0.1:2376";
    private const string ClientCertificates = "/etc/pipelineimage/engine-tls/client";

    private static readonly EngineUnderTest Engine = EngineUnderTest.Docker20;

    private readonly string _config = Directory.CreateTempSubdirectory("pimg-docker-config-").FullName;

    public void Dispose() => Directory.Delete(_config, recursive: true);

    [EngineFact]
    public async Task BuildsThroughDockerHostWithTlsWithBuildKitsSessionOverTlsToo()
    {
        // A parent Dockerfile (the base alone): BuildKit builds the whole Dockerfile, the context through its session.
        await using var project = new TestProject(feed, engine: Engine,
            properties: "<PipelineImageBuilder>buildkit</PipelineImageBuilder>" + TestSources.BaseOnlyParent,
            program: """Console.WriteLine("built over TLS");""");
        await TestSources.WriteBaseOnlyParentAsync(project.Directory);

        var publish = await project.PublishAsync(
            new Dictionary<string, string?> { ["DOCKER_HOST"] = TlsEndpoint, ["DOCKER_TLS_VERIFY"] = "1", ["DOCKER_CERT_PATH"] = ClientCertificates },
            "-v:n");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains($"with the engine at {TlsEndpoint}/ from DOCKER_HOST with TLS from {ClientCertificates}", publish.Output);
        Assert.Contains("Context through the session: sent ", publish.Output);
        Assert.Equal("built over TLS", (await Engine.Cli.RunImageAsync($"{project.ImageName}:latest")).Output.Trim());
    }

    [EngineFact]
    public async Task BuildsThroughTheControlApiOfAnEngineBehindTls()
    {
        // A parent Dockerfile (the base alone): the Control API builds the whole Dockerfile.
        await using var project = new TestProject(feed, engine: Engine,
            properties: $"<PipelineImageBuildKitHost>{TlsEndpoint}</PipelineImageBuildKitHost><PipelineImageBuildKitCertPath>{ClientCertificates}</PipelineImageBuildKitCertPath>"
                + TestSources.BaseOnlyParent,
            program: """Console.WriteLine("built by the Control API over TLS");""");
        await TestSources.WriteBaseOnlyParentAsync(project.Directory);

        var publish = await project.PublishAsync("-v:n");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains($"Building through the BuildKit Control API of the Docker engine at {TlsEndpoint}/ (from PipelineImageBuildKitHost with TLS from {ClientCertificates})", publish.Output);
        Assert.Equal("built by the Control API over TLS", (await Engine.Cli.RunImageAsync($"{project.ImageName}:latest")).Output.Trim());
    }

    [EngineFact]
    public async Task BuildsThroughADockerContextTheDockerCliCreated()
    {
        await using var project = new TestProject(feed, engine: Engine, program: """Console.WriteLine("built through a context");""");
        var create = await ProcessRunner.RunAsync("docker",
            ["--config", _config, "context", "create", "pimg-remote", "--docker",
             $"host={TlsEndpoint},ca={ClientCertificates}/ca.pem,cert={ClientCertificates}/cert.pem,key={ClientCertificates}/key.pem"],
            _config);
        Assert.True(create.ExitCode == 0, create.ToString());
        var use = await ProcessRunner.RunAsync("docker", ["--config", _config, "context", "use", "pimg-remote"], _config);
        Assert.True(use.ExitCode == 0, use.ToString());

        var publish = await project.PublishAsync(new Dictionary<string, string?> { ["DOCKER_CONFIG"] = _config, ["DOCKER_HOST"] = null }, "-v:n");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains("from the Docker context 'pimg-remote' (currentContext of the docker config.json)", publish.Output);
        Assert.Equal("built through a context", (await Engine.Cli.RunImageAsync($"{project.ImageName}:latest")).Output.Trim());
    }

    [EngineFact]
    public async Task AnEngineCertificateFromAnotherCaIsRefused()
    {
        await using var project = new TestProject(feed, engine: Engine);
        var certificates = Directory.CreateDirectory(Path.Combine(_config, "wrong-ca")).FullName;
        File.Copy(Path.Combine(ClientCertificates, "cert.pem"), Path.Combine(certificates, "cert.pem"));
        File.Copy(Path.Combine(ClientCertificates, "key.pem"), Path.Combine(certificates, "key.pem"));
        using (var key = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=Some other CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var otherCa = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(Path.Combine(certificates, "ca.pem"), otherCa.ExportCertificatePem());
        }

        var publish = await project.PublishAsync(
            new Dictionary<string, string?> { ["DOCKER_HOST"] = TlsEndpoint, ["DOCKER_TLS_VERIFY"] = "1", ["DOCKER_CERT_PATH"] = certificates });

        Assert.NotEqual(0, publish.ExitCode);
        Assert.Contains("error PIMG1001: ", publish.Output);
        Assert.Contains($"TLS failed", publish.Output);
        Assert.Contains($"must chain to {certificates}/ca.pem", publish.Output);
        Assert.DoesNotContain("MSB4018", publish.Output);
        Assert.Null(await Engine.Cli.InspectImageAsync($"{project.ImageName}:latest"));
    }
}
