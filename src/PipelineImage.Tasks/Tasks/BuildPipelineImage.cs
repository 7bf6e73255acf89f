using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using PipelineImage.Building;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Registry;

namespace PipelineImage.Tasks;

/// <summary>
/// Builds what plan.json says (<see cref="PlanBuilder"/>): nothing when the engine has an image of the same content
/// key, and writes image.json. Takes turns with other publishes of the project on build.lock.
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

            if (plan.Assembly?.Requirements is not null && !Push)
            {
                throw new PipelineImageException(DiagnosticCodes.RequirementsBaseNeedsPush, $"{plan.Name}:{PlanFile.RequirementsTagPrefix}<content key>");
            }

            await AssembleAsync(plan, config, "PipelineImageBuilder=assembler", cancellationToken, Push ? null : connection, connection).ConfigureAwait(false);
            return;
        }

        var buildKitHost = Engine.BuildKit.BuildKitHost.Parse(BuildKitHost, BuildKitCertPath);
        var secrets = Secrets(plan);
        using var buildKit = buildKitHost is null ? null
            : await Engine.BuildKit.BuildKitControl.ConnectAsync(buildKitHost, ConnectTimeout, cancellationToken).ConfigureAwait(false);
        if (buildKit is { IsEngine: false })
        {
            // No engine here: the builder pushes, and image.json says so for the push target.
            using var daemonLock = await AcquireAsync(cancellationToken).ConfigureAwait(false);
            var (imageId, digest) = await PlanBuilder.BuildOnBuildKitAsync(plan, buildKit, Push, Lines(), secrets, PullCredentials(plan, config, cancellationToken),
                cancellationToken).ConfigureAwait(false);
            foreach (var reference in plan.References)
            {
                Log.LogMessage(MessageImportance.High, "Pushed {0} ({1}) from the buildkitd at {2}", reference, digest, buildKitHost!.Endpoint);
            }

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
        CheckPlatform(plan, info);

        using var buildLock = await AcquireAsync(cancellationToken).ConfigureAwait(false);
        var outcome = await PlanBuilder.BuildAsync(plan, engine, info, Lines(), secrets, PullCredentials(plan, config, cancellationToken), cancellationToken,
            buildKit).ConfigureAwait(false);
        Record(plan, outcome.ImageId);

        await WriteRecordAsync(Recorded(plan, ImageId), mayKeepEarlier: !outcome.Built, cancellationToken).ConfigureAwait(false);
    }

    // image.json. A record of an earlier push (or archive, or bill) stays true only for the image it was of: it is kept
    // when the image, where it is and its references are the same.
    private async System.Threading.Tasks.Task WriteRecordAsync(ImageRecord record, bool mayKeepEarlier, CancellationToken cancellationToken)
    {
        if (mayKeepEarlier && File.Exists(ImageRecordPath))
        {
            try
            {
                var earlier = ImageRecord.Parse(await File.ReadAllTextAsync(ImageRecordPath, cancellationToken).ConfigureAwait(false), ImageRecordPath);
                if (earlier.ImageId == record.ImageId && earlier.Manifest == record.Manifest && earlier.Assembled == record.Assembled
                    && earlier.AllReferences().SequenceEqual(record.AllReferences()))
                {
                    record = earlier;
                }
            }
            catch (PipelineImageException)
            {
            }
        }

        await AtomicFile.WriteIfChangedAsync(ImageRecordPath, record.ToJson()).ConfigureAwait(false);
    }

    // Our own layers, configuration and manifest on the base from its registry, written to assembled/ beside image.json.
    // With an engine to load into (no push), the image goes there as well, as the SDK's container publishing does. With
    // a requirements base, the layers go on that, from the registry, or built by the engine (buildWith) and pushed.
    private async System.Threading.Tasks.Task AssembleAsync(PlanFile plan, DockerConfig config, string why, CancellationToken cancellationToken,
        EngineConnection? loadInto = null, EngineConnection? buildWith = null, EngineUnavailableException? unavailable = null)
    {
        var directory = Path.Combine(RecordDirectory, "assembled");
        using var buildLock = await AcquireAsync(cancellationToken).ConfigureAwait(false);
        var ours = RegistryHost.Of(plan.Name);
        using var registries = Registries(config, cancellationToken, registry => PullEnvironment(registry, ours));
        try
        {
            var assembler = new Assembling.ImageAssembler(registries.For, line => Log.LogMessage(MessageImportance.Normal, "{0}", line));
            var onto = plan.Assembly?.Requirements is null ? null
                : await RequirementsBaseAsync(plan, assembler, registries, config, buildWith, unavailable, cancellationToken).ConfigureAwait(false);
            var assembled = await assembler.AssembleAsync(plan, directory, cancellationToken, onto).ConfigureAwait(false);
            Log.LogMessage(MessageImportance.High, "Assembled {0} ({1}) without an engine: manifest {2}, on {3}@{4}", plan.Name, why, assembled.ManifestDigest,
                assembled.Base, assembled.BaseDigest);
            if (loadInto is not null)
            {
                await LoadAsync(loadInto, plan, directory, assembled, registries, cancellationToken).ConfigureAwait(false);
            }
            else if (!Push)
            {
                Log.LogMessage(MessageImportance.High, "The assembled image is in {0}, in no engine: PipelineImagePush=true pushes it", directory);
            }

            Record(plan, assembled.ConfigDigest);
            await WriteRecordAsync(Recorded(plan, assembled.ConfigDigest) with { Assembled = directory, Manifest = assembled.ManifestDigest }, mayKeepEarlier: true,
                cancellationToken).ConfigureAwait(false);
        }
        catch (RegistryException e)
        {
            throw registries.Failure(e, plan.BaseImage);
        }
    }

    // The requirements base by digest: its Dockerfile is written with FROM pinned to the base's digest, and its content
    // key (the tag) follows from that; the registry's image of that tag is used, else the engine builds and pushes it.
    private async System.Threading.Tasks.Task<string> RequirementsBaseAsync(PlanFile plan, Assembling.ImageAssembler assembler, RegistryClients registries,
        DockerConfig config, EngineConnection? buildWith, EngineUnavailableException? unavailable, CancellationToken cancellationToken)
    {
        var requirements = plan.Assembly!.Requirements!;
        var pinned = Assembling.RequirementsBase.Pinned(plan.BaseImage,
            await assembler.ResolveAsync(plan.BaseImage, plan.Options.Platform, cancellationToken).ConfigureAwait(false));
        var directory = Path.Combine(RecordDirectory, "requirements");
        var dockerfile = Path.Combine(directory, "Dockerfile");
        var classic = requirements.ClassicDockerfile is null ? null : Path.Combine(directory, "Dockerfile.classic");
        Directory.CreateDirectory(directory);
        await AtomicFile.WriteIfChangedAsync(dockerfile, Assembling.RequirementsBase.Pin(requirements.Dockerfile, plan.BaseImage, pinned)).ConfigureAwait(false);
        if (classic is not null)
        {
            await AtomicFile.WriteIfChangedAsync(classic, Assembling.RequirementsBase.Pin(requirements.ClassicDockerfile!, plan.BaseImage, pinned)).ConfigureAwait(false);
        }

        var hashes = FileHashCache.Load(Path.Combine(directory, "hashes.tsv"));
        var basePlan = plan.ForRequirementsBase(pinned, dockerfile, classic, hashes.Hash);
        await hashes.SaveAsync().ConfigureAwait(false);
        var reference = basePlan.References[0];
        var repository = Assembling.RepositoryName.Of(reference.Name);
        if (!plan.Options.NoCache
            && await registries.For(repository.Registry).GetManifestAsync(repository.Path, reference.Tag, cancellationToken).ConfigureAwait(false) is { } found)
        {
            Log.LogMessage(MessageImportance.High, "The requirements base {0} ({1}) is in the registry: nothing of it is built", reference, found.Digest);
            return $"{reference.Name}@{found.Digest}";
        }

        var needs = $"the requirements base {reference} (the RUN steps of the requirements and integrations), which its registry does not have yet: "
            + "one publish with an engine and PipelineImagePush=true builds and pushes it, for every runner after it";
        using var engine = buildWith is null ? null : EngineFactory(buildWith);
        EngineInfo info;
        try
        {
            info = engine is null ? throw unavailable! : await engine.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (EngineUnavailableException e)
        {
            throw new PipelineImageException(e, DiagnosticCodes.EngineNeededForRunSteps, e.Endpoint, e.FoundThrough, e.Reason, needs);
        }

        CheckPlatform(plan, info);

        Log.LogMessage(MessageImportance.High, "Building the requirements base {0} with the engine at {1} (the registry does not have it)", reference, info.Endpoint);
        await PlanBuilder.BuildAsync(basePlan, engine!, info, Lines(), Secrets(plan), PullCredentials(plan, config, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
        var pushed = await PushWithRetriesAsync(engine!, reference, registries.Credential(repository.Registry), cancellationToken).ConfigureAwait(false);
        Log.LogMessage(MessageImportance.High, "Pushed the requirements base {0} ({1})", reference, pushed.Digest);
        await ReplaceBuiltBaseAsync(engine!, Path.Combine(directory, "built.json"), reference, cancellationToken).ConfigureAwait(false);
        return $"{reference.Name}@{pushed.Digest}";
    }

    // The engine keeps the base it built, as its cache should the registry lose the tag; the one this project built before
    // (for other requirements or another base digest), which built.json names, is removed from it rather than left behind.
    private async System.Threading.Tasks.Task ReplaceBuiltBaseAsync(IContainerEngine engine, string record, Naming.ImageReference built, CancellationToken cancellationToken)
    {
        if (await BuiltBaseRecord.ReadAsync(record, cancellationToken).ConfigureAwait(false) is { } earlier && earlier != built)
        {
            try
            {
                await engine.UntagAsync(earlier, cancellationToken).ConfigureAwait(false);
                Log.LogMessage(MessageImportance.Normal, "Removed the earlier requirements base {0} from the engine", earlier);
            }
            catch (EngineException e)
            {
                Log.LogMessage(MessageImportance.Normal, "The earlier requirements base {0} stays in the engine: {1}", earlier, e.Message);
            }
        }

        await BuiltBaseRecord.WriteAsync(record, built).ConfigureAwait(false);
    }

    private static void CheckPlatform(PlanFile plan, EngineInfo info)
    {
        if (plan.Options.Platform.Length > 0 && !BuildPlatform.CanBuild(info.Platform, plan.Options.Platform))
        {
            throw new PipelineImageException(DiagnosticCodes.PlatformNotSupported, info.Endpoint, info.Platform, plan.Options.Platform);
        }
    }

    // The values of the plan's secrets, read from where PipelineImageSecret says.
    private static List<BuildSecret> Secrets(PlanFile plan) => (plan.Secrets ?? [])
        .Select(secret => new BuildSecret(secret.Id, Planning.BuildSecrets.Read(secret, Environment.GetEnvironmentVariable)))
        .ToList();

    // Into the engine, with no more than it lacks (AssembledImageLoader says how on each store).
    private async System.Threading.Tasks.Task LoadAsync(
        EngineConnection connection, PlanFile plan, string directory, Assembling.AssemblyRecord assembled, RegistryClients registries, CancellationToken cancellationToken)
    {
        using var engine = EngineFactory(connection);
        EngineInfo info;
        try
        {
            info = await engine.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (EngineUnavailableException e)
        {
            Log.LogMessage(MessageImportance.High, "No engine answers at {0} ({1}): the assembled image is in {2} only; PipelineImagePush=true pushes it",
                e.Endpoint, e.Reason, directory);
            return;
        }

        var loaded = await new ImageStore.AssembledImageLoader(engine, info).LoadAsync(directory, assembled, plan.References,
            (digest, token) => assembled.FetchBaseBlobAsync(registries.For, directory, digest, token), cancellationToken).ConfigureAwait(false);
        if (loaded.Kind == ImageStore.LoadKind.Tagged)
        {
            Log.LogMessage(MessageImportance.Normal, "The engine at {0} has {1} already: tagged it", info.Endpoint, assembled.ConfigDigest);
            return;
        }

        if (loaded.Why is not null)
        {
            Log.LogMessage(MessageImportance.Normal, "The whole image goes into the engine: {0}", loaded.Why);
        }

        Log.LogMessage(MessageImportance.High, "Loaded {0} into the engine at {1} ({2})", string.Join(", ", plan.References), info.Endpoint,
            loaded.Kind == ImageStore.LoadKind.Whole ? "the whole image" : "our layers; it has the base's");
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

    private BuildLog Lines() => new(line => Log.LogMessage(MessageImportance.Normal, "{0}", line), line => Log.LogMessage(MessageImportance.High, "{0}", line));

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

    // What the builder pulls base images with: config.json and its helpers for any registry, as the docker CLI
    // gives them; the PIPELINEIMAGE_REGISTRY_* variables only for the registry the image is pushed to, whose they are.
    private Func<string, RegistryCredential?> PullCredentials(PlanFile plan, DockerConfig config, CancellationToken cancellationToken)
    {
        var ours = RegistryHost.Of(plan.Name);
        return host =>
        {
            var registry = RegistryHost.Of(host + "/x");
            var resolved = CredentialResolver.Resolve(registry, config, PullEnvironment(registry, ours),
                (helper, server) => CredentialHelperProcess.Get(helper, server, cancellationToken));
            Log.LogMessage(MessageImportance.Normal, "The builder asked for credentials for {0}: {1}", host,
                resolved.Credential is null ? resolved.Source : "from " + resolved.Source);
            return resolved.Credential;
        };
    }

    private static Func<string, string?> PullEnvironment(string registry, string ours) =>
        name => registry == ours || (name != CredentialResolver.UsernameVariable && name != CredentialResolver.PasswordVariable)
            ? Environment.GetEnvironmentVariable(name) : null;
}
