using System.Text.Json;

namespace PipelineImage.IntegrationTests.Infrastructure;

/// <summary>The engines' CLIs, as a user would check what a publish produced: <c>Docker.RunImageAsync(...)</c> in every test.</summary>
public static class Cli
{
    /// <summary>
    /// The engine every test publishes to unless it names one: this machine's dockerd, or one of build/modern-engines.sh's
    /// named by PIPELINEIMAGE_TEST_ENGINE (<c>docker-containerd</c>, <c>docker-graphdriver</c>), whose socket the
    /// publishes then get as DOCKER_HOST.
    /// </summary>
    public static string? DefaultEngine { get; } = Environment.GetEnvironmentVariable("PIPELINEIMAGE_TEST_ENGINE") is { Length: > 0 } name && name != "docker"
        ? name : null;

    /// <summary>The default engine's socket.</summary>
    public static string DefaultSocket => DefaultEngine is null ? "unix:///var/run/docker.sock" : $"unix:///run/pipelineimage/{DefaultEngine}.sock";

    public static ContainerCli Docker { get; } = new(DefaultEngine is null ? "docker" : $"/usr/local/libexec/pipelineimage/{DefaultEngine}");

    /// <summary>Podman's own CLI, on the store its service (unix:///run/podman/podman.sock) builds into.</summary>
    public static ContainerCli Podman { get; } = new("podman");
}

/// <summary>The docker CLI or Podman's, which takes the same commands.</summary>
public sealed class ContainerCli(string binary)
{
    public async Task<ProcessResult> RunAsync(params string[] arguments) =>
        await ProcessRunner.RunAsync(binary, arguments, Path.GetTempPath(), timeout: TimeSpan.FromMinutes(3));

    /// <summary><c>docker image inspect</c>, or null when there is no such image.</summary>
    public async Task<JsonElement?> InspectImageAsync(string reference)
    {
        var result = await RunAsync("image", "inspect", reference);
        if (result.ExitCode != 0)
        {
            return null;
        }

        using var document = JsonDocument.Parse(result.Output);
        return document.RootElement[0].Clone();
    }

    public async Task<IReadOnlyList<string>> LayersAsync(string reference)
    {
        var image = await InspectImageAsync(reference) ?? throw new InvalidOperationException($"No image {reference}");
        return image.GetProperty("RootFS").GetProperty("Layers").EnumerateArray().Select(layer => layer.GetString()!).ToList();
    }

    /// <summary>Runs the image with no network, as the tests' images must never reach out.</summary>
    public Task<ProcessResult> RunImageAsync(string reference, params string[] arguments) =>
        RunAsync(["run", "--rm", "--network", "none", .. arguments, reference]);

    /// <summary>Runs the image with no network and a command (or the entrypoint's arguments) after the image.</summary>
    public Task<ProcessResult> RunCommandAsync(string reference, params string[] command) =>
        RunAsync(["run", "--rm", "--network", "none", reference, .. command]);

    /// <summary>Removes every tag of the repository; untagged parents (build steps) go with it.</summary>
    public async Task RemoveRepositoryAsync(string name)
    {
        var list = await RunAsync("image", "ls", "--format", "{{.Repository}}:{{.Tag}}", name);
        var references = list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(reference => !reference.EndsWith(":<none>", StringComparison.Ordinal)).ToArray();
        if (references.Length > 0)
        {
            await RunAsync(["image", "rm", "--force", .. references]);
        }
    }
}
