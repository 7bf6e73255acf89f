using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using PipelineImage.Context;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Planning;
using PipelineImage.Requirements;

namespace PipelineImage.Tasks;

/// <summary>
/// Maps the project's publish output and PipelineImage* properties to a <see cref="BuildPlan"/>, writes its
/// Dockerfile (only when it changed) and hands the plan to the build target as items.
/// </summary>
public sealed partial class GeneratePipelineDockerfile : PipelineImageTask
{
    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var app = new PublishedApp
        {
            AssemblyName = AssemblyName,
            ProjectFileName = ProjectFileName,
            TargetFileName = TargetFileName,
            TargetFrameworkIdentifier = TargetFrameworkIdentifier,
            TargetFrameworkVersion = TargetFrameworkVersion,
            RuntimeIdentifier = RuntimeIdentifier,
            SelfContained = SelfContained,
            PublishAot = PublishAot,
            SingleFile = PublishSingleFile,
            UsesAspNetCore = UsingWebSdk || FrameworkReferences.Any(reference =>
                string.Equals(reference.ItemSpec, "Microsoft.AspNetCore.App", StringComparison.OrdinalIgnoreCase)),
            Files = PublishOutput.Read(PublishDirectory, PublishedFiles
                .Where(item => item.GetMetadata("NuGetPackageId").Length > 0)
                .Select(item => item.GetMetadata("RelativePath").Replace('\\', '/'))
                .ToHashSet(StringComparer.Ordinal)),
        };
        var settings = new ImageSettings
        {
            Name = ImageName,
            Registry = Registry,
            Tags = ImageTags,
            Version = Version,
            FrameworkVariant = TargetFrameworks.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length > 1
                ? TargetFramework.Trim() : "",
            BaseImage = BaseImage,
            WorkingDirectory = WorkingDirectory,
            User = User,
            EntrypointMode = EntrypointMode,
            Entrypoint = Entrypoint.Select(item => item.ItemSpec).ToList(),
            DefaultArgs = DefaultArgs.Select(item => item.ItemSpec).ToList(),
            EnvironmentVariables = WithMetadata(ImageEnvironmentVariables, "Value"),
            Labels = WithMetadata(Labels, "Value"),
            Ports = WithMetadata(Ports, "Type"),
            GenerateLabels = !string.Equals(GenerateLabels.Trim(), "false", StringComparison.OrdinalIgnoreCase),
            Project = new ProjectInfo(Title, Description, RepositoryUrl, SourceRevisionId),
        };

        // Every check runs, whatever another found, so that one publish reports every invalid setting.
        var problems = new Problems();
        problems.Check(() => BuildNetwork.Validate(Network));
        problems.Check(() => PullPolicies.Parse(Pull));
        problems.Check(() => BuildPlatform.Validate(Platform));
        var secrets = problems.Check(() => BuildSecrets.Plan(Secrets.Select(ToSecretItem).ToList(), Environment.GetEnvironmentVariable));
        foreach (var (property, id) in new[] { ("PipelineImagePipNetrcSecret", PipNetrcSecret.Trim()), ("PipelineImageAptAuthSecret", AptAuthSecret.Trim()) })
        {
            if (id.Length > 0 && !Secrets.Any(item => item.ItemSpec.Trim() == id))
            {
                problems.Add(new PipelineImageException(DiagnosticCodes.UnknownSecret, property, id));
            }
        }

