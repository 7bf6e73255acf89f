using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using PipelineImage.Building;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Registry;

namespace PipelineImage.Tasks;

/// <summary>
/// Makes the image plan.json says, and writes image.json: assembled (<see cref="AssembledBuild"/>) by default (Docker and Podman),
/// with <c>assembler</c>, or when no engine answers a push; else by the engine's builder (<see cref="PlanBuilder"/>).
/// </summary>
public sealed partial class BuildPipelineImage : EngineTask
{
    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var plan = await PlanFile.ReadAsync(PlanPath, cancellationToken).ConfigureAwait(false);
        var (connection, config) = ResolveEngine();
        if (plan.Options.Builder == "assembler")
        {
            if (plan.Assembly?.NeedsEngine is { } needs)
            {
                throw new PipelineImageException(DiagnosticCodes.AssemblerNeedsEngine, needs);
            }

            await AssembleAsync(plan, config, "PipelineImageBuilder=assembler", cancellationToken, Push ? null : connection, connection).ConfigureAwait(false);
            return;
        }

        var buildKitHost = Engine.BuildKit.BuildKitHost.Parse(BuildKitHost, BuildKitCertPath);
        var secrets = PlanBuilder.ReadSecrets(plan);
        using var buildKit = buildKitHost is null ? null
            : await Engine.BuildKit.BuildKitControl.ConnectAsync(buildKitHost, ConnectTimeout, cancellationToken).ConfigureAwait(false);
        if (buildKit is { IsEngine: false })
        {
            // No engine here: the builder pushes, and image.json says so for the push target.
            using var daemonLock = await AcquireAsync(cancellationToken).ConfigureAwait(false);
            var (imageId, digest) = await PlanBuilder.BuildOnBuildKitAsync(plan, buildKit, Push, Lines(), secrets, PullCredentials(plan, config, cancellationToken),
                cancellationToken).ConfigureAwait(false);
            Record(plan, imageId);
            await AtomicFile.WriteIfChangedAsync(ImageRecordPath, (Recorded(plan, imageId) with
            {
                Pushed = plan.References.ToDictionary(r => r.ToString(), _ => digest, StringComparer.Ordinal),
                PushedBy = $"the buildkitd at {buildKitHost!.Endpoint}",
            }).ToJson()).ConfigureAwait(false);
            return;
        }

        using var engine = EngineFactory(connection);
        EngineInfo info;
        try
        {
            info = await engine.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (EngineUnavailableException e) when (Push && buildKit is null && plan.Options.Builder == "auto" && plan.Assembly is not null)
        {
            // A CI runner without an engine can still push an image that needs no RUN step, or whose requirements base
            // (the RUN steps) the registry has: it is assembled here.
            if (plan.Assembly.NeedsEngine is { } needs)
            {
                throw new PipelineImageException(e, DiagnosticCodes.EngineNeededForRunSteps, e.Endpoint, e.FoundThrough, e.Reason, needs);
            }

            Log.LogMessage(MessageImportance.High, "No engine answers at {0} ({1}); the image is assembled here{2} and pushed through the registry API",
                e.Endpoint, e.Reason, plan.Assembly.Requirements is null ? " (it has no RUN step)" : " on its requirements base from the registry");
            await AssembleAsync(plan, config, $"no engine answered at {e.Endpoint}", cancellationToken, unavailable: e).ConfigureAwait(false);
            return;
        }

        Log.LogMessage(MessageImportance.Normal, "Building {0} with the engine at {1} from {2} ({3} {4}, API {5}, {6})",
            plan.Name, info.Endpoint, connection.Source, info.Product, info.ServerVersion, info.ApiVersion, info.Platform);
        PlanBuilder.CheckPlatform(plan, info);
        if (buildKit is null && plan.Options.Builder == "auto" && plan.Assembly is { NeedsEngine: null })
        {
            // The default: our layers, configuration and manifest on the base as the engine holds it; the engine builds
            // only the requirements base (the RUN steps) and takes the image with only the layers it lacks.
            Log.LogMessage(MessageImportance.Normal, "Builder: assembler (PipelineImageBuilder=auto on {0}; the engine builds only RUN steps)", info.Product);
            await AssembleAsync(plan, config, "PipelineImageBuilder=auto", cancellationToken, connection, connection, connected: new(engine, info)).ConfigureAwait(false);
            return;
        }

        using var buildLock = await AcquireAsync(cancellationToken).ConfigureAwait(false);
        var outcome = await PlanBuilder.BuildAsync(plan, engine, info, Lines(), secrets, PullCredentials(plan, config, cancellationToken), cancellationToken,
            buildKit, RecordDirectory).ConfigureAwait(false);
        Record(plan, outcome.ImageId);

        await Recorded(plan, ImageId).WriteAsync(ImageRecordPath, mayKeepEarlier: !outcome.Built, cancellationToken).ConfigureAwait(false);
    }

