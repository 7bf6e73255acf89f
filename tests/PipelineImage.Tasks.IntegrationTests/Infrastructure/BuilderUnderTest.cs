namespace PipelineImage.IntegrationTests.Infrastructure;

/// <summary>
/// A builder the core scenarios run on: the properties a project sets to build with it, and the CLI of the engine
/// whose store has its images. Classic and BuildKit are this machine's dockerd; Podman is its service.
/// </summary>
/// <param name="Name">classic, buildkit or podman.</param>
/// <param name="Properties">The PipelineImage properties that choose it.</param>
/// <param name="Engine">The CLI to inspect and run what it built.</param>
public sealed record BuilderUnderTest(string Name, string Properties, ContainerCli Engine)
{
    public const string PodmanSocket = "unix:///run/podman/podman.sock";

    public static BuilderUnderTest Named(string name) => name switch
    {
        "classic" => new(name, "<PipelineImageBuilder>classic</PipelineImageBuilder>", Cli.Docker),
        "buildkit" => new(name, "<PipelineImageBuilder>buildkit</PipelineImageBuilder>", Cli.Docker),
        "podman" => new(name, $"<PipelineImageDockerHost>{PodmanSocket}</PipelineImageDockerHost>", Cli.Podman),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "classic, buildkit or podman"),
    };

    /// <summary>The same choice as <c>dotnet publish</c> arguments.</summary>
    public string[] Arguments => Name == "podman" ? [$"-p:PipelineImageDockerHost={PodmanSocket}"] : [$"-p:PipelineImageBuilder={Name}"];

    /// <summary>Whether the builder has <c>RUN --mount=type=cache</c>.</summary>
    public bool HasCacheMounts => Name != "classic";

    public override string ToString() => Name;
}

/// <summary>
/// A test on Podman's service (build/test-env.sh starts it). Without it the test is skipped with the reason, except
/// under CI=true, where it runs and fails.
/// </summary>
public sealed class PodmanFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Missing = new(() =>
    {
        if (EngineFactAttribute.SkipReason is { } noDocker)
        {
            return noDocker;
        }

        try
        {
            var result = ProcessRunner.RunAsync("curl", ["-s", "--max-time", "10", "--unix-socket", BuilderUnderTest.PodmanSocket[7..], "http://podman/_ping"],
                Path.GetTempPath(), timeout: TimeSpan.FromSeconds(15)).GetAwaiter().GetResult();
            return result.ExitCode == 0 && result.Output.Trim() == "OK"
                ? null
                : $"Podman does not answer on {BuilderUnderTest.PodmanSocket}. Run build/test-env.sh as root to provision it.";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or TimeoutException)
        {
            return $"Podman cannot be asked on {BuilderUnderTest.PodmanSocket} ({e.Message}). Run build/test-env.sh as root to provision it.";
        }
    });

    public PodmanFactAttribute()
    {
        Skip = Missing.Value is { } reason && !EngineFactAttribute.IsCi ? reason : null;
    }
}
