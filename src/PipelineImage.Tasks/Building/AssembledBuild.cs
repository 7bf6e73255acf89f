using PipelineImage.Assembling;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Naming;
using PipelineImage.Registry;
using PipelineImage.Transport;

namespace PipelineImage.Building;

/// <summary>
/// One platform's image of an index (PipelineImagePlatforms): on the base from its registry, with the requirements base
/// from there (an engine's builder builds and pushes it when it is not), and into no engine on its own (the index goes in, IndexImage.LoadAsync).
/// </summary>
/// <param name="LayersFrom">Another platform's assembled directory, whose layers of the same content are copied; null: none yet.</param>
internal sealed record IndexPlatform(string? LayersFrom);

/// <summary>
/// An image made by our assembler (<see cref="ImageAssembler"/>): our layers, configuration and manifest, written to
/// assembled/ beside image.json, for every PipelineImageBuilder. With an engine, on the base as that engine holds it (from
/// its registry when it has none), with the requirements base (the RUN steps) built by that engine (or its Control API),
/// and the image goes into it with no more than it lacks; a push on a base the engine does not hold builds the
/// requirements base pinned to the base's registry digest and pushes it under its content key, so that a runner without
/// an engine finds it. Without an engine (for a push or an archive), on the base from its registry, with the requirements
/// base from there too, built and pushed there first by a standalone buildkitd when one is given.
/// </summary>
/// <param name="recordDirectory">Where image.json, assembled/ and requirements/ are.</param>
/// <param name="basesDirectory">Where what was read of a base held by an engine is kept (<see cref="ImageStore.EngineBaseReader"/>).</param>
/// <param name="registries">The registries' clients, with their credentials.</param>
/// <param name="pullCredentials">A registry host's credential for the builder of the requirements base.</param>
/// <param name="retryDelays">The waits before the retries of the requirements base's push.</param>
/// <param name="log">Where what it does goes.</param>
internal sealed class AssembledBuild(
    string recordDirectory, string basesDirectory, RegistryClients registries, Func<string, RegistryCredential?> pullCredentials, IReadOnlyList<TimeSpan> retryDelays,
    BuildLog log)
{
    /// <summary>Where the assembled image is written: assembled/ beside image.json.</summary>
    public string Directory { get; } = Path.Combine(recordDirectory, "assembled");

    /// <summary>
    /// Assembles the plan's image, and loads it into the engine when <paramref name="builder"/> is an engine's; what was assembled, and the
    /// engine's id of the image when it went into one.
    /// </summary>
    /// <param name="plan">What to assemble.</param>
    /// <param name="why">Why the assembler makes it, for the log.</param>
    /// <param name="builder">What builds the requirements base (it stays the caller's); an engine's builder: the image goes into that engine.</param>
    /// <param name="cancellationToken">Ends it.</param>
    /// <param name="ofIndex">The image is one platform's of an index (<see cref="IndexPlatform"/>); null: the image itself.</param>
    /// <exception cref="PipelineImageException">A registry request failed, or a requirements base needs an engine.</exception>
    public async Task<(AssemblyRecord Assembled, string? LoadedAs)> AssembleAsync(PlanFile plan, string why, RequirementsBuilder builder,
        CancellationToken cancellationToken, IndexPlatform? ofIndex = null)
    {
        try
        {
            var assembler = new ImageAssembler(registries.For, log.Normal);
            var local = ofIndex is null && builder is EngineRequirementsBuilder { Engine: var engine, ControlApi: var controlApi }
                ? new LocalEngine(engine.Engine, engine.Info, new ImageStore.EngineBaseReader(engine.Engine, basesDirectory, log.Normal), controlApi)
                : null;
            var held = local is not null && plan.Assembly?.Requirements is not null && FromEngine(plan, local.Info)
                ? await local.Engine.InspectImageAsync(plan.BaseImage, cancellationToken).ConfigureAwait(false) : null;
            var onto = plan.Assembly?.Requirements is null ? await BaseAsync(plan, assembler, local, cancellationToken).ConfigureAwait(false)
                : local is not null && (held is not null || !plan.Options.Push) ? await LocalRequirementsBaseAsync(plan, assembler, local, held, cancellationToken).ConfigureAwait(false)
                : await assembler.ReadFromRegistryAsync(await RequirementsBaseAsync(plan, assembler, builder, cancellationToken).ConfigureAwait(false),
                    plan.Options.Platform, Directory, cancellationToken).ConfigureAwait(false);
            var assembled = await assembler.AssembleAsync(plan, Directory, onto, cancellationToken, ofIndex?.LayersFrom).ConfigureAwait(false);
            log.High($"Assembled {plan.Name} ({why}): manifest {assembled.ManifestDigest}, on {assembled.Base}@{assembled.BaseDigest}{(onto.InEngine ? " as the engine holds it" : "")}");
            return (assembled, local is null ? null : await LoadAsync(local, plan, assembled, cancellationToken).ConfigureAwait(false));
        }
        catch (RegistryException e)
        {
            // What is left unmapped here is a read of the base: a layer the engine lacks, fetched for the load.
            throw RegistryClients.BaseFailure(e, plan.BaseImage);
        }
    }

    // The base as the engine holds it, unless the plan pulls always or is for another platform than the engine's;
    // else (or when the engine has none, and the plan may pull) from its registry.
    private async Task<BaseContent> BaseAsync(PlanFile plan, ImageAssembler assembler, LocalEngine? local, CancellationToken cancellationToken)
    {
        var held = local is not null && FromEngine(plan, local.Info)
            ? await local.Bases.ReadAsync(plan.BaseImage, plan.Options.Platform, cancellationToken).ConfigureAwait(false) : null;
        return held ?? (local is not null && plan.Options.PullPolicy == PullPolicy.Never
            ? throw new PipelineImageException(DiagnosticCodes.BaseImageNotLocal, local.Info.Endpoint, plan.BaseImage)
            : await assembler.ReadFromRegistryAsync(plan.BaseImage, plan.Options.Platform, Directory, cancellationToken).ConfigureAwait(false));
    }

    private static bool FromEngine(PlanFile plan, EngineInfo info) =>
        plan.Options.PullPolicy != PullPolicy.Always && (plan.Options.Platform.Length == 0 || plan.Options.Platform == info.Platform);

    // The requirements base built by the engine the image goes into, on the base as it holds it (`held`: its id in the
    // Dockerfile, so that another base is another content key) or, when it has none, pinned to its registry's digest.
    private async Task<BaseContent> LocalRequirementsBaseAsync(PlanFile plan, ImageAssembler assembler, LocalEngine local, ImageDetails? held,
        CancellationToken cancellationToken)
    {
        PlanBuilder.CheckPlatform(plan, local.Info, local.ControlApi is not null);
        var pinned = held is null
            ? RequirementsBase.Pinned(plan.BaseImage, await assembler.ResolveAsync(plan.BaseImage, plan.Options.Platform, cancellationToken).ConfigureAwait(false))
            : null;
        var basePlan = await RequirementsPlanAsync(plan, pinned ?? plan.BaseImage, dockerfile => pinned is null
            ? RequirementsBase.Note(dockerfile, plan.BaseImage, held!.Id)
            : RequirementsBase.Pin(dockerfile, plan.BaseImage, pinned)).ConfigureAwait(false);
        var reference = basePlan.References[0];
        log.High($"The requirements base {reference} (the RUN steps) is built by the engine at {local.Info.Endpoint}, unless it has it");
        var built = await PlanBuilder.BuildAsync(basePlan, local.Engine, local.Info, log, PlanBuilder.ReadSecrets(plan), pullCredentials, cancellationToken,
            local.ControlApi, recordDirectory).ConfigureAwait(false);
        await ReplaceBuiltBaseAsync(local.Engine, Path.Combine(recordDirectory, "requirements", "built.json"), reference, cancellationToken).ConfigureAwait(false);
        return await local.Bases.ReadAsync(built.ImageId, "", cancellationToken).ConfigureAwait(false) is { } content
            ? content with { Name = RepositoryName.Of(reference.Name) }
            : throw new EngineRequestFailedException($"inspect {reference}", "the engine no longer has the requirements base it built");
    }

    // The requirements base's Dockerfiles (FROM as `from` writes it) and plan, in requirements/; its tag is its content key.
    private async Task<PlanFile> RequirementsPlanAsync(PlanFile plan, string baseImage, Func<string, string> from)
    {
        var requirements = plan.Assembly!.Requirements!;
        var directory = Path.Combine(recordDirectory, "requirements");
        var dockerfile = Path.Combine(directory, "Dockerfile");
        var classic = requirements.ClassicDockerfile is null ? null : Path.Combine(directory, "Dockerfile.classic");
        System.IO.Directory.CreateDirectory(directory);
        await AtomicFile.WriteIfChangedAsync(dockerfile, from(requirements.Dockerfile)).ConfigureAwait(false);
        if (classic is not null)
        {
            await AtomicFile.WriteIfChangedAsync(classic, from(requirements.ClassicDockerfile!)).ConfigureAwait(false);
        }

        var hashes = FileHashCache.Load(Path.Combine(directory, "hashes.tsv"));
        var basePlan = plan.ForRequirementsBase(baseImage, dockerfile, classic, hashes.Hash);
        await hashes.SaveAsync().ConfigureAwait(false);
        return basePlan;
    }

    // The requirements base by digest: its Dockerfile is written with FROM pinned to the base's digest, and its content
    // key (the tag) follows from that; the registry's image of that tag is used, else the engine or the standalone
    // buildkitd builds and pushes it.
    private async Task<string> RequirementsBaseAsync(PlanFile plan, ImageAssembler assembler, RequirementsBuilder builder,
        CancellationToken cancellationToken)
    {
        var basePlan = await PinnedRequirementsPlanAsync(plan, assembler, cancellationToken).ConfigureAwait(false);
        var reference = basePlan.References[0];
        var repository = RepositoryName.Of(reference.Name);
        if (!plan.Options.NoCache && await FindRequirementsBaseAsync(repository, reference, cancellationToken).ConfigureAwait(false) is { } found)
        {
            log.High($"The requirements base {reference} ({found.Digest}) is in the registry: nothing of it is built");
            return $"{reference.Name}@{found.Digest}";
        }

        switch (builder)
        {
            case BuildkitdRequirementsBuilder { Buildkitd: var buildkitd }:
                var digest = await PlanBuilder.BuildOnBuildkitdAsync(basePlan, buildkitd, log, PlanBuilder.ReadSecrets(plan), pullCredentials, cancellationToken)
                    .ConfigureAwait(false);
                log.High($"Pushed the requirements base {reference} ({digest}) from the buildkitd at {buildkitd.Host.Endpoint}");
                return $"{reference.Name}@{digest}";
            case EngineRequirementsBuilder { Engine: var engine, ControlApi: var controlApi }:
                PlanBuilder.CheckPlatform(plan, engine.Info, controlApi is not null);
                log.High($"Building the requirements base {reference} with the engine at {engine.Info.Endpoint} (the registry does not have it)");
                await PlanBuilder.BuildAsync(basePlan, engine.Engine, engine.Info, log, PlanBuilder.ReadSecrets(plan), pullCredentials, cancellationToken, controlApi,
                    recordDirectory).ConfigureAwait(false);
                var pushed = await ImageStore.EnginePush.WithRetriesAsync(engine.Engine, reference, registries.Credential(repository.Registry), retryDelays, log,
                    cancellationToken).ConfigureAwait(false);
                log.High($"Pushed the requirements base {reference} ({pushed.Digest})");
                await ReplaceBuiltBaseAsync(engine.Engine, Path.Combine(recordDirectory, "requirements", "built.json"), reference, cancellationToken).ConfigureAwait(false);
                return $"{reference.Name}@{pushed.Digest}";
            default:
                var none = ((NoRequirementsBuilder)builder).Unavailable;
                var needs = $"the requirements base {reference} (the RUN steps of the requirements and integrations), which its registry does not have yet: "
                    + "one publish with PipelineImagePush=true and an engine that does not hold the base (a fresh runner's, or with PipelineImagePull=always), "
                    + "or with a standalone buildkitd (PipelineImageBuildKitHost), builds and pushes it, for every runner after it";
                throw new PipelineImageException(none, DiagnosticCodes.EngineNeededForRunSteps, none.Endpoint, none.FoundThrough, none.Reason, needs);
        }
    }

    /// <summary>
    /// PIMG1020 for the plan's platform when nothing here runs its RUN steps (<paramref name="unrunnable"/>, from
    /// <see cref="BuildRoutes"/>) and they need building: the image is not made on a requirements base from the
    /// registry, or the registry has none of that content key yet. Called before anything is built.
    /// </summary>
    /// <param name="plan">The plan, for one platform.</param>
    /// <param name="unrunnable">The platforms nothing here runs, with their PIMG1020.</param>
    /// <param name="fromRegistry">Whether the image is made on a requirements base from the registry (a push, or a platform of an index).</param>
    /// <param name="cancellationToken">Ends it.</param>
    public async Task CheckRunnableAsync(PlanFile plan, IReadOnlyDictionary<string, PipelineImageException> unrunnable, bool fromRegistry,
        CancellationToken cancellationToken)
    {
        if (unrunnable.GetValueOrDefault(plan.Options.Platform) is not { } error)
        {
            return;
        }

        if (!fromRegistry || !await RequirementsBaseBuiltAsync(plan, cancellationToken).ConfigureAwait(false))
        {
            throw error;
        }

        log.Normal($"Nothing here runs {plan.Options.Platform}, and nothing of it needs to: the registry has its requirements base");
    }

    // Whether no RUN step of the plan needs building: it has none, or the registry has its requirements base (its
    // content key, on the base's registry digest for the plan's platform), built by a builder node or another runner.
    private async Task<bool> RequirementsBaseBuiltAsync(PlanFile plan, CancellationToken cancellationToken)
    {
        if (plan.Assembly?.Requirements is null || plan.Options.NoCache)
        {
            return plan.Assembly?.Requirements is null; // PipelineImageNoCache builds it whatever the registry has
        }

        try
        {
            var reference = (await PinnedRequirementsPlanAsync(plan, new ImageAssembler(registries.For, log.Normal), cancellationToken).ConfigureAwait(false)).References[0];
            return await FindRequirementsBaseAsync(RepositoryName.Of(reference.Name), reference, cancellationToken).ConfigureAwait(false) is not null;
        }
        catch (RegistryException e)
        {
            throw RegistryClients.BaseFailure(e, plan.BaseImage);
        }
    }

    // The requirements base's plan with FROM pinned to the base's registry digest for the plan's platform: its tag is its content key.
    private async Task<PlanFile> PinnedRequirementsPlanAsync(PlanFile plan, ImageAssembler assembler, CancellationToken cancellationToken)
    {
        var pinned = RequirementsBase.Pinned(plan.BaseImage, await assembler.ResolveAsync(plan.BaseImage, plan.Options.Platform, cancellationToken).ConfigureAwait(false));
        return await RequirementsPlanAsync(plan, pinned, dockerfile => RequirementsBase.Pin(dockerfile, plan.BaseImage, pinned)).ConfigureAwait(false);
    }

    // The requirements base's manifest in the registry it is pushed to, when it is there.
    private async Task<(string MediaType, byte[] Bytes, string Digest)?> FindRequirementsBaseAsync(RepositoryName repository, ImageReference reference,
        CancellationToken cancellationToken)
    {
        try
        {
            return await registries.For(repository.Registry).GetManifestAsync(repository.Path, reference.Tag, cancellationToken).ConfigureAwait(false);
        }
        catch (RegistryException e)
        {
            throw registries.Failure(e, reference.ToString());
        }
    }

    // The engine keeps the base it built, as its cache should the registry lose the tag; the one this project built before
    // (for other requirements or another base digest), which built.json names, is removed from it rather than left behind.
    private async Task ReplaceBuiltBaseAsync(IContainerEngine engine, string record, ImageReference built, CancellationToken cancellationToken)
    {
        if (await BuiltBaseRecord.ReadAsync(record, cancellationToken).ConfigureAwait(false) is { } earlier && earlier != built)
        {
            try
            {
                await engine.UntagAsync(earlier, cancellationToken).ConfigureAwait(false);
                log.Normal($"Removed the earlier requirements base {earlier} from the engine");
            }
            catch (EngineException e)
            {
                log.Normal($"The earlier requirements base {earlier} stays in the engine: {e.Message}");
            }
        }

        await BuiltBaseRecord.WriteAsync(record, built).ConfigureAwait(false);
    }

    // Into the engine, with no more than it lacks (AssembledImageLoader says how on each store); a base that was read
    // from the engine gives what of it the engine needs from the engine again, else from its registry.
    private async Task<string> LoadAsync(LocalEngine local, PlanFile plan, AssemblyRecord assembled, CancellationToken cancellationToken)
    {
        var loaded = await new ImageStore.AssembledImageLoader(local.Engine, local.Info).LoadAsync(Directory, assembled, plan.References,
            (digest, token) => assembled.BaseInEngine ? local.Bases.FetchLayerAsync(assembled.BaseDigest, digest, Directory, token)
                : assembled.FetchBaseBlobAsync(registries.For, Directory, digest, token), cancellationToken).ConfigureAwait(false);
        if (loaded.Kind == ImageStore.LoadKind.Tagged)
        {
            log.Normal($"{plan.Name} is up to date: the engine at {local.Info.Endpoint} has {loaded.ImageId}, the same layers, configuration and manifest. No load; tagged it.");
            return loaded.ImageId;
        }

        if (loaded.Why is not null)
        {
            log.Normal($"The whole image goes into the engine: {loaded.Why}");
        }

        log.High($"Loaded {string.Join(", ", plan.References)} into the engine at {local.Info.Endpoint} ({(loaded.Kind == ImageStore.LoadKind.Whole ? "the whole image" : "our layers; it has the base's")})");
        return loaded.ImageId;
    }

    // The engine an image goes into: its client, what it said of itself, the reader of the bases it holds, and its
    // Control API when PipelineImageBuildKitHost names it (null: the engine's builder builds the requirements base).
    private sealed record LocalEngine(IContainerEngine Engine, EngineInfo Info, ImageStore.EngineBaseReader Bases, Engine.BuildKit.BuildKitControl? ControlApi);
}

/// <summary>An engine a caller has connected to: its client and what it said of itself.</summary>
internal sealed record ConnectedEngine(IContainerEngine Engine, EngineInfo Info);
