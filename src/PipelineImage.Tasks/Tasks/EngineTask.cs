using PipelineImage.Engine;
using PipelineImage.Registry;

namespace PipelineImage.Tasks;

/// <summary>
/// A task that talks to the engine: it finds the engine as the docker CLI does (<see cref="DockerHost"/> first) and
/// gets its client from <see cref="EngineFactory"/>, which unit tests replace with a fake.
/// </summary>
public abstract partial class EngineTask : PipelineImageTask
{
    /// <summary>How long the engine may take to answer before the task fails with PIMG1001.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Makes the engine client for a connection: the Docker Engine API, or a test's fake.</summary>
    internal Func<EngineConnection, IContainerEngine> EngineFactory { get; set; } = connection => new DockerEngine(connection, ConnectTimeout);

    protected override bool YieldsToOtherProjects => true;

    /// <summary>Where the engine is and the docker CLI's config.json, read from the environment.</summary>
    protected (EngineConnection Connection, DockerConfig Config) ResolveEngine() => EngineSettings.Resolve(DockerHost);
}
