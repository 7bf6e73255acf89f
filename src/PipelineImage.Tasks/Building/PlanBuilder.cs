using PipelineImage.Builders;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Naming;
using PipelineImage.Transport;

namespace PipelineImage.Building;

/// <param name="ImageId">The image every reference now points to.</param>
/// <param name="Built">Whether the engine built it in this publish (false: it was up to date).</param>
/// <param name="Retagged">The references that had to be pointed at the image again, without a build.</param>
internal sealed record BuildOutcome(string ImageId, bool Built, IReadOnlyList<ImageReference> Retagged);

/// <summary>
/// Builds what plan.json says on an engine: the parent image when its tag is missing, then the image itself, unless
/// the engine already has an image with the plan's content key, in which case only missing tags are put back.
/// </summary>
internal static class PlanBuilder
{
    /// <summary>
    /// PIMG1005 when the plan has RUN steps for a platform (or one of its platforms) that the engine's builder cannot
    /// build: another OS, or another architecture for the classic builder. What has no RUN step is assembled for any
    /// platform, and BuildKit's Control API builds any.
    /// </summary>
    /// <param name="plan">plan.json.</param>
    /// <param name="info">The engine.</param>
    /// <param name="controlApi">Whether BuildKit's Control API (PipelineImageBuildKitHost) builds the RUN steps.</param>
    /// <param name="nodePlatforms">The platforms builder nodes (PipelineImageBuilderNode) build rather than the engine.</param>
    public static void CheckPlatform(PlanFile plan, EngineInfo info, bool controlApi = false, IReadOnlyCollection<string>? nodePlatforms = null)
    {
        if (controlApi || !HasRunSteps(plan))
        {
            return;
        }

        var secrets = (plan.Secrets ?? []).Select(secret => secret.Id).ToList();
        foreach (var platform in Platforms(plan).Where(platform => nodePlatforms?.Contains(platform) != true))
        {
            _ = ImageBuilders.Choose(plan.Options.Setting, info, secrets, platform);
        }
    }

    /// <summary>Whether the plan has RUN steps: requirements, or a parent Dockerfile's image built whole.</summary>
    public static bool HasRunSteps(PlanFile plan) => plan.Assembly is not { Requirements: null, NeedsEngine: null };

    /// <summary>The platforms the plan makes images for: PipelineImagePlatforms, or PipelineImagePlatform's one (empty: the engine's own).</summary>
    public static IReadOnlyList<string> Platforms(PlanFile plan) => plan.Options.Platforms ?? [plan.Options.Platform];

    /// <summary>The values of the plan's secrets, read from where PipelineImageSecret says.</summary>
    public static List<BuildSecret> ReadSecrets(PlanFile plan) => (plan.Secrets ?? [])
        .Select(secret => new BuildSecret(secret.Id, Planning.BuildSecrets.Read(secret, Environment.GetEnvironmentVariable)))
        .ToList();

