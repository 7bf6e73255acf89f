using PipelineImage.BaseImages;
using PipelineImage.Context;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Planning;
using PipelineImage.Requirements;

namespace PipelineImage.Intermediate;

/// <summary>Where the plan writer's messages go: by importance, and PIMG warnings by resource name.</summary>
internal sealed record PlanLog(Action<string> Low, Action<string> Normal, Action<string> High, Action<string, object?[]> Warning);

/// <param name="DockerfilePath">The Dockerfile written.</param>
/// <param name="PlanPath">plan.json.</param>
internal sealed record WrittenPlan(string DockerfilePath, string PlanPath);

/// <summary>
/// Plans an image from a <see cref="PlanRequest"/> and writes what the build reads into its output directory: the
/// Dockerfiles (only when they changed), context.txt, plan.json and hashes.tsv; with PipelineImageSkipBuild also the
/// context's tar and the commands that build it by hand. Every setting is checked, whatever another check found, so
/// that one publish reports every invalid one (<see cref="PipelineImageProblemsException"/>).
/// </summary>
/// <param name="request">What to plan.</param>
/// <param name="log">Where its messages go.</param>
/// <param name="readBase">
/// Reads a base image's files (reference, platform): from the engine that holds it; null when it cannot be read, and
/// the base is then planned on from its name alone (<see cref="BaseImageFamily"/>).
/// </param>
/// <param name="verifyBase">
/// Verifies the base image's signature (PipelineImageBaseVerificationKey) before anything is planned on it; null: no key.
/// </param>
internal sealed class PlanWriter(PlanRequest request, PlanLog log, Func<string, string, CancellationToken, Task<BaseFacts?>>? readBase = null,
    Func<string, CancellationToken, Task>? verifyBase = null)
{
    private string Output => request.OutputDirectory;

    public async Task<WrittenPlan> WriteAsync(CancellationToken cancellationToken)
    {
        var settings = request.Settings;
        var problems = new Problems();
        var network = problems.Check(() => BuildNetwork.Validate(request.Network));
        var pull = problems.Check(() => PullPolicies.Parse(request.Pull));
        var (platform, platforms) = problems.Check(() => ImagePlatforms.Resolve(BuildPlatform.Validate(request.Platform), request.Platforms));
        // An archive format that is neither docker nor oci is PIMG2041; the platforms are checked against it once it is valid.
        var archiveFormat = problems.Check(() => (ArchiveFormat?)ArchiveFormats.Parse(request.ArchiveFormat));
        if (platforms is { Count: > 1 } && archiveFormat is { } format)
        {
            try
            {
                ImagePlatforms.Check(platforms, request.App, request.PlatformApps, request.Push, request.Archive ? format : null, request.ParentDockerfile.Trim().Length > 0);
            }
            catch (PipelineImageException e)
            {
                problems.Add(e);
            }
        }
        var secrets = problems.Check(() => BuildSecrets.Plan(request.Secrets, request.Environment));
        var pipNetrc = request.RequirementSettings.PipNetrcSecret.Trim();
        var aptAuth = request.RequirementSettings.AptAuthSecret.Trim();
        foreach (var (property, id) in new[] { ("PipelineImagePipNetrcSecret", pipNetrc), ("PipelineImageAptAuthSecret", aptAuth) })
        {
            if (id.Length > 0 && !request.Secrets.Any(secret => secret.Item.Trim() == id))
            {
                problems.Add(new PipelineImageException(DiagnosticCodes.UnknownSecret, property, id));
            }
        }

        ParentImage? parent = null;
        try
        {
            parent = await PlanParentAsync(platform ?? "", cancellationToken).ConfigureAwait(false);
        }
        catch (PipelineImageException e)
        {
            problems.Add(e);
        }

        if (parent is not null)
        {
            settings = settings with { BaseImage = parent.Reference.ToString() };
        }

        var sources = problems.Check(CollectContextSources);
        // (An invalid base is the planner's problem to report, once.)
        if (verifyBase is not null && parent is null && BaseImageOf(settings) is { } verifiedBase)
        {
            try
            {
                await verifyBase(verifiedBase, cancellationToken).ConfigureAwait(false);
            }
            catch (PipelineImageException e)
            {
                problems.Add(e);
            }
        }

        // The base's own files, where they can be read: they decide the OS package manager and refuse an image that
        // could not start or build on it. A parent Dockerfile's image does not exist yet.
        var read = parent is null ? await ReadBaseAsync(settings, platform ?? "", cancellationToken).ConfigureAwait(false) : null;
        if (read is { } onRead && BaseChecks.ExtractionDirectory(onRead.Facts, request.App, settings) is { } extraction)
        {
            settings = settings with
            {
                EnvironmentVariables = [.. settings.EnvironmentVariables, KeyValuePair.Create(BaseChecks.ExtractionVariable, extraction.Directory)],
            };
            log.High($"The app's bundle extracts itself when it starts, and its user's home ({extraction.Home}) {extraction.Problem} {onRead.Image}: "
                + $"the image sets {BaseChecks.ExtractionVariable}={extraction.Directory} (a PipelineImageEnvironmentVariable of that name chooses another)");
        }

        // With a parent Dockerfile, its last FROM tells the OS family that requirements are installed with.
        var builder = problems.Check(() => BuilderSettings.Parse(request.Builder));
        if (builder == BuilderSetting.Assembler)
        {
            log.Warning(DiagnosticCodes.AssemblerSettingRetired, [request.Builder.Trim()]);
            builder = BuilderSetting.Auto;
        }

        var epoch = problems.Check(() => AssemblyPlanner.Epoch(request.Environment("SOURCE_DATE_EPOCH")));
        // With a publish per runtime identifier, the first platform's image is the plan, and each other platform's is
        // planned the same way from its own publish.
        var ownPublishes = platforms is { Count: > 1 } && request.PlatformApps.Count > 0 ? platforms : [];
        BuildPlan PlanImage(PublishedApp app) => ImagePlanner.Create(app, settings, sources ?? ContextSources.None,
            baseImage => PlanRequirements(parent?.FinalBase ?? baseImage, read is { } r && r.Image == baseImage ? BaseChecks.Traits(r.Facts, baseImage) : null),
            builder, epoch, read is { } facts ? new BaseAccounts(facts.Facts.OwnerOf, facts.Facts.Paths) : null);
        var plan = problems.Check(() => PlanImage(ownPublishes.Count > 0 ? request.PlatformApps[ownPublishes[0]] : request.App));
        problems.ThrowIfAny();
        var platformPlans = ownPublishes.Skip(1).ToDictionary(own => own, own => PlanImage(request.PlatformApps[own]), StringComparer.Ordinal);
        if (platforms is { Count: > 1 } && plan!.Assembly.Requirements is not null)
        {
            try
            {
                ImagePlatforms.CheckRequirementsBases(platforms, plan.Name, request.Push);
            }
            catch (PipelineImageException e)
            {
                problems.Add(e);
            }
        }

        if (read is { } onBase)
        {
            foreach (var refusal in BaseChecks.Check(onBase.Facts, onBase.Image, request.App, settings, plan!))
            {
                problems.Add(refusal);
            }
        }

        problems.ThrowIfAny();

        WarnWithoutEffect("PipelineImageAptAuthSecret", aptAuth.Length > 0 && plan!.Requirements.Manager != OsPackageManager.Apt, "no apt step installs OS packages");
        foreach (var line in plan!.Requirements.Describe())
        {
            log.Normal(line);
        }

        var dockerfilePath = Path.Combine(Output, "Dockerfile");
        var classicDockerfilePath = Path.Combine(Output, "Dockerfile.classic");
        await WriteDockerfileAsync(dockerfilePath, plan.Dockerfile).ConfigureAwait(false);
        await WriteDockerfileAsync(classicDockerfilePath, plan.ClassicDockerfile).ConfigureAwait(false);
        // Another platform's Dockerfiles are the first's, unless its publish differs in which layers it has.
        var platformDockerfiles = new Dictionary<string, (string Dockerfile, string? Classic)>(StringComparer.Ordinal);
        foreach (var other in (platforms ?? []).Skip(1))
        {
            var own = platformPlans.GetValueOrDefault(other);
            var (path, classicPath) = (PlatformDockerfile(other, ""), PlatformDockerfile(other, ".classic"));
            await WriteDockerfileAsync(path, own is null || own.Dockerfile == plan.Dockerfile ? null : own.Dockerfile).ConfigureAwait(false);
            await WriteDockerfileAsync(classicPath, own is null || own.ClassicDockerfile == plan.ClassicDockerfile ? null : own.ClassicDockerfile).ConfigureAwait(false);
            if (own is not null)
            {
                platformDockerfiles[other] = (own.Dockerfile == plan.Dockerfile ? dockerfilePath : path,
                    own.ClassicDockerfile is null ? null : own.ClassicDockerfile == plan.ClassicDockerfile ? classicDockerfilePath : classicPath);
            }
        }

        await AtomicFile.WriteIfChangedAsync(Path.Combine(Output, "context.txt"), ContextManifest.Render(plan.Context)).ConfigureAwait(false);

        var planPath = Path.Combine(Output, "plan.json");
        var hashes = FileHashCache.Load(Path.Combine(Output, "hashes.tsv"));
        var planFile = PlanFile.Create(plan, parent, dockerfilePath, plan.ClassicDockerfile is null ? null : classicDockerfilePath, new PlannedOptions(
            network!, platform!, pull.ToString().ToLowerInvariant(), request.NoCache, builder.Name(), request.Push, request.Archive)
        {
            Platforms = platforms is { Count: > 1 } ? platforms : null,
        }, hashes.Hash, secrets);
        planFile = planFile.WithPlatformApps(platformPlans.ToDictionary(other => other.Key, other => PlanFile.Create(other.Value, parent, platformDockerfiles[other.Key].Dockerfile,
            platformDockerfiles[other.Key].Classic, planFile.Options, hashes.Hash, secrets), StringComparer.Ordinal));
        await hashes.SaveAsync().ConfigureAwait(false);
        var written = await AtomicFile.WriteIfChangedAsync(planPath, planFile.ToJson()).ConfigureAwait(false);
        log.Normal($"{(written ? "Wrote" : "Up to date:")} {planPath}: {planFile.Context.Count} context entries, {hashes.FilesHashed} file(s) read for their hashes, "
            + $"inputs key {planFile.InputsKey}");
        // The plan at detailed verbosity: what it builds, how, and the Dockerfile. Secrets appear by id only.
        log.Low($"The plan: {string.Join(", ", planFile.References)}; base {planFile.BaseImage}; options {planFile.Options}; secrets: "
            + $"{(planFile.Secrets is { } ids ? string.Join(", ", ids.Select(secret => secret.Id)) : "none")}; the Dockerfile:\n{plan.Dockerfile.TrimEnd()}");

        WarnWithoutEffect("PipelineImagePush", request.Push && request.SkipBuild, "PipelineImageSkipBuild=true builds no image to push");
        if (request.SkipBuild)
        {
            await WriteForHandBuildAsync(plan, parent, network!, cancellationToken).ConfigureAwait(false);
        }

        return new WrittenPlan(dockerfilePath, planPath);
    }

    // The Dockerfile of a platform other than the first, planned from its own publish.
    private string PlatformDockerfile(string platform, string kind) => Path.Combine(Output, $"Dockerfile{kind}.{ImagePlatforms.DirectoryName(platform)}");

    // A Dockerfile the plan no longer has (the classic builder's, after a change of builder or requirements) is removed.
    private async Task WriteDockerfileAsync(string path, string? text)
    {
        if (text is null)
        {
            File.Delete(path);
            return;
        }

        var written = await AtomicFile.WriteIfChangedAsync(path, text).ConfigureAwait(false);
        log.Normal(written ? $"Wrote {path}" : $"{path} is up to date");
    }

    private void WarnWithoutEffect(string setting, bool isSet, string reason)
    {
        if (isSet)
        {
            log.Warning(DiagnosticCodes.SettingWithoutEffect, [setting, reason]);
        }
    }

    // The platform as validated (empty when it is not: that is a problem of its own).
    private async Task<ParentImage?> PlanParentAsync(string platform, CancellationToken cancellationToken)
    {
        if (request.ParentDockerfile.Trim().Length == 0)
        {
            WarnWithoutEffect("PipelineImageParentContext", request.ParentContext.Trim().Length > 0, "PipelineImageParentDockerfile is not set");
            WarnWithoutEffect("PipelineImageParentBuildArg", request.ParentBuildArgs.Count > 0, "PipelineImageParentDockerfile is not set");
        }

        return await ParentImage.FromSettingsAsync(() => ImagePlanner.ResolveName(request.App, request.Settings), request.ProjectDirectory,
            request.ParentDockerfile, request.ParentContext, request.Settings.BaseImage, request.ParentBuildArgs, platform,
            Output, cancellationToken).ConfigureAwait(false);
    }

    // The context as the tar we would send, and the commands that build it: the same image, by hand or elsewhere.
    private async Task WriteForHandBuildAsync(BuildPlan plan, ParentImage? parent, string network, CancellationToken cancellationToken)
    {
        var commands = new List<string>();
        if (parent is not null)
        {
            var parentTar = Path.Combine(Output, "parent-context.tar");
            await AtomicFile.WriteAsync(parentTar, stream => ContextTarWriter.WriteAsync(parent.Context, stream, cancellationToken)).ConfigureAwait(false);
            var args = string.Concat(parent.BuildArgs.Select(arg => $" --build-arg {arg.Key}={arg.Value}"));
            commands.Add($"docker build -f {parent.DockerfilePath} -t {parent.Reference}{args} - < {parentTar}");
        }

        var tar = Path.Combine(Output, "context.tar");
        await AtomicFile.WriteAsync(tar, stream => ContextTarWriter.WriteAsync(plan.Context, stream, cancellationToken)).ConfigureAwait(false);
        var tags = string.Concat(plan.References.Select(reference => $" -t {reference}"));
        var networkOption = network.Length > 0 ? $" --network {network}" : "";
        var build = commands.Count > 0 ? string.Join(" && ", commands) + " && " : "";
        log.High(plan.ClassicDockerfile is null
            ? $"PipelineImageSkipBuild: no image built. To build it: {build}docker build -f {ImagePlanner.DockerfilePath}{networkOption}{tags} - < {tar}"
            : "PipelineImageSkipBuild: no image built. To build it with BuildKit: "
              + $"{build}DOCKER_BUILDKIT=1 docker build -f {ImagePlanner.DockerfilePath}{networkOption}{tags} - < {tar}; with the classic builder: "
              + $"{build}DOCKER_BUILDKIT=0 docker build -f {ImagePlanner.ClassicDockerfilePath}{networkOption}{tags} - < {tar}");
    }

    private RequirementPlan PlanRequirements(string baseImage, BaseImageTraits? traits) => RequirementPlanner.Plan(request.Requirements, request.RequirementSettings,
        baseImage, path => File.Exists(path) ? File.ReadAllText(path) : null, IntegrationCatalog.Detect(request.Integrations, request.PublishedPackages), traits);

    // The base and what its files say; null when it cannot be read (or its reference is invalid: the planner says so).
    private async Task<(string Image, BaseFacts Facts)?> ReadBaseAsync(ImageSettings settings, string platform, CancellationToken cancellationToken)
    {
        if (BaseImageOf(settings) is not { } baseImage)
        {
            return null;
        }

        var facts = baseImage == "scratch" ? BaseFacts.Empty
            : readBase is null ? null
            : await readBase(baseImage, platform, cancellationToken).ConfigureAwait(false);
        if (facts is null)
        {
            return null;
        }

        log.Normal($"The base image {baseImage}: {facts.Distribution ?? "no os-release"}; {(facts.Shell is null ? "no shell" : $"shell {facts.Shell}")}; "
            + $"{facts.Users.Count} user(s) in /etc/passwd; .NET shared frameworks: {(facts.Runtimes.Count == 0 ? "none" : string.Join(", ", facts.Runtimes))}");
        return (baseImage, facts);
    }

    // The base image the settings name; null when its reference is invalid (the planner says so).
    private string? BaseImageOf(ImageSettings settings)
    {
        try
        {
            return ImagePlanner.ResolveBaseImage(request.App, settings);
        }
        catch (PipelineImageException)
        {
            return null;
        }
    }

    private ContextSources CollectContextSources()
    {
        // The ignore files and their patterns are checked on every publish, whether or not anything goes through them.
        var root = Planning.ExtraFiles.ContextRoot(request.ProjectDirectory, request.ContextRoot, request.IncludeSourceFiles);
        var rules = IgnoreRules.Load(root, request.DockerIgnoreFiles);
        if (!request.IncludeSourceFiles && request.ExtraFiles.Count == 0)
        {
            const string nothingSent = "no file goes through the build context's ignore rules (PipelineImageIncludeSourceFiles is not true and there is no PipelineImageFile item)";
            WarnWithoutEffect("PipelineImageContextRoot", request.ContextRoot.Trim().Length > 0, nothingSent);
            WarnWithoutEffect("DockerIgnoreFile", request.DockerIgnoreFiles.Count > 0, nothingSent);
            return ContextSources.None;
        }

        (request.IncludeSourceFiles && request.DockerIgnoreFiles.Count == 0 ? log.High : log.Normal)(
            $"PipelineImage build context {root}: ignore rules from {rules.Origin}");

        var sourceFiles = request.IncludeSourceFiles ? ContextWalker.Walk(root, rules.Matcher, [ImagePlanner.ReservedDirectory]) : [];
        if (request.IncludeSourceFiles && sourceFiles.Count == 0)
        {
            log.Warning(DiagnosticCodes.NoSourceFilesSent, [rules.Origin, root]);
        }
        var extraFiles = new List<ExtraFile>();
        var appDirectory = ImageConfiguration.WorkingDirectory(request.Settings.WorkingDirectory).TrimEnd('/');
        foreach (var item in request.ExtraFiles)
        {
            var contextPath = Planning.ExtraFiles.ContextPath(item, root);
            if (!ContextWalker.IsSent(contextPath, rules.Matcher))
            {
                log.Warning(DiagnosticCodes.FileExcludedByIgnoreRules, [item.Item, rules.Origin, contextPath]);
                continue;
            }

            if (!File.Exists(item.FullPath))
            {
                throw new PipelineImageException(DiagnosticCodes.PublishFileMissing, item.FullPath);
            }

            var mode = OperatingSystem.IsWindows() ? (UnixFileMode?)null : File.GetUnixFileMode(item.FullPath) & (UnixFileMode)0x1FF;
            extraFiles.Add(new ExtraFile(item.Item, ContextEntry.FromFile(contextPath, item.FullPath, mode: mode),
                Planning.ExtraFiles.Destination(item, request.ProjectDirectory, appDirectory)));
        }

        return new ContextSources(sourceFiles, extraFiles);
    }
}
