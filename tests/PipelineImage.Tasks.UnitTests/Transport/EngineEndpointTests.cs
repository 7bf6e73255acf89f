using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Transport;

namespace PipelineImage.Tests.Transport;

public class EngineEndpointTests
{
    private const string Config = "/home/u/.docker";
    private static readonly string RemoteHash = EngineEndpoint.ContextDirectoryName("remote");
    private static readonly string MetaPath = $"{Config}/contexts/meta/{RemoteHash}/meta.json";
    private static readonly string ContextCert = $"{Config}/contexts/tls/{RemoteHash}/docker/cert.pem";

    private static readonly Dictionary<string, string> Files = new()
    {
        [MetaPath] = """{"Name":"remote","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://10.0.0.5:2376","SkipTLSVerify":false}}}""",
        [ContextCert] = "cert",
        ["/var/run/docker.sock"] = "",
    };

    private static EngineConnection Resolve(string? property, EngineEnvironment environment, IReadOnlyDictionary<string, string>? files = null)
    {
        files ??= Files;
        return EngineEndpoint.Resolve(property, environment with { ConfigDirectory = Config }, path => files.GetValueOrDefault(path), files.ContainsKey);
    }

    [Theory]
    [InlineData("", null, false, "unix:///var/run/docker.sock")]
    [InlineData(null, "", true, "npipe://./pipe/docker_engine")]
    [InlineData(null, "tcp://127.0.0.1:2375", false, "tcp://127.0.0.1:2375/")]
    [InlineData("unix:///run/podman/podman.sock", "tcp://127.0.0.1:2375", false, "unix:///run/podman/podman.sock")]
    [InlineData("  ", " unix:///tmp/d.sock ", false, "unix:///tmp/d.sock")]
    public void PropertyBeatsDockerHostWhichBeatsTheDefault(string? property, string? variable, bool windows, string expected) =>
        Assert.Equal(expected, Resolve(property, new EngineEnvironment(DockerHost: variable, IsWindows: windows)).Endpoint.ToString());

    [Theory]
    [InlineData("not a uri")]
    [InlineData("ftp://host")]
    [InlineData("/var/run/docker.sock")]
    public void NonEngineAddressesArePimg2006NamingTheSource(string value)
    {
        var error = Assert.Throws<PipelineImageException>(() => Resolve(null, new EngineEnvironment(DockerHost: value)));

        Assert.Equal(DiagnosticCodes.InvalidDockerHost, error.ResourceName);
        Assert.Contains("DOCKER_HOST", error.Message);
    }

    [Fact]
    public void TlsVariablesGiveTlsToTcpEnginesFromTheCertPath()
    {
        var connection = Resolve(null, new EngineEnvironment(DockerHost: "tcp://127.0.0.1:2376", TlsVerify: "1", CertPath: "/certs"));

        Assert.Equal(new EngineTls("/certs/ca.pem", "/certs/cert.pem", "/certs/key.pem", Verify: true), connection.Tls);
        Assert.Equal("DOCKER_HOST with TLS from /certs", connection.Source);
    }

    [Fact]
    public void DockerTlsWithoutVerifyUsesTheConfigDirectory() =>
        Assert.Equal(new EngineTls($"{Config}/ca.pem", $"{Config}/cert.pem", $"{Config}/key.pem", Verify: false),
            Resolve(null, new EngineEnvironment(DockerHost: "tcp://127.0.0.1:2376", Tls: "1")).Tls);

    [Theory]
    [InlineData("unix:///var/run/docker.sock")]
    [InlineData("tcp://127.0.0.1:2375")]
    public void NoTlsWithoutTheVariablesOrForSockets(string host) =>
        Assert.Null(Resolve(null, new EngineEnvironment(DockerHost: host, TlsVerify: host.StartsWith("unix") ? "1" : null)).Tls);

    [Theory]
    [InlineData("remote", "", "DOCKER_CONTEXT")]
    [InlineData(null, "remote", "currentContext")]
    public void ADockerContextGivesItsEndpointAndTlsFiles(string? variable, string current, string source)
    {
        var connection = Resolve(null, new EngineEnvironment(Context: variable, CurrentContext: current));

        Assert.Equal("tcp://10.0.0.5:2376/", connection.Endpoint.ToString());
        Assert.Equal(new EngineTls($"{Config}/contexts/tls/{RemoteHash}/docker/ca.pem", ContextCert, $"{Config}/contexts/tls/{RemoteHash}/docker/key.pem", true), connection.Tls);
        Assert.Contains(source, connection.Source);
    }

    [Fact]
    public void DockerHostBeatsTheContextAndDefaultMeansTheDefault()
    {
        Assert.Equal("unix:///tmp/x.sock", Resolve(null, new EngineEnvironment(DockerHost: "unix:///tmp/x.sock", Context: "remote")).Endpoint.ToString());
        Assert.Equal(EngineEndpoint.UnixDefault, Resolve(null, new EngineEnvironment(Context: "default", CurrentContext: "remote")).Endpoint.ToString());
    }

    [Fact]
    public void AnUnknownContextIsPimg2027()
    {
        var error = Assert.Throws<PipelineImageException>(() => Resolve(null, new EngineEnvironment(Context: "nowhere")));

        Assert.StartsWith("PIMG2027: The Docker context 'nowhere' (from DOCKER_CONTEXT)", error.Message);
    }

    [Fact]
    public void WithoutDockersSocketPodmansIsUsedRootlessFirst()
    {
        var files = new Dictionary<string, string> { ["/run/user/1000/podman/podman.sock"] = "", ["/run/podman/podman.sock"] = "" };

        Assert.Equal("unix:///run/user/1000/podman/podman.sock",
            Resolve(null, new EngineEnvironment(RuntimeDirectory: "/run/user/1000"), files).Endpoint.ToString());
        Assert.Equal("unix:///run/podman/podman.sock", Resolve(null, new EngineEnvironment(), files).Endpoint.ToString());
        Assert.Equal(EngineEndpoint.UnixDefault, Resolve(null, new EngineEnvironment(), new Dictionary<string, string>()).Endpoint.ToString());
    }

    [Fact]
    public void ContextDirectoriesAreTheSha256OfTheName() =>
        Assert.Equal("37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f", EngineEndpoint.ContextDirectoryName("default"));
}
