using System.Net;
using System.Net.Sockets;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>An engine that is missing or silent fails the publish fast, with PIMG1001 saying what to do.</summary>
[Collection(EngineCollection.Name)]
public sealed class EngineConnectionTests(PackageFeed feed)
{
    [EngineFact]
    public async Task NoEngineAtDockerHostIsPimg1001AndANonZeroExit()
    {
        await using var project = new TestProject(feed);

        var publish = await project.PublishAsync(new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock" });

        Assert.NotEqual(0, publish.ExitCode);
        Assert.Contains("error PIMG1001: Cannot reach a Docker engine at 'unix:///nonexistent/docker.sock'", publish.Output);
        Assert.Contains("DOCKER_HOST", publish.Output);
    }

    [EngineFact]
    public async Task EngineThatNeverAnswersIsPimg1001AfterTheConnectTimeout()
    {
        // Accepts connections and never answers, as a hung engine or a wrong port would.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var project = new TestProject(feed);

        var publish = await project.PublishAsync($"-p:PipelineImageDockerHost=tcp://127.0.0.1:{port}");

        Assert.NotEqual(0, publish.ExitCode);
        Assert.True(publish.Output.Contains($"error PIMG1001: Cannot reach a Docker engine at 'tcp://127.0.0.1:{port}/' (from PipelineImageDockerHost): no answer within 5 s", StringComparison.Ordinal), publish.ToString());
    }

    [EngineFact]
    public async Task RefusedConnectionIsPimg1001NamingTheAddressAndDockerHostNeverMsb4018()
    {
        await using var project = new TestProject(feed);

        var publish = await project.PublishAsync(new Dictionary<string, string?> { ["DOCKER_HOST"] = "tcp://127.0.0.1:1" });

        Assert.NotEqual(0, publish.ExitCode);
        Assert.Contains("error PIMG1001: Cannot reach a Docker engine at 'tcp://127.0.0.1:1/' (from DOCKER_HOST): connection refused", publish.Output);
        Assert.DoesNotContain("MSB4018", publish.Output);
    }

    [EngineFact]
    public async Task HttpSchemeInDockerHostIsPimg2006()
    {
        await using var project = new TestProject(feed);

        var publish = await project.PublishAsync(new Dictionary<string, string?> { ["DOCKER_HOST"] = "http://127.0.0.1:2375" });

        Assert.NotEqual(0, publish.ExitCode);
        Assert.Contains("error PIMG2006: 'http://127.0.0.1:2375' (from DOCKER_HOST) is not an engine address.", publish.Output);
    }
}
