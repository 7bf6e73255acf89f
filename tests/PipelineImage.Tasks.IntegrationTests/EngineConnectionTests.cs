using System.Diagnostics;
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
    [PodmanFact]
    public async Task AnEngineKilledInTheMiddleOfABuildIsPimg1019AndTheNextPublishRemovesWhatTheBuildLeft()
    {
        // A Podman service of its own (its own store, with the stand-in), killed while a step of the build runs, then
        // started again: its store still holds the step's buildah container.
        var root = Directory.CreateTempSubdirectory("pimg-lost-engine-").FullName;
        string[] store = ["--root", Path.Combine(root, "storage"), "--runroot", Path.Combine(root, "run")];
        var socketPath = Path.Combine(root, "podman.sock");
        var socket = $"unix://{socketPath}";
        var archive = Path.Combine(root, "base.tar");
        var saved = await ProcessRunner.RunAsync("podman", ["save", "-o", archive, "mcr.microsoft.com/dotnet/runtime:10.0"], root);
        Assert.True(saved.ExitCode == 0, saved.ToString());
        var loaded = await ProcessRunner.RunAsync("podman", [.. store, "load", "-q", "-i", archive], root);
        Assert.True(loaded.ExitCode == 0, loaded.ToString());
        async Task<Process> StartAsync()
        {
            File.Delete(socketPath);
            var started = Process.Start("podman", [.. store, "system", "service", "--time=0", socket])!;
            for (var wait = 0; wait < 50 && !File.Exists(socketPath); wait++)
            {
                await Task.Delay(200);
            }

            return started;
        }

        async Task<string> BuildContainersAsync() =>
            (await ProcessRunner.RunAsync("podman", [.. store, "ps", "--all", "--external", "--quiet"], root)).Output.Trim();

        const int seconds = 43;
        var service = await StartAsync();
        try
        {
            await using var project = new TestProject(feed, properties: "<PipelineImageParentDockerfile>Parent.Dockerfile</PipelineImageParentDockerfile>");
            var parent = Path.Combine(project.Directory, "Parent.Dockerfile");
            await File.WriteAllTextAsync(parent, $"FROM mcr.microsoft.com/dotnet/runtime:10.0\nRUN echo {Guid.NewGuid():N} && sleep {seconds}\n");
            var publish = project.PublishAsync($"-p:PipelineImageDockerHost={socket}");
            for (var wait = 0; wait < 240 && !publish.IsCompleted && !await ProcessRunner.IsRunningAsync($"^sleep {seconds}$"); wait++)
            {
                await Task.Delay(250);
            }

            service.Kill();
            var lost = await publish;
            await service.WaitForExitAsync();
            service.Dispose();
            service = await StartAsync();
            var left = await BuildContainersAsync();
            await File.WriteAllTextAsync(parent, $"FROM mcr.microsoft.com/dotnet/runtime:10.0\nRUN echo {Guid.NewGuid():N}\n");
            var next = await project.PublishAsync($"-p:PipelineImageDockerHost={socket}");

            Assert.NotEqual(0, lost.ExitCode);
            Assert.True(lost.Output.Contains($"error PIMG1019: The engine at {socket} went away during the build, in Step 2/2 : RUN echo ", StringComparison.Ordinal),
                lost.ToString());
            Assert.Contains("it no longer answers (", lost.Output);
            Assert.Contains("the build ended with: ", lost.Output);
            Assert.False(lost.Output.Contains("PIMG1004", StringComparison.Ordinal), lost.ToString());
            Assert.NotEqual("", left);
            Assert.True(next.ExitCode == 0, next.ToString());
            Assert.Contains($"The engine at {socket} went away during this project's build at ", next.Output);
            Assert.Contains($"removed what that build left on it, container {left.Split('\n')[0][..12]}", next.Output);
            Assert.Equal("", await BuildContainersAsync());
        }
        finally
        {
            if (!service.HasExited)
            {
                service.Kill();
            }

            service.Dispose();
            await ProcessRunner.RunAsync("pkill", ["-f", $"^sleep {seconds}$"], root);
            await ProcessRunner.RunAsync("podman", [.. store, "system", "reset", "--force"], root);
            Directory.Delete(root, recursive: true);
        }
    }
}
