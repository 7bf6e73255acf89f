namespace PipelineImage.IntegrationTests.Infrastructure;

/// <summary>
/// An engine the end-to-end tests publish to: its socket and the CLI that inspects and runs what it built. This
/// machine's dockerd (Docker 20.10) and Podman 4.3 come from build/test-env.sh; today's engines from
/// build/modern-engines.sh, each with its own socket, store and CLI wrapper.
/// </summary>
/// <param name="Name">How the tests name it.</param>
/// <param name="Socket">Its Engine API.</param>
/// <param name="Cli">Its CLI.</param>
public sealed record EngineUnderTest(string Name, string Socket, ContainerCli Cli)
{
    /// <summary>This machine's dockerd: Docker 20.10 on overlay2, whose <c>auto</c> builder is the classic one.</summary>
    public static EngineUnderTest Docker20 { get; } = new("docker20", "unix:///var/run/docker.sock", new ContainerCli("docker"));

    public static EngineUnderTest Podman { get; } = new("podman", "unix:///run/podman/podman.sock", Infrastructure.Cli.Podman);

    /// <summary>Docker 26 on the containerd image store (a fresh Docker 29's default).</summary>
    public static EngineUnderTest DockerContainerd { get; } = Modern("docker-containerd");

    /// <summary>Docker 26 on the graph-driver store (overlay2), Docker 25 to 28's default.</summary>
    public static EngineUnderTest DockerGraphDriver { get; } = Modern("docker-graphdriver");

    /// <summary>Podman 5.</summary>
    public static EngineUnderTest Podman5 { get; } = Modern("podman5");

    /// <summary>
    /// The engine every test publishes to unless it names one (each publish gets its socket as DOCKER_HOST): Docker on
    /// the containerd image store, the configuration a new user has, or the Docker engine PIPELINEIMAGE_TEST_ENGINE
    /// names (<c>docker-graphdriver</c>, or <c>docker20</c> for this machine's dockerd) for trying the suite there.
    /// </summary>
    public static EngineUnderTest Default { get; } = Environment.GetEnvironmentVariable("PIPELINEIMAGE_TEST_ENGINE") switch
    {
        null or "" or "docker-containerd" => DockerContainerd,
        "docker-graphdriver" => DockerGraphDriver,
        "docker20" => Docker20,
        var other => throw new InvalidOperationException($"PIPELINEIMAGE_TEST_ENGINE={other}: docker-containerd, docker-graphdriver or docker20"),
    };

    /// <summary>An engine by its name: docker20, docker-containerd, docker-graphdriver, podman or podman5.</summary>
    public static EngineUnderTest Named(string name) => name switch
    {
        "docker20" => Docker20,
        "docker-containerd" => DockerContainerd,
        "docker-graphdriver" => DockerGraphDriver,
        "podman" => Podman,
        "podman5" => Podman5,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "docker20, docker-containerd, docker-graphdriver, podman or podman5"),
    };

    /// <summary>What the build log calls it: Docker or Podman.</summary>
    public string Product => Name.StartsWith("podman", StringComparison.Ordinal) ? "Podman" : "Docker";

    /// <summary>Whether it is one of build/modern-engines.sh's.</summary>
    public bool IsModern => Socket.StartsWith("unix:///run/pipelineimage/", StringComparison.Ordinal);

    private static EngineUnderTest Modern(string name) =>
        new(name, $"unix:///run/pipelineimage/{name}.sock", new ContainerCli($"/usr/local/libexec/pipelineimage/{name}"));

    /// <summary>Why tests on it cannot run here, or null: its socket answers a ping.</summary>
    public string? Missing() => Pings.GetOrAdd(Socket, socket => new Lazy<string?>(() =>
    {
        var provision = IsModern ? "build/modern-engines.sh (which build/test-env.sh runs)" : "build/test-env.sh";
        try
        {
            var result = ProcessRunner.RunAsync("curl", ["-s", "--max-time", "10", "--unix-socket", socket[7..], "http://engine/_ping"],
                Path.GetTempPath(), timeout: TimeSpan.FromSeconds(15)).GetAwaiter().GetResult();
            return result.ExitCode == 0 && result.Output.Trim() == "OK" ? null : $"{Name} does not answer on {socket}. Run {provision} as root to provision it.";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or TimeoutException)
        {
            return $"{Name} cannot be asked on {socket} ({e.Message}). Run {provision} as root to provision it.";
        }
    })).Value;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<string?>> Pings = new(StringComparer.Ordinal);

    public override string ToString() => Name;
}

