using PipelineImage.Assembling;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Naming;
using PipelineImage.Registry;

namespace PipelineImage.Building;

/// <summary>
/// An image made by our assembler (<see cref="ImageAssembler"/>): our layers, configuration and manifest on the base
/// from its registry, written to assembled/ beside image.json. With a requirements base (the RUN steps), the layers go
/// on that: from the registry, or built by an engine and pushed there. With an engine to load into, the image goes
/// there too, with no more than the engine lacks.
/// </summary>
/// <param name="recordDirectory">Where image.json, assembled/ and requirements/ are.</param>
/// <param name="registries">The registries' clients, with their credentials.</param>
/// <param name="engines">Makes the client of an engine: the Docker Engine API, or a test's fake.</param>
/// <param name="pullCredentials">A registry host's credential for the builder of the requirements base.</param>
/// <param name="retryDelays">The waits before the retries of the requirements base's push.</param>
/// <param name="log">Where what it does goes.</param>
internal sealed class AssembledBuild(
    string recordDirectory, RegistryClients registries, Func<EngineConnection, IContainerEngine> engines, Func<string, RegistryCredential?> pullCredentials,
    IReadOnlyList<TimeSpan> retryDelays, BuildLog log)
{
    /// <summary>Where the assembled image is written: assembled/ beside image.json.</summary>
    public string Directory { get; } = Path.Combine(recordDirectory, "assembled");

    /// <summary>Assembles the plan's image, and loads it into <paramref name="loadInto"/> when given.</summary>
    /// <param name="plan">What to assemble.</param>
    /// <param name="why">Why the assembler makes it, for the log.</param>
    /// <param name="loadInto">The engine to load the image into; null: none (a push follows, or there is no engine).</param>
    /// <param name="buildWith">The engine that builds a requirements base the registry lacks; null: none.</param>
    /// <param name="unavailable">Why there is no engine to build with, when that is known.</param>
    /// <param name="cancellationToken">Ends it.</param>
    /// <exception cref="PipelineImageException">A registry request failed, or a requirements base needs an engine.</exception>
    public async Task<AssemblyRecord> AssembleAsync(PlanFile plan, string why, EngineConnection? loadInto, EngineConnection? buildWith,
        EngineUnavailableException? unavailable, CancellationToken cancellationToken)
    {
        try
        {
            var assembler = new ImageAssembler(registries.For, log.Normal);
            var onto = plan.Assembly?.Requirements is null ? null
                : await RequirementsBaseAsync(plan, assembler, buildWith, unavailable, cancellationToken).ConfigureAwait(false);
            var assembled = await assembler.AssembleAsync(plan, Directory, cancellationToken, onto).ConfigureAwait(false);
            log.High($"Assembled {plan.Name} ({why}) without an engine: manifest {assembled.ManifestDigest}, on {assembled.Base}@{assembled.BaseDigest}");
            if (loadInto is not null)
            {
                await LoadAsync(loadInto, plan, assembled, cancellationToken).ConfigureAwait(false);
            }

            return assembled;
        }
        catch (RegistryException e)
        {
            throw registries.Failure(e, plan.BaseImage);
        }
    }

    // The requirements base by digest: its Dockerfile is written with FROM pinned to the base's digest, and its content
    // key (the tag) follows from that; the registry's image of that tag is used, else the engine builds and pushes it.
    private async Task<string> RequirementsBaseAsync(PlanFile plan, ImageAssembler assembler, EngineConnection? buildWith,
        EngineUnavailableException? unavailable, CancellationToken cancellationToken)
    {
        var requirements = plan.Assembly!.Requirements!;
        var pinned = RequirementsBase.Pinned(plan.BaseImage, await assembler.ResolveAsync(plan.BaseImage, plan.Options.Platform, cancellationToken).ConfigureAwait(false));
        var directory = Path.Combine(recordDirectory, "requirements");
        var dockerfile = Path.Combine(directory, "Dockerfile");
        var classic = requirements.ClassicDockerfile is null ? null : Path.Combine(directory, "Dockerfile.classic");
        System.IO.Directory.CreateDirectory(directory);
        await AtomicFile.WriteIfChangedAsync(dockerfile, RequirementsBase.Pin(requirements.Dockerfile, plan.BaseImage, pinned)).ConfigureAwait(false);
        if (classic is not null)
        {
            await AtomicFile.WriteIfChangedAsync(classic, RequirementsBase.Pin(requirements.ClassicDockerfile!, plan.BaseImage, pinned)).ConfigureAwait(false);
        }

        var hashes = FileHashCache.Load(Path.Combine(directory, "hashes.tsv"));
        var basePlan = plan.ForRequirementsBase(pinned, dockerfile, classic, hashes.Hash);
        await hashes.SaveAsync().ConfigureAwait(false);
        var reference = basePlan.References[0];
        var repository = RepositoryName.Of(reference.Name);
        if (!plan.Options.NoCache
            && await registries.For(repository.Registry).GetManifestAsync(repository.Path, reference.Tag, cancellationToken).ConfigureAwait(false) is { } found)
        {
            log.High($"The requirements base {reference} ({found.Digest}) is in the registry: nothing of it is built");
            return $"{reference.Name}@{found.Digest}";
        }

        var needs = $"the requirements base {reference} (the RUN steps of the requirements and integrations), which its registry does not have yet: "
            + "one publish with an engine and PipelineImagePush=true builds and pushes it, for every runner after it";
        using var engine = buildWith is null ? null : engines(buildWith);
        EngineInfo info;
        try
        {
            info = engine is null ? throw unavailable! : await engine.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (EngineUnavailableException e)
        {
            throw new PipelineImageException(e, DiagnosticCodes.EngineNeededForRunSteps, e.Endpoint, e.FoundThrough, e.Reason, needs);
        }

        PlanBuilder.CheckPlatform(plan, info);
        log.High($"Building the requirements base {reference} with the engine at {info.Endpoint} (the registry does not have it)");
        await PlanBuilder.BuildAsync(basePlan, engine!, info, log, PlanBuilder.ReadSecrets(plan), pullCredentials, cancellationToken).ConfigureAwait(false);
        var pushed = await EnginePush.WithRetriesAsync(engine!, reference, registries.Credential(repository.Registry), retryDelays, log, cancellationToken)
            .ConfigureAwait(false);
        log.High($"Pushed the requirements base {reference} ({pushed.Digest})");
        await ReplaceBuiltBaseAsync(engine!, Path.Combine(directory, "built.json"), reference, cancellationToken).ConfigureAwait(false);
        return $"{reference.Name}@{pushed.Digest}";
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

    // Into the engine, with no more than it lacks (AssembledImageLoader says how on each store).
    private async Task LoadAsync(EngineConnection connection, PlanFile plan, AssemblyRecord assembled, CancellationToken cancellationToken)
    {
        using var engine = engines(connection);
        EngineInfo info;
        try
        {
            info = await engine.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (EngineUnavailableException e)
        {
            log.High($"No engine answers at {e.Endpoint} ({e.Reason}): the assembled image is in {Directory} only; PipelineImagePush=true pushes it");
            return;
        }

        var loaded = await new ImageStore.AssembledImageLoader(engine, info).LoadAsync(Directory, assembled, plan.References,
            (digest, token) => assembled.FetchBaseBlobAsync(registries.For, Directory, digest, token), cancellationToken).ConfigureAwait(false);
        if (loaded.Kind == ImageStore.LoadKind.Tagged)
        {
            log.Normal($"The engine at {info.Endpoint} has {assembled.ConfigDigest} already: tagged it");
            return;
        }

        if (loaded.Why is not null)
        {
            log.Normal($"The whole image goes into the engine: {loaded.Why}");
        }

        log.High($"Loaded {string.Join(", ", plan.References)} into the engine at {info.Endpoint} ({(loaded.Kind == ImageStore.LoadKind.Whole ? "the whole image" : "our layers; it has the base's")})");
    }
}
