using Microsoft.Build.Framework;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Registry;
using PipelineImage.Transport;

namespace PipelineImage.Tasks;

/// <summary>
/// A task that talks to the engine: it finds the engine as the docker CLI does (<see cref="DockerHost"/> first) and
/// gets its client from <see cref="EngineFactory"/>, which unit tests replace with a fake.
/// </summary>
public abstract partial class EngineTask : PipelineImageTask
{
    /// <summary>How long the engine may take to answer before the task fails with PIMG1001.</summary>
    internal static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Makes the engine client for a connection: the Docker Engine API, or a test's fake.</summary>
    internal Func<EngineConnection, IContainerEngine> EngineFactory { get; set; } = connection => new DockerEngine(connection, ConnectTimeout);

    /// <summary>Where what was read of the bases that engines hold is kept (the user's cache; a test's directory); null: beside the plan.</summary>
    internal string? BaseCacheDirectory { get; init; } = ImageStore.EngineBaseReader.UserCacheDirectory();

    protected override bool YieldsToOtherProjects => true;

    /// <summary>Where the engine is and the docker CLI's config.json, read from the environment.</summary>
    private protected (EngineConnection Connection, DockerConfig Config) ResolveEngine() => EngineSettings.Resolve(DockerHost);

    /// <summary>
    /// The registry clients of this task, logging at normal importance. The PIPELINEIMAGE_REGISTRY_* variables count
    /// for every registry unless <paramref name="environment"/> says which registry may read what.
    /// </summary>
    internal RegistryClients Registries(DockerConfig config, CancellationToken cancellationToken,
        Func<string, Func<string, string?>>? environment = null, IReadOnlyList<TimeSpan>? retryDelays = null) =>
        new(config, environment ?? (_ => Environment.GetEnvironmentVariable), line => Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, "{0}", line),
            retryDelays ?? RegistryClients.DefaultRetryDelays, cancellationToken, RegistryHandler);

    /// <summary>Carries the registries' requests: the network, or a test's registry.</summary>
    internal HttpMessageHandler? RegistryHandler { get; init; }

    /// <summary>How long to wait before each retry of a push the registry failed transiently (5xx, a reset connection).</summary>
    internal IReadOnlyList<TimeSpan> RetryDelays { get; init; } = RegistryClients.DefaultRetryDelays;

    /// <summary>The log as the builders and pushes write it: their lines at normal importance, what a user waits for at high.</summary>
    private protected BuildLog Lines() =>
        new(line => Log.LogMessage(MessageImportance.Normal, "{0}", line), line => Log.LogMessage(MessageImportance.High, "{0}", line));

    /// <summary>Opens the image that image.json records where it is: the engine, the assembler's directory or a registry.</summary>
    private protected ImageStore.StoredImages Stored(EngineConnection connection, RegistryClients registries) =>
        new(() => EngineFactory(connection), registries, RetryDelays, Lines());

    /// <summary>image.json as a build wrote it; <paramref name="missing"/> (PIMG4003, PIMG4007) when there is none.</summary>
    private protected static async Task<ImageRecord> ReadImageRecordAsync(string path, string missing, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new PipelineImageException(missing, path, "does not exist");
        }

        return ImageRecord.Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), path, missing);
    }
}