/// <summary>
/// A builder the core scenarios run on: the properties a project sets to build with it, the builder the log names,
/// and the engine whose store has its images.
/// </summary>
/// <param name="Name">How the matrix names it: ENGINE/BUILDER for Docker's (<c>docker20/classic</c>), <c>podman</c> (4.3) or <c>podman5</c>.</param>
/// <param name="Builder">classic, buildkit or podman: what the build log says it is.</param>
/// <param name="Engine">The engine it builds on.</param>
public sealed record BuilderUnderTest(string Name, string Builder, EngineUnderTest Engine)
{
    public const string PodmanSocket = "unix:///run/podman/podman.sock";

    public static BuilderUnderTest Named(string name) => name switch
    {
        "podman" or "podman5" => new(name, "podman", EngineUnderTest.Named(name)),
        _ when name.Split('/') is [var engine and not ("podman" or "podman5"), var builder and ("classic" or "buildkit")] => new(name, builder, EngineUnderTest.Named(engine)),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "podman, podman5 or ENGINE/BUILDER"),
    };

    /// <summary>The CLI to inspect and run what it built.</summary>
    public ContainerCli Cli => Engine.Cli;

    /// <summary>The PipelineImage properties that choose it.</summary>
    public string Properties => string.Concat(Arguments.Select(argument => argument[3..].Split('=', 2) is [var property, var value] ? $"<{property}>{value}</{property}>" : ""));

    /// <summary>
    /// With <c>PipelineImageBuilder=auto</c>: on Podman, buildah builds the RUN steps with cache mounts. Without it
    /// Podman's builder is chosen by <c>classic</c>, and builds them without. Either way our assembler makes the image,
    /// unless it has a parent Dockerfile.
    /// </summary>
    public bool Auto { get; init; }

    /// <summary>The same choice as <c>dotnet publish</c> arguments.</summary>
    public string[] Arguments => Auto ? [$"-p:PipelineImageDockerHost={Engine.Socket}"]
        : [$"-p:PipelineImageDockerHost={Engine.Socket}", $"-p:PipelineImageBuilder={(Builder == "podman" ? "classic" : Builder)}"];

    /// <summary>Whether the builder has <c>RUN --mount=type=cache</c>.</summary>
    public bool HasCacheMounts => Builder != "classic" && (Builder != "podman" || Auto);

    public override string ToString() => Name;
}

/// <summary>
/// A test on Podman's service (build/test-env.sh starts it). Without it the test is skipped with the reason, except
/// under CI=true, where it runs and fails.
/// </summary>
public sealed class PodmanFactAttribute : FactAttribute
{
    public PodmanFactAttribute()
    {
        Skip = EngineFactAttribute.SkipReason is { } noDocker ? noDocker
            : EngineUnderTest.Podman.Missing() is { } reason && !EngineFactAttribute.IsCi ? reason : null;
    }
}

/// <summary>
/// A theory on today's engines (build/modern-engines.sh): skipped with the reason where one does not answer, except
/// under CI=true, where it runs and fails.
/// </summary>
public sealed class ModernEngineTheoryAttribute : TheoryAttribute
{
    public ModernEngineTheoryAttribute()
    {
        Skip = EngineFactAttribute.IsCi ? null
            : EngineFactAttribute.SkipReason ?? new[] { EngineUnderTest.DockerContainerd, EngineUnderTest.DockerGraphDriver, EngineUnderTest.Podman5 }
                .Select(engine => engine.Missing()).FirstOrDefault(reason => reason is not null);
    }
}

/// <summary>
/// A theory of the builder matrix, on every engine: skipped with the reason where one does not answer, except under
/// CI=true, where it runs and fails.
/// </summary>
public sealed class MatrixTheoryAttribute : TheoryAttribute
{
    public MatrixTheoryAttribute()
    {
        Skip = EngineFactAttribute.IsCi ? null
            : new[] { EngineUnderTest.Docker20, EngineUnderTest.Podman, EngineUnderTest.DockerContainerd, EngineUnderTest.DockerGraphDriver, EngineUnderTest.Podman5 }
                .Select(engine => engine.Missing()).FirstOrDefault(reason => reason is not null);
    }
}

/// <summary>A fact on today's engines, skipped or failing as <see cref="ModernEngineTheoryAttribute"/> says.</summary>
public sealed class ModernEngineFactAttribute : FactAttribute
{
    public ModernEngineFactAttribute()
    {
        Skip = new ModernEngineTheoryAttribute().Skip;
    }
}
