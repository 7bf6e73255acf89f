using System.Text.Json;

namespace PipelineImage.IntegrationTests.Infrastructure;

/// <summary>The engines' CLIs, as a user would check what a publish produced: <c>Docker.RunImageAsync(...)</c> in every test.</summary>
public static class Cli
{
    /// <summary>
    /// The CLI of the engine every test publishes to unless it names one (<see cref="EngineUnderTest.Default"/>): Docker on
    /// the containerd image store, a new user's configuration.
    /// </summary>
    public static ContainerCli Docker => EngineUnderTest.Default.Cli;

    /// <summary>Podman's own CLI, on the store its service (unix:///run/podman/podman.sock) builds into.</summary>
    public static ContainerCli Podman { get; } = new("podman");
}

/// <summary>The docker CLI or Podman's, which takes the same commands.</summary>
public sealed class ContainerCli(string binary)
{
    /// <summary>The program: the docker CLI, Podman's, or a wrapper of build/modern-engines.sh that points one at its engine.</summary>
    public string Binary => binary;

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
