using Microsoft.Build.Framework;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.ImageStore;
using PipelineImage.Intermediate;
using PipelineImage.Planning;
using PipelineImage.Requirements;
using PipelineImage.Signing;
using PipelineImage.Transport;

namespace PipelineImage.Tasks;

/// <summary>
/// Maps the project's publish output, items and PipelineImage* properties to one <see cref="PlanRequest"/>, which
/// <see cref="PlanWriter"/> plans and writes (plan.json, the Dockerfile) on what the engine's copy of the base image
/// holds, or its registry has (<see cref="BaseFactsReader"/>); logs what it says, and hands the paths to the build target.
/// </summary>
public sealed partial class GeneratePipelineDockerfile : EngineTask
{
    // Planning is short and reads items whose paths may be relative to the project: the node is not yielded.
    protected override bool YieldsToOtherProjects => false;

    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var log = new PlanLog(
            Low: line => Log.LogMessage(MessageImportance.Low, "{0}", line),
            Normal: line => Log.LogMessage(MessageImportance.Normal, "{0}", line),
            High: line => Log.LogMessage(MessageImportance.High, "{0}", line),
            Warning: LogWarning);
        (EngineConnection Connection, Registry.DockerConfig Config)? engine = null;
        try
        {
            engine = ResolveEngine();
        }
        catch (PipelineImageException e)
        {
            log.Normal($"The base image is not read: {e.Message}");
        }