    // Our own layers, configuration and manifest (AssembledBuild), written to assembled/ beside image.json; with an
    // engine to load into, the image goes there as well, as the SDK's container publishing does.
    private async System.Threading.Tasks.Task AssembleAsync(PlanFile plan, DockerConfig config, string why, CancellationToken cancellationToken,
        EngineConnection? loadInto = null, EngineConnection? buildWith = null, EngineUnavailableException? unavailable = null, ConnectedEngine? connected = null)
    {
        using var buildLock = await AcquireAsync(cancellationToken).ConfigureAwait(false);
        var ours = RegistryHost.Of(plan.Name);
        using var registries = Registries(config, cancellationToken, registry => CredentialResolver.EnvironmentFor(registry, ours));
        var bases = BaseCacheDirectory ?? Path.Combine(RecordDirectory, "bases");
        var build = new AssembledBuild(RecordDirectory, bases, registries, EngineFactory, PullCredentials(plan, config, cancellationToken), RetryDelays, Lines());
        var (assembled, loadedAs) = await build.AssembleAsync(plan, why, loadInto, buildWith, unavailable, cancellationToken, connected).ConfigureAwait(false);
        if (loadInto is null && !Push)
        {
            Log.LogMessage(MessageImportance.High, "The assembled image is in {0}, in no engine: PipelineImagePush=true pushes it", build.Directory);
        }

        // On a base read from the engine, the image is the engine's alone (by its id there): push, save and describe go
        // through the engine.
        var imageId = assembled.BaseInEngine ? loadedAs ?? assembled.ConfigDigest : assembled.ConfigDigest;
        Record(plan, imageId);
        await (assembled.BaseInEngine ? Recorded(plan, imageId)
                : Recorded(plan, imageId) with { Assembled = build.Directory, Manifest = assembled.ManifestDigest })
            .WriteAsync(ImageRecordPath, mayKeepEarlier: true, cancellationToken).ConfigureAwait(false);
    }

    // The image and every reference the build tagged; the tags are the first registry's (each has the same).
    private static ImageRecord Recorded(PlanFile plan, string imageId) =>
        new(plan.Name, plan.References.Where(reference => reference.Name == plan.Name).Select(reference => reference.Tag).ToList(), imageId)
        {
            References = plan.References,
        };

    // Where image.json, build.lock and assembled/ are.
    private string RecordDirectory => Path.GetDirectoryName(Path.GetFullPath(ImageRecordPath))!;

    private Task<BuildLock> AcquireAsync(CancellationToken cancellationToken)
    {
        var lockPath = Path.Combine(RecordDirectory, "build.lock");
        return BuildLock.AcquireAsync(lockPath, () => Log.LogMessage(
            MessageImportance.High, "Waiting for another publish of this project to finish its image build ({0})", lockPath), cancellationToken);
    }

    // The outputs: the image and each of its references.
    private void Record(PlanFile plan, string imageId)
    {
        ImageId = imageId;
        ImageReferences = plan.References.Select(reference =>
        {
            var item = new TaskItem(reference.ToString());
            item.SetMetadata("Name", reference.Name);
            item.SetMetadata("Tag", reference.Tag);
            item.SetMetadata("ImageId", imageId);
            return (ITaskItem)item;
        }).ToArray();
    }

    private Func<string, RegistryCredential?> PullCredentials(PlanFile plan, DockerConfig config, CancellationToken cancellationToken) =>
        CredentialResolver.ForBuilder(config, RegistryHost.Of(plan.Name), line => Log.LogMessage(MessageImportance.Normal, "{0}", line), cancellationToken);
}
