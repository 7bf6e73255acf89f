using PipelineImage.Builders;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Engine.BuildKit;
using PipelineImage.Intermediate;
using PipelineImage.Planning;
using PipelineImage.Transport;

namespace PipelineImage.Building;

/// <summary>How the image of a plan is made: chosen once (<see cref="BuildRoutes.ChooseAsync"/>).</summary>
/// <remarks>Owns what it connected to: the engine's client and the BuildKit host's, closed with it.</remarks>
internal abstract record BuildRoute : IDisposable
{
    public virtual void Dispose()
    {
    }
}

/// <summary>Our layers, configuration and manifest (<see cref="AssembledBuild"/>) on a base; <paramref name="Builder"/> builds only the requirements base.</summary>
/// <param name="Why">Why, for the log.</param>
/// <param name="Builder">What builds the requirements base (the RUN steps), and so where the image goes.</param>
internal sealed record AssembleRoute(string Why, RequirementsBuilder Builder) : BuildRoute
{
    /// <summary>
    /// The platforms whose RUN steps nothing here runs (<see cref="Emulation.Unrunnable"/>), each with its PIMG1020:
    /// raised before anything is built unless the registry has that platform's requirements base.
    /// </summary>
    public IReadOnlyDictionary<string, PipelineImageException> Unrunnable { get; init; } = new Dictionary<string, PipelineImageException>();

    public override void Dispose() => Builder.Dispose();
}

/// <summary>
/// The engine's builder builds the whole Dockerfile, as the plan has a parent Dockerfile (or is itself a requirements
/// base's), through <paramref name="BuildKit"/> when given: BuildKit's Control API at PipelineImageBuildKitHost, the
/// engine's (<see cref="PlanBuilder.BuildAsync"/>, which chooses among the engine's builders and names it in the log).
/// </summary>
internal sealed record EngineBuildRoute(ConnectedEngine Engine, BuildKitControl? BuildKit) : BuildRoute
{
    public override void Dispose()
    {
        Engine.Engine.Dispose();
        BuildKit?.Dispose();
    }
}