        // Registries with the credentials of config.json and its helpers (the PIPELINEIMAGE_REGISTRY_* variables are the
        // push's), without retries: a base that cannot be read is planned on from its name.
        using var registries = Registries(engine?.Config ?? PipelineImage.Registry.DockerConfig.Empty, cancellationToken, _ => _ => null, retryDelays: []);
        var bases = new BaseFactsReader(EngineFactory, engine?.Connection, engine is null ? null : registries.For,
            BaseCacheDirectory ?? Path.Combine(OutputDirectory, "bases"), log.Normal);
        var verifyKey = BaseVerificationKey.Trim() is { Length: > 0 } key ? Path.GetFullPath(Path.Combine(ProjectDirectory, key)) : null;
        var written = await new PlanWriter(Request(), log, bases.ReadAsync, verifyKey is null ? null : async (baseImage, token) =>
            log.High($"The base image {baseImage} ({await BaseSignature.VerifyAsync(registries, baseImage, verifyKey, token)}) is signed, "
                + $"and PipelineImageBaseVerificationKey ({verifyKey}) verifies the signature")).WriteAsync(cancellationToken);
        DockerfilePath = written.DockerfilePath;
        PlanPath = written.PlanPath;
    }

    private PlanRequest Request()
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
            SelfExtracts = PublishSingleFile && (IncludeAllContentForSelfExtract || IncludeNativeLibrariesForSelfExtract),
            RollForward = RollForward,
            UsesAspNetCore = UsingWebSdk || FrameworkReferences.Any(reference =>
                string.Equals(reference.ItemSpec, "Microsoft.AspNetCore.App", StringComparison.OrdinalIgnoreCase)),
            Files = PublishOutput.Read(PublishDirectory, Dependencies(PublishedFiles), TargetFileName, PublishAot),
        };
        return new PlanRequest
        {
            App = app,
            PlatformApps = PlatformPublishedFiles
                .GroupBy(item => item.GetMetadata("PipelineImagePlatform").Trim().ToLowerInvariant(), StringComparer.Ordinal)
                .ToDictionary(platform => platform.Key, platform => app with
                {
                    RuntimeIdentifier = platform.First().GetMetadata("PipelineImageRuntimeIdentifier"),
                    Files = PublishOutput.Read(platform.First().GetMetadata("PipelineImagePublishDirectory"), Dependencies(platform), TargetFileName, PublishAot),
                }, StringComparer.Ordinal),
            Settings = new ImageSettings
            {
                Name = ImageName,
                Registry = Registry,
                Tags = ImageTags.SelectMany(tags => tags.Split(';')).ToList(), // %3B on the command line is one item: no tag holds a ';'.
                Version = Version,
                FrameworkVariant = TargetFrameworks.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length > 1
                    ? TargetFramework.Trim() : "",
                BaseImage = BaseImage,
                WorkingDirectory = WorkingDirectory,
                User = User,
                WritableWorkingDirectory = WritableWorkingDirectory,
                WritableDirectories = WritableDirectories.Select(item => item.ItemSpec).ToList(),
                EntrypointMode = EntrypointMode,
                Entrypoint = Entrypoint.Select(item => item.ItemSpec).ToList(),
                DefaultArgs = DefaultArgs.Select(item => item.ItemSpec).ToList(),
                EnvironmentVariables = WithMetadata(ImageEnvironmentVariables, "Value"),
                Labels = WithMetadata(Labels, "Value"),
                Ports = WithMetadata(Ports, "Type"),
                GenerateLabels = !string.Equals(GenerateLabels.Trim(), "false", StringComparison.OrdinalIgnoreCase),
                Project = new ProjectInfo(Title, Description, RepositoryUrl, SourceRevisionId),
            },
            OutputDirectory = OutputDirectory,
            ProjectDirectory = ProjectDirectory,
            Requirements = Requirements.Select(RequirementItems.ToRequirement).ToList(),
            RequirementSettings = new RequirementSettings
            {
                OsPackageManager = OsPackageManager,
                BaseHasPython = bool.TryParse(BaseHasPython.Trim(), out var hasPython) ? hasPython : null,
                PipIndexUrl = PipIndexUrl,
                PipExtraIndexUrls = PipExtraIndexUrls,
                PipFindLinks = PipFindLinks,
                PipNetrcSecret = PipNetrcSecret,
                AptAuthSecret = AptAuthSecret,
            },
            Integrations = Integrations.Select(RequirementItems.ToIntegration).ToList(),
            PublishedPackages = PublishedFiles.Concat(PlatformPublishedFiles).Select(RequirementItems.PackageOf).Distinct().ToList(),
            Secrets = Secrets.Select(item => new SecretItem(item.ItemSpec, item.GetMetadata("Environment"),
                item.GetMetadata("File").Trim() is { Length: > 0 } file ? Path.GetFullPath(Path.Combine(ProjectDirectory, file)) : "")).ToList(),
            IncludeSourceFiles = IncludeSourceFiles,
            ContextRoot = ContextRoot,
            DockerIgnoreFiles = DockerIgnoreFiles.Select(item => (item.ItemSpec, item.GetMetadata("FullPath"))).ToList(),
            ExtraFiles = ExtraFiles.Select(item => new ExtraFileItem(item.ItemSpec, item.GetMetadata("FullPath"), item.GetMetadata("Destination"),
                item.GetMetadata("Link"), item.GetMetadata("RecursiveDir"))).ToList(),
            ParentDockerfile = ParentDockerfile,
            ParentContext = ParentContext,
            ParentBuildArgs = WithMetadata(ParentBuildArgs, "Value"),
            Network = Network,
            Pull = Pull,
            Platform = Platform,
            Platforms = Platforms,
            Builder = Builder,
            NoCache = NoCache,
            SkipBuild = SkipBuild,
            Push = Push,
            Archive = ArchiveOutputPath.Trim().Length > 0,
            ArchiveFormat = ArchiveFormat,
        };
    }

    // The published files that come from NuGet packages, by their path in the publish directory.
    private static HashSet<string> Dependencies(IEnumerable<ITaskItem> published) => published
        .Where(item => item.GetMetadata("NuGetPackageId").Length > 0)
        .Select(item => item.GetMetadata("RelativePath").Replace('\\', '/'))
        .ToHashSet(StringComparer.Ordinal);

    private static IReadOnlyList<KeyValuePair<string, string>> WithMetadata(ITaskItem[] items, string metadata) =>
        items.Select(item => KeyValuePair.Create(item.ItemSpec, item.GetMetadata(metadata))).ToList();
}