    /// <param name="plan">What to build.</param>
    /// <param name="engine">The engine.</param>
    /// <param name="info">What the engine said of itself.</param>
    /// <param name="log">Where the build's lines go.</param>
    /// <param name="secrets">The values of the plan's secrets (<see cref="PlanFile.Secrets"/>), read by the caller.</param>
    /// <param name="credentials">A registry host's credential for pulling base images; null: anonymous.</param>
    /// <param name="cancellationToken">Ends the build.</param>
    /// <param name="buildKit">PipelineImageBuildKitHost's Control API, a Docker engine's; null: the engine's builder.</param>
    /// <param name="recordDirectory">
    /// Where image.json is: a build its engine lost is kept there (<see cref="LostBuild"/>), and what it left is removed
    /// by the next build; null: neither.
    /// </param>
    public static async Task<BuildOutcome> BuildAsync(
        PlanFile plan, IContainerEngine engine, EngineInfo info, BuildLog log, IReadOnlyList<BuildSecret> secrets,
        Func<string, Registry.RegistryCredential?>? credentials, CancellationToken cancellationToken, Engine.BuildKit.BuildKitControl? buildKit = null,
        string? recordDirectory = null)
    {
        if (recordDirectory is not null)
        {
            await LostBuild.RemoveLeftoversAsync(recordDirectory, engine, info, log, cancellationToken).ConfigureAwait(false);
        }

        var pull = plan.Options.PullPolicy;
        var builder = BaseBuilders.Choose(plan.Options.Setting, engine, info, buildKit, secrets.Select(secret => secret.Id).ToList(), plan.Options.Platform);
        var (dockerfile, options) = Prepare(plan, builder.Choice, log, secrets, credentials);
        if (plan.Parent is { } parent)
        {
            await BuildParentAsync(parent, engine, builder, info, options, log, recordDirectory, cancellationToken).ConfigureAwait(false);
            options = options with { PullAlways = false }; // our FROM is the local parent, in no registry
        }

        // The base as the engine has it now: with it, the content key says whether there is anything to build.
        var baseImage = pull == PullPolicy.Always ? null : await engine.InspectImageAsync(plan.BaseImage, cancellationToken).ConfigureAwait(false);
        if (pull == PullPolicy.Never && baseImage is null)
        {
            throw new PipelineImageException(DiagnosticCodes.BaseImageNotLocal, info.Endpoint, plan.BaseImage);
        }

        var key = baseImage is null ? null : ContentKey.Of(plan.InputsKey, dockerfile, baseImage.Id);
        if (key is not null && !plan.Options.NoCache
            && await FindUpToDateAsync(plan, engine, key, cancellationToken).ConfigureAwait(false) is { } current)
        {
            var retagged = new List<ImageReference>();
            foreach (var reference in plan.References)
            {
                if ((await engine.InspectImageAsync(reference.ToString(), cancellationToken).ConfigureAwait(false))?.Id != current.Id)
                {
                    await engine.TagAsync(current.Id, reference, cancellationToken).ConfigureAwait(false);
                    retagged.Add(reference);
                }
            }

            log.Normal($"{plan.Name} is up to date: the engine has {current.Id}, built from the same Dockerfile, context and options on "
                + $"{plan.BaseImage} ({baseImage!.Id}); content key {key}. No build."
                + (retagged.Count > 0 ? $" Tagged it again as {string.Join(", ", retagged)}." : ""));
            return new BuildOutcome(current.Id, Built: false, retagged);
        }

        log.Normal(Reason(plan, baseImage, key));
        var request = new BuildRequest(plan.ContextEntries(), plan.References, dockerfile, options,
            key is null ? null : new Dictionary<string, string> { [ContentKey.Label] = key });
        var result = await BuildOnEngineAsync(engine, builder, info, request, log, recordDirectory, cancellationToken).ConfigureAwait(false);
        return new BuildOutcome(result.ImageId, Built: true, []);
    }

    /// <summary>
    /// Builds a requirements base (<see cref="PlanFile.ForRequirementsBase"/>) on a standalone buildkitd, which pushes it
    /// under its tag, the content key, as it exports; the caller has looked for that tag in the registry first.
    /// </summary>
    /// <returns>The manifest digest it was pushed with.</returns>
    /// <exception cref="PipelineImageException">PIMG2034 (PipelineImageBuilder=classic); PIMG1003 when the build failed.</exception>
    public static async Task<string> BuildOnBuildkitdAsync(
        PlanFile plan, Engine.BuildKit.BuildKitControl buildkitd, BuildLog log, IReadOnlyList<BuildSecret> secrets,
        Func<string, Registry.RegistryCredential?>? credentials, CancellationToken cancellationToken)
    {
        var (dockerfile, options) = Prepare(plan, ImageBuilders.ForBuildKitHost(plan.Options.Setting, buildkitd.Host), log, secrets, credentials);
        var request = new BuildRequest(plan.ContextEntries(), plan.References, dockerfile, options);
        var (_, exported) = await buildkitd.BuildAsync(request, log.Normal, cancellationToken).ConfigureAwait(false);
        return exported.TryGetValue("containerimage.digest", out var digest)
            ? digest
            : throw Engine.BuildKit.BuildKitControl.Unavailable(buildkitd.Host,
                $"it built the image but did not say what it pushed (its answer has {string.Join(", ", exported.Keys.Order(StringComparer.Ordinal))})");
    }

    // The chosen builder's Dockerfile and the plan's options for it, said in the log; the builder names itself in the
    // options it passes on (EngineBuilder).
    private static (string Dockerfile, BuildOptions Options) Prepare(PlanFile plan, BuilderChoice builder, BuildLog log, IReadOnlyList<BuildSecret> secrets,
        Func<string, Registry.RegistryCredential?>? credentials)
    {
        var dockerfile = plan.DockerfileFor(builder.Builder);
        log.Normal($"Builder: {builder.Builder.ToString().ToLowerInvariant()} ({builder.Reason}); it builds {dockerfile}");
        if (secrets.Count > 0)
        {
            log.Normal($"Secrets for the build: {string.Join(", ", secrets.Select(secret => secret.Id))} (their values go to the builder only, through its session)");
        }

        return (dockerfile, new BuildOptions(plan.Options.Network, plan.Options.Platform, plan.Options.PullPolicy == PullPolicy.Always, plan.Options.NoCache,
            Secrets: secrets, Credentials: credentials));
    }