/// <summary>
/// The one place that decides how an image is made, from the plan (with its push and archive), PipelineImageBuildKitHost
/// and whether an engine answers: assembled wherever the plan allows (PipelineImageBuilder and PipelineImageBuildKitHost then
/// name only the builder of its RUN steps), and logged here with the reason (<c>Builder: assembler (...)</c>); a parent
/// Dockerfile's image built whole by the engine's builder, which names itself.
/// </summary>
internal static class BuildRoutes
{
    /// <summary>Chooses the route, connecting to no more than it needs: the BuildKit host when one is set, then the engine.</summary>
    /// <param name="plan">plan.json.</param>
    /// <param name="buildKitHost">PipelineImageBuildKitHost, parsed; null: none.</param>
    /// <param name="connection">Where the engine is.</param>
    /// <param name="engines">Makes the engine's client.</param>
    /// <param name="connectTimeout">How long the BuildKit host may take to answer.</param>
    /// <param name="log">Where the decision goes.</param>
    /// <param name="cancellationToken">Ends the connections.</param>
    /// <param name="nodePlatforms">The platforms builder nodes (PipelineImageBuilderNode) build: not the route's builder.</param>
    /// <param name="binfmtMisc">binfmt_misc's directory, where a local engine's emulators are registered.</param>
    /// <exception cref="PipelineImageException">
    /// PIMG1015 (no engine, and RUN steps the registry does not have); PIMG1001 (no engine, where one is needed);
    /// PIMG1005 (a platform the engine cannot build); PIMG1020 (a parent Dockerfile for a platform neither the builder
    /// nor an emulator there runs; for an assembled image, <see cref="AssembleRoute.Unrunnable"/>); PIMG1014 (the BuildKit host); PIMG2034 (PipelineImageBuilder=classic with a BuildKit host); PIMG2035 (a
    /// standalone buildkitd without a push, or with a parent Dockerfile).
    /// </exception>
    public static async Task<BuildRoute> ChooseAsync(PlanFile plan, EngineConnection? buildKitHost, EngineConnection connection,
        Func<EngineConnection, IContainerEngine> engines, TimeSpan connectTimeout, BuildLog log, CancellationToken cancellationToken,
        IReadOnlyCollection<string>? nodePlatforms = null, string binfmtMisc = Emulation.BinfmtMisc)
    {
        nodePlatforms ??= [];
        if (buildKitHost is not null)
        {
            _ = ImageBuilders.ForBuildKitHost(plan.Options.Setting, buildKitHost); // PIMG2034 before anything connects
        }

        var buildKit = buildKitHost is null ? null : await BuildKitControl.ConnectAsync(buildKitHost, connectTimeout, cancellationToken).ConfigureAwait(false);
        if (buildKit is { IsEngine: false })
        {
            try
            {
                var route = Standalone(plan, buildKit) with
                {
                    Unrunnable = await UnrunnableAsync(plan, $"the buildkitd at {buildKit.Host.Endpoint}", buildKit, null, null, nodePlatforms, connectTimeout, log,
                        cancellationToken).ConfigureAwait(false),
                };
                return Chosen(route, log);
            }
            catch
            {
                buildKit.Dispose();
                throw;
            }
        }

        IContainerEngine? engine = null;
        try
        {
            engine = engines(connection);
            EngineInfo info;
            try
            {
                info = await engine.ConnectAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (EngineUnavailableException e) when ((plan.Options.Push || plan.Options.Archive) && buildKit is null && plan.Assembly is not null)
            {
                // A CI runner without an engine can still push or save an image that needs no RUN step, or whose
                // requirements base (the RUN steps) the registry has: it is assembled here.
                if (plan.Assembly.NeedsEngine is { } needs)
                {
                    throw new PipelineImageException(e, DiagnosticCodes.EngineNeededForRunSteps, e.Endpoint, e.FoundThrough, e.Reason, needs);
                }

                engine.Dispose();
                log.High($"No engine answers at {e.Endpoint} ({e.Reason}); the image is assembled here"
                    + (plan.Assembly.Requirements is null ? " (it has no RUN step)" : " on its requirements base from the registry")
                    + (plan.Options.Push ? " and pushed through the registry API" : " and written to the archive"));
                return Chosen(new AssembleRoute($"no engine answered at {e.Endpoint}", new NoRequirementsBuilder(e)), log);
            }

            log.Normal($"Building {plan.Name} with the engine at {info.Endpoint} from {connection.Source} ({info.Product} {info.ServerVersion}, API {info.ApiVersion}, {info.Platform})");
            PlanBuilder.CheckPlatform(plan, info, buildKit is not null, nodePlatforms);
            var unrunnable = await UnrunnableAsync(plan, buildKit is null ? $"the engine at {info.Endpoint}" : $"the BuildKit host at {buildKit.Host.Endpoint}",
                buildKit, buildKit is null ? info.Platform : null, connection.Endpoint.Scheme == "unix" ? () => Emulation.Runs(info.Platform, binfmtMisc) : null,
                nodePlatforms, connectTimeout, log, cancellationToken).ConfigureAwait(false);
            if (plan.Assembly is not { NeedsEngine: null } && unrunnable.Count > 0)
            {
                throw unrunnable.Values.First(); // a parent Dockerfile's image is built whole, every time
            }

            return plan.Assembly is { NeedsEngine: null }
                // Our layers, configuration and manifest on the base as the engine holds it; the engine builds only the
                // requirements base (the RUN steps), with the builder PipelineImageBuilder names or BuildKit's Control API,
                // and takes the image with only the layers it lacks.
                ? Chosen(new AssembleRoute(buildKit is null
                        ? $"PipelineImageBuilder={plan.Options.Setting.Name()} on {info.Product}; the engine builds only RUN steps"
                        : $"PipelineImageBuildKitHost={buildKit.Host.Endpoint}: BuildKit's Control API there builds only RUN steps",
                    new EngineRequirementsBuilder(new ConnectedEngine(engine, info), buildKit)) { Unrunnable = unrunnable }, log)
                : new EngineBuildRoute(new ConnectedEngine(engine, info), buildKit);
        }
        catch
        {
            engine?.Dispose();
            buildKit?.Dispose();
            throw;
        }
    }

    // A standalone buildkitd builds the requirements base and pushes it by its content key; the image itself is assembled
    // here and pushed through the registry API, so the publish must push, and cannot build a parent into an engine.
    private static AssembleRoute Standalone(PlanFile plan, BuildKitControl buildkitd)
    {
        var host = buildkitd.Host.Endpoint.ToString();
        if (!plan.Options.Push)
        {
            throw new PipelineImageException(DiagnosticCodes.StandaloneBuildKit, host,
                "the image it helps build lands in a registry: set PipelineImagePush=true and PipelineImageRegistry");
        }

        return plan.Assembly is { NeedsEngine: null }
            ? new AssembleRoute($"PipelineImageBuildKitHost={host} is a standalone buildkitd: it builds only RUN steps, the registry API takes the image",
                new BuildkitdRequirementsBuilder(buildkitd))
            : throw new PipelineImageException(DiagnosticCodes.StandaloneBuildKit, host,
                "a parent Dockerfile (PipelineImageParentDockerfile) is built into an engine's local image, which buildkitd cannot build on: "
                + "push the parent to a registry and set PipelineImageBase to it");
    }

    // The platforms with RUN steps that the builder runs neither natively nor emulated, and no node builds (PIMG1020). A BuildKit says what its workers run; an engine's emulators are seen on this machine when its
    // socket is here, and not at all for an engine elsewhere without a BuildKit host (its build finds out).
    // `own`: the engine's platform, which needs no emulator; `local`: what the engine's machine runs, when it is this one.
    private static async Task<IReadOnlyDictionary<string, PipelineImageException>> UnrunnableAsync(PlanFile plan, string builder, BuildKitControl? buildKit,
        string? own, Func<IReadOnlyList<string>?>? local, IReadOnlyCollection<string> nodePlatforms, TimeSpan timeout, BuildLog log, CancellationToken cancellationToken)
    {
        var platforms = PlanBuilder.Platforms(plan);
        if (!PlanBuilder.HasRunSteps(plan)
            || platforms.All(platform => platform.Length == 0 || nodePlatforms.Contains(platform) || (own is not null && BuildPlatform.CanBuild(own, platform))))
        {
            return new Dictionary<string, PipelineImageException>();
        }

        var runs = buildKit is not null ? await buildKit.WorkerPlatformsAsync(timeout, cancellationToken).ConfigureAwait(false) : local?.Invoke();
        log.Normal(runs is null
            ? $"Which platforms {builder} runs is not known here: a platform it cannot run fails in its build"
            : $"{builder} runs {string.Join(", ", runs)}");
        return Emulation.Unrunnable(platforms, builder, runs, nodePlatforms);
    }

    private static AssembleRoute Chosen(AssembleRoute route, BuildLog log)
    {
        log.Normal($"Builder: assembler ({route.Why})");
        return route;
    }
}