        ParentImage? parent = null;
        try
        {
            parent = await PlanParentAsync(app, settings, cancellationToken);
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

        // With a parent Dockerfile, its last FROM tells the OS family that requirements are installed with.
        var builder = problems.Check(() => ImageBuilders.Validate(Builder));
        var epoch = problems.Check(() => Planning.AssemblyPlanner.Epoch(Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH")));
        var plan = problems.Check(() => ImagePlanner.Create(app, settings, sources ?? ContextSources.None,
            baseImage => PlanRequirements(parent?.FinalBase ?? baseImage), builder ?? "auto", epoch));
        problems.ThrowIfAny();
        WarnWithoutEffect("PipelineImageAptAuthSecret", AptAuthSecret.Trim().Length > 0 && plan!.Requirements.Manager != PipelineImage.Requirements.OsPackageManager.Apt,
            "no apt step installs OS packages");
        foreach (var line in RequirementItems.Describe(plan!.Requirements))
        {
            Log.LogMessage(MessageImportance.Normal, "{0}", line);
        }

        DockerfilePath = Path.Combine(OutputDirectory, "Dockerfile");
        var classicDockerfilePath = Path.Combine(OutputDirectory, "Dockerfile.classic");
        await WriteDockerfileAsync(DockerfilePath, plan.Dockerfile);
        await WriteDockerfileAsync(classicDockerfilePath, plan.ClassicDockerfile);
        await AtomicFile.WriteIfChangedAsync(Path.Combine(OutputDirectory, "context.txt"), ContextManifest.Render(plan.Context));

        PlanPath = Path.Combine(OutputDirectory, "plan.json");
        var hashes = FileHashCache.Load(Path.Combine(OutputDirectory, "hashes.tsv"));
        var planFile = PlanFile.Create(plan, parent, DockerfilePath, plan.ClassicDockerfile is null ? null : classicDockerfilePath, new PlannedOptions(
            BuildNetwork.Validate(Network), BuildPlatform.Validate(Platform), PullPolicies.Parse(Pull).ToString().ToLowerInvariant(), NoCache,
            builder!), hashes.Hash, secrets);
        await hashes.SaveAsync();
        var written = await AtomicFile.WriteIfChangedAsync(PlanPath, planFile.ToJson());
        Log.LogMessage(MessageImportance.Normal, "{0} {1}: {2} context entries, {3} file(s) read for their hashes, inputs key {4}",
            written ? "Wrote" : "Up to date:", PlanPath, planFile.Context.Count, hashes.FilesHashed, planFile.InputsKey);
        // The plan at detailed verbosity: what it builds, how, and the Dockerfile. Secrets appear by id only.
        Log.LogMessage(MessageImportance.Low, "The plan: {0}; base {1}; options {2}; secrets: {3}; the Dockerfile:\n{4}",
            string.Join(", ", planFile.References), planFile.BaseImage, planFile.Options,
            planFile.Secrets is { } ids ? string.Join(", ", ids.Select(secret => secret.Id)) : "none", plan.Dockerfile.TrimEnd());

        WarnWithoutEffect("PipelineImagePush", Push && SkipBuild, "PipelineImageSkipBuild=true builds no image to push");
        if (SkipBuild)
        {
            await WriteForHandBuildAsync(plan, parent, cancellationToken);
        }
    }

    // A Dockerfile the plan no longer has (the classic builder's, after a change of builder or requirements) is removed.
    private async System.Threading.Tasks.Task WriteDockerfileAsync(string path, string? text)
    {
        if (text is null)
        {
            File.Delete(path);
            return;
        }

        var written = await AtomicFile.WriteIfChangedAsync(path, text);
        Log.LogMessage(MessageImportance.Normal, written ? "Wrote {0}" : "{0} is up to date", path);
    }

    private void WarnWithoutEffect(string setting, bool isSet, string reason)
    {
        if (isSet)
        {
            LogWarning(DiagnosticCodes.SettingWithoutEffect, setting, reason);
        }
    }

    private async Task<ParentImage?> PlanParentAsync(PublishedApp app, ImageSettings settings, CancellationToken cancellationToken)
    {
        if (ParentDockerfile.Trim().Length == 0)
        {
            WarnWithoutEffect("PipelineImageParentContext", ParentContext.Trim().Length > 0, "PipelineImageParentDockerfile is not set");
            WarnWithoutEffect("PipelineImageParentBuildArg", ParentBuildArgs.Length > 0, "PipelineImageParentDockerfile is not set");
        }

        return await Planning.ParentImage.FromSettingsAsync(() => ImagePlanner.ResolveName(app, settings), ProjectDirectory, ParentDockerfile, ParentContext,
            BaseImage, WithMetadata(ParentBuildArgs, "Value"), Engine.BuildPlatform.Validate(Platform), OutputDirectory, cancellationToken);
    }

    // The context as the tar we would send, and the commands that build it: the same image, by hand or elsewhere.
    private async System.Threading.Tasks.Task WriteForHandBuildAsync(BuildPlan plan, ParentImage? parent, CancellationToken cancellationToken)
    {
        var commands = new List<string>();
        if (parent is not null)
        {
            var parentTar = Path.Combine(OutputDirectory, "parent-context.tar");
            await AtomicFile.WriteAsync(parentTar, stream => ContextTarWriter.WriteAsync(parent.Context, stream, cancellationToken));
            var args = string.Concat(parent.BuildArgs.Select(arg => $" --build-arg {arg.Key}={arg.Value}"));
            commands.Add($"docker build -f {parent.DockerfilePath} -t {parent.Reference}{args} - < {parentTar}");
        }

        var tar = Path.Combine(OutputDirectory, "context.tar");
        await AtomicFile.WriteAsync(tar, stream => ContextTarWriter.WriteAsync(plan.Context, stream, cancellationToken));
        var tags = string.Concat(plan.References.Select(reference => $" -t {reference}"));
        var network = BuildNetwork.Validate(Network) is { Length: > 0 } mode ? $" --network {mode}" : "";
        var build = commands.Count > 0 ? string.Join(" && ", commands) + " && " : "";
        if (plan.ClassicDockerfile is null)
        {
            Log.LogMessage(MessageImportance.High, "PipelineImageSkipBuild: no image built. To build it: {0}",
                $"{build}docker build -f {ImagePlanner.DockerfilePath}{network}{tags} - < {tar}");
            return;
        }

        Log.LogMessage(MessageImportance.High, "PipelineImageSkipBuild: no image built. To build it with BuildKit: {0}; with the classic builder: {1}",
            $"{build}DOCKER_BUILDKIT=1 docker build -f {ImagePlanner.DockerfilePath}{network}{tags} - < {tar}",
            $"{build}DOCKER_BUILDKIT=0 docker build -f {ImagePlanner.ClassicDockerfilePath}{network}{tags} - < {tar}");
    }

    private static IReadOnlyList<KeyValuePair<string, string>> WithMetadata(ITaskItem[] items, string metadata) =>
        items.Select(item => KeyValuePair.Create(item.ItemSpec, item.GetMetadata(metadata))).ToList();

    private RequirementPlan PlanRequirements(string baseImage)
    {
        var settings = new RequirementSettings
        {
            OsPackageManager = OsPackageManager,
            BaseHasPython = bool.TryParse(BaseHasPython.Trim(), out var hasPython) ? hasPython : null,
            PipIndexUrl = PipIndexUrl,
            PipExtraIndexUrls = PipExtraIndexUrls,
            PipFindLinks = PipFindLinks,
            PipNetrcSecret = PipNetrcSecret,
            AptAuthSecret = AptAuthSecret,
        };
        var integrations = IntegrationCatalog.Detect(Integrations.Select(RequirementItems.ToIntegration), PublishedFiles.Select(RequirementItems.PackageOf));
        return RequirementPlanner.Plan(Requirements.Select(RequirementItems.ToRequirement).ToList(), settings, baseImage,
            path => File.Exists(path) ? File.ReadAllText(path) : null, integrations);
    }

    private ContextSources CollectContextSources()
    {
        // The ignore files and their patterns are checked on every publish, whether or not anything goes through them.
        var root = Planning.ExtraFiles.ContextRoot(ProjectDirectory, ContextRoot, IncludeSourceFiles);
        var rules = IgnoreRules.Load(root, DockerIgnoreFiles.Select(item => (item.ItemSpec, item.GetMetadata("FullPath"))).ToList());
        if (!IncludeSourceFiles && ExtraFiles.Length == 0)
        {
            const string nothingSent = "no file goes through the build context's ignore rules (PipelineImageIncludeSourceFiles is not true and there is no PipelineImageFile item)";
            WarnWithoutEffect("PipelineImageContextRoot", ContextRoot.Trim().Length > 0, nothingSent);
            WarnWithoutEffect("DockerIgnoreFile", DockerIgnoreFiles.Length > 0, nothingSent);
            return ContextSources.None;
        }

        Log.LogMessage(IncludeSourceFiles && DockerIgnoreFiles.Length == 0 ? MessageImportance.High : MessageImportance.Normal,
            "PipelineImage build context {0}: ignore rules from {1}", root, rules.Origin);

        var sourceFiles = IncludeSourceFiles
            ? ContextWalker.Walk(root, rules.Matcher, [ImagePlanner.ReservedDirectory])
            : [];
        var extraFiles = new List<ExtraFile>();
        var appDirectory = ImageConfiguration.WorkingDirectory(WorkingDirectory).TrimEnd('/');
        foreach (var item in ExtraFiles.Select(ToExtraFileItem))
        {
            var contextPath = Planning.ExtraFiles.ContextPath(item, root);
            if (!ContextWalker.IsSent(contextPath, rules.Matcher))
            {
                LogWarning(DiagnosticCodes.FileExcludedByIgnoreRules, item.Item, rules.Origin, contextPath);
                continue;
            }

            if (!File.Exists(item.FullPath))
            {
                throw new PipelineImageException(DiagnosticCodes.PublishFileMissing, item.FullPath);
            }

            var mode = OperatingSystem.IsWindows() ? (UnixFileMode?)null : File.GetUnixFileMode(item.FullPath) & (UnixFileMode)0x1FF;
            extraFiles.Add(new ExtraFile(item.Item, ContextEntry.FromFile(contextPath, item.FullPath, mode: mode),
                Planning.ExtraFiles.Destination(item, ProjectDirectory, appDirectory)));
        }

        return new ContextSources(sourceFiles, extraFiles);
    }

    private SecretItem ToSecretItem(ITaskItem item) => new(
        item.ItemSpec, item.GetMetadata("Environment"),
        item.GetMetadata("File").Trim() is { Length: > 0 } file ? Path.GetFullPath(Path.Combine(ProjectDirectory, file)) : "");

    private static ExtraFileItem ToExtraFileItem(ITaskItem item) => new(
        item.ItemSpec, item.GetMetadata("FullPath"), item.GetMetadata("Destination"), item.GetMetadata("Link"), item.GetMetadata("RecursiveDir"));
}
