using PipelineImage.Diagnostics;
using PipelineImage.Engine;

namespace PipelineImage.Tests.Engine;

public class EngineEndpointTests
{
    [Theory]
    [InlineData("", null, false, "unix:///var/run/docker.sock")]
    [InlineData(null, "", true, "npipe://./pipe/docker_engine")]
    [InlineData(null, "tcp://127.0.0.1:2375", false, "tcp://127.0.0.1:2375/")]
    [InlineData("unix:///run/podman/podman.sock", "tcp://127.0.0.1:2375", false, "unix:///run/podman/podman.sock")]
    [InlineData("  ", " unix:///tmp/d.sock ", false, "unix:///tmp/d.sock")]
    public void PropertyBeatsDockerHostWhichBeatsTheDefault(string? property, string? variable, bool windows, string expected) =>
        Assert.Equal(expected, EngineEndpoint.Resolve(property, variable, windows).ToString());

    [Theory]
    [InlineData("not a uri")]
    [InlineData("ftp://host")]
    [InlineData("/var/run/docker.sock")]
    public void NonEngineAddressesArePimg2006NamingTheSource(string value)
    {
        var error = Assert.Throws<PipelineImageException>(() => EngineEndpoint.Resolve(null, value, false));

        Assert.Equal(DiagnosticCodes.InvalidDockerHost, error.ResourceName);
        Assert.Contains("DOCKER_HOST", error.Message);
    }
}