    // An image with the key; the one our first tag points to when several have it (a no-cache rebuild made another).
    private static async Task<ImageDetails?> FindUpToDateAsync(PlanFile plan, IContainerEngine engine, string key, CancellationToken cancellationToken)
    {
        var first = await engine.InspectImageAsync(plan.References[0].ToString(), cancellationToken).ConfigureAwait(false);
        if (first is not null && first.Labels.TryGetValue(ContentKey.Label, out var label) && label == key)
        {
            return first;
        }

        var found = await engine.FindImagesAsync(ContentKey.Label, key, cancellationToken).ConfigureAwait(false);
        return found.Count > 0 ? found[0] : null;
    }

    private static string Reason(PlanFile plan, ImageDetails? baseImage, string? key) =>
        plan.Options.NoCache ? "Building: PipelineImageNoCache=true builds every step anew."
        : plan.Options.PullPolicy == PullPolicy.Always ? "Building: PipelineImagePull=always may bring a newer base image."
        : baseImage is null ? $"Building: the base image {plan.BaseImage} is not on the engine yet."
        : $"Building: no image on the engine has the content key {key} (a file, an ignore rule, a requirement, a setting or the base image changed, or this is the first build).";

    // The parent's tag stands for its Dockerfile, context, arguments and platform: when the engine has it, it is current.
    private static async Task BuildParentAsync(
        PlannedParent parent, IContainerEngine engine, IBaseBuilder builder, EngineInfo info, BuildOptions options, BuildLog log, string? recordDirectory,
        CancellationToken cancellationToken)
    {
        if (!options.NoCache && await engine.InspectImageAsync(parent.Reference.ToString(), cancellationToken).ConfigureAwait(false) is not null)
        {
            log.Normal($"Parent image {parent.Reference} is up to date");
            return;
        }

        log.High($"Building the parent image {parent.Reference} from {parent.Dockerfile}");
        var request = new BuildRequest(parent.ContextEntries(), [parent.Reference],
            parent.Dockerfile, options with { BuildArgs = parent.BuildArgs });
        await BuildOnEngineAsync(engine, builder, info, request, log, recordDirectory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The engine's build; a build that failed because the engine went away (stopped, restarted, killed) is PIMG1019,
    /// naming the step it was in and the engine's address, rather than the broken connection or the step's error that
    /// the engine's shutdown caused. After a failure the engine is pinged (its ping waits for no lock); a failure that
    /// looks like a cut (a connection lost, a step cancelled) is asked again, as a stopping engine answers for a while.
    /// The lost build is kept in <paramref name="recordDirectory"/> for the next build to remove what it left.
    /// </summary>
    private static async Task<BuildResult> BuildOnEngineAsync(
        IContainerEngine engine, IBaseBuilder builder, EngineInfo info, BuildRequest request, BuildLog log, string? recordDirectory, CancellationToken cancellationToken)
    {
        string? step = null;
        var started = DateTimeOffset.UtcNow;
        try
        {
            return await builder.BuildAsync(request, line =>
            {
                step = line.StartsWith("Step ", StringComparison.Ordinal) ? line : step;
                log.Normal(line);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var cut = EngineFailure.Chain(e).Any(inner => inner is IOException or HttpRequestException or EngineRequestFailedException
                || inner.Message.Contains("cancel", StringComparison.OrdinalIgnoreCase));
            for (var attempt = 0; attempt < (cut ? 3 : 1); attempt++)
            {
                if (await UnansweredAsync(engine, attempt, cancellationToken).ConfigureAwait(false) is { } silence)
                {
                    if (recordDirectory is not null)
                    {
                        await new LostBuild(info.Endpoint, started, DateTimeOffset.UtcNow).KeepAsync(recordDirectory).ConfigureAwait(false);
                    }

                    // What the build saw, as it saw it: a step's error, or the connection's own words (not the PIMG1004 that
                    // takes a connection closed for one that never reached an engine).
                    throw new PipelineImageException(e, DiagnosticCodes.EngineLostDuringBuild, info.Endpoint, step ?? "before its first step",
                        e is ImageBuildFailedException failed ? failed.Message : EngineFailure.Chain(e).Last().Message, silence);
                }
            }

            throw;
        }
    }

    // Why the engine does not answer now (after a pause on a later attempt); null: it answers.
    private static async Task<string?> UnansweredAsync(IContainerEngine engine, int attempt, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken).ConfigureAwait(false);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await engine.PingAsync(bound.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return e is PipelineImageException coded ? coded.Message : EngineFailure.Describe(e, TimeSpan.FromSeconds(5));
        }
    }
}
