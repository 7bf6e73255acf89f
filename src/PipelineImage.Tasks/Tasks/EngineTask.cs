using Microsoft.Build.Framework;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Naming;
using PipelineImage.Registry;

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

    /// <summary>Pushes the reference through the engine, trying a transient failure again after each of <see cref="RetryDelays"/>.</summary>
    private protected Task<PushResult> PushWithRetriesAsync(IContainerEngine engine, ImageReference reference, ResolvedCredential credential, CancellationToken cancellationToken) =>
        Building.EnginePush.WithRetriesAsync(engine, reference, credential, RetryDelays, Lines(), cancellationToken);

    /// <summary>The log as the builders and pushes write it: their lines at normal importance, what a user waits for at high.</summary>
    private protected Building.BuildLog Lines() =>
        new(line => Log.LogMessage(MessageImportance.Normal, "{0}", line), line => Log.LogMessage(MessageImportance.High, "{0}", line));

    /// <summary>What the assembler wrote for the recorded image; <paramref name="missing"/> when it is gone or another image's.</summary>
    private protected static Assembling.AssemblyRecord ReadAssembly(ImageRecord record, string directory, string missing) =>
        Assembling.AssemblyRecord.Read(directory) is { } read && read.ManifestDigest == record.Manifest
            ? read
            : throw new PipelineImageException(missing, $"the assembled image {record.Manifest} in {directory}", "is not there (publish again)");

    /// <summary>image.json as a build wrote it; <paramref name="missing"/> (PIMG4003, PIMG4007) when there is none.</summary>
    private protected static async Task<ImageRecord> ReadImageRecordAsync(string path, string missing, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new PipelineImageException(missing, path, "does not exist");
        }

        return ImageRecord.Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), path, missing);
    }

    /// <summary>
    /// image.json of an image that an engine here holds or the assembler wrote: PIMG2036 for one a standalone buildkitd
    /// built and pushed, naming the setting that wants the image and what it would do with it.
    /// </summary>
    private protected static async Task<ImageRecord> ReadLocalImageRecordAsync(string path, string missing, string setting, string verb, CancellationToken cancellationToken)
    {
        var record = await ReadImageRecordAsync(path, missing, cancellationToken).ConfigureAwait(false);
        return record.PushedBy is { } builder ? throw new PipelineImageException(DiagnosticCodes.NoLocalImage, builder, setting, verb) : record;
    }

    /// <summary>The engine, connected, that holds the recorded image; <paramref name="missing"/> when it does not.</summary>
    private protected async Task<IContainerEngine> EngineWithImageAsync(
        EngineConnection connection, ImageRecord record, string recordPath, string missing, CancellationToken cancellationToken)
    {
        var engine = EngineFactory(connection);
        try
        {
            await engine.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return await engine.InspectImageAsync(record.ImageId, cancellationToken).ConfigureAwait(false) is null
                ? throw new PipelineImageException(missing, $"the image {record.ImageId} of {recordPath}", "is not on the engine")
                : engine;
        }
        catch
        {
            engine.Dispose();
            throw;
        }
    }
}
