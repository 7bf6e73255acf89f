using Microsoft.Build.Framework;

namespace PipelineImage.Tasks;

// The task's parameters, compiled into the in-process task (tasks/net8.0/, tasks/net10.0-linux-x64/) and into its ToolTask (tasks/net472/), so
// that the targets call both alike and the tool gets exactly what the in-process task would.
public sealed partial class GeneratePipelineDockerfile
{
    [Required] public string AssemblyName { get; set; } = "";

    [Required] public string ProjectFileName { get; set; } = "";

    [Required] public string TargetFileName { get; set; } = "";

    [Required] public string TargetFrameworkIdentifier { get; set; } = "";

    [Required] public string TargetFrameworkVersion { get; set; } = "";

    public string RuntimeIdentifier { get; set; } = "";

    /// <summary>$(TargetFramework), for the default tags of a multi-targeted project.</summary>
    public string TargetFramework { get; set; } = "";

    /// <summary>$(TargetFrameworks): more than one makes the project multi-targeted.</summary>
    public string TargetFrameworks { get; set; } = "";

    public bool SelfContained { get; set; }

    public bool PublishAot { get; set; }

    /// <summary>PublishSingleFile: the app is one bundle, run as its apphost whether self-contained or not.</summary>
    public bool PublishSingleFile { get; set; }

    /// <summary>RollForward: whether the app runs on a later major version of the runtime than its own.</summary>
    public string RollForward { get; set; } = "";

    /// <summary>IncludeAllContentForSelfExtract: the bundle extracts all its files when it starts.</summary>
    public bool IncludeAllContentForSelfExtract { get; set; }

    /// <summary>IncludeNativeLibrariesForSelfExtract: the bundle extracts its native libraries when it starts.</summary>
    public bool IncludeNativeLibrariesForSelfExtract { get; set; }

    public bool UsingWebSdk { get; set; }

    /// <summary>@(FrameworkReference): a reference to Microsoft.AspNetCore.App selects the aspnet base.</summary>
    public ITaskItem[] FrameworkReferences { get; set; } = [];

    /// <summary>The publish directory: every file under it goes into the image.</summary>
    [Required] public string PublishDirectory { get; set; } = "";

    /// <summary>@(ResolvedFileToPublish), with RelativePath and, for package assets, NuGetPackageId: which published files are dependencies.</summary>
    [Required] public ITaskItem[] PublishedFiles { get; set; } = [];

    /// <summary>
    /// PipelineImagePlatforms with a publish per runtime identifier: every platform's @(ResolvedFileToPublish), with
    /// PipelineImagePlatform, PipelineImageRuntimeIdentifier and PipelineImagePublishDirectory; empty: the one publish serves every platform.
    /// </summary>
    public ITaskItem[] PlatformPublishedFiles { get; set; } = [];

    /// <summary>PipelineImageBaseVerificationKey: cosign.pub of the base's signer; empty: the base is not verified.</summary>
    public string BaseVerificationKey { get; set; } = "";

    /// <summary>$(MSBuildProjectDirectory): relative paths of items and properties start here.</summary>
    [Required] public string ProjectDirectory { get; set; } = "";

    /// <summary>PipelineImageIncludeSourceFiles: send the source tree under the context root to /src.</summary>
    public bool IncludeSourceFiles { get; set; }

    /// <summary>PipelineImageContextRoot; empty: the repository root with source files, else the project directory.</summary>
    public string ContextRoot { get; set; } = "";

    /// <summary>@(DockerIgnoreFile), applied in order.</summary>
    public ITaskItem[] DockerIgnoreFiles { get; set; } = [];

    /// <summary>@(PipelineImageFile), with optional Destination metadata.</summary>
    public ITaskItem[] ExtraFiles { get; set; } = [];

    /// <summary>Where the Dockerfile goes: $(IntermediateOutputPath)pipelineimage/.</summary>
    [Required] public string OutputDirectory { get; set; } = "";

    public string ImageName { get; set; } = "";

    /// <summary>PipelineImageRegistry: prefix of the image name.</summary>
    public string Registry { get; set; } = "";

    public string WorkingDirectory { get; set; } = "";

    public string User { get; set; } = "";

    /// <summary>PipelineImageWritableWorkingDirectory: true gives the user the working directory.</summary>
    public bool WritableWorkingDirectory { get; set; }

    /// <summary>@(PipelineImageWritableDirectory): more directories the user owns.</summary>
    public ITaskItem[] WritableDirectories { get; set; } = [];

    public string EntrypointMode { get; set; } = "";

    /// <summary>@(PipelineImageEntrypoint): the custom entrypoint, one argument an item.</summary>
    public ITaskItem[] Entrypoint { get; set; } = [];

    /// <summary>@(PipelineImageDefaultArg): CMD.</summary>
    public ITaskItem[] DefaultArgs { get; set; } = [];

    /// <summary>@(PipelineImageEnvironmentVariable), with Value metadata.</summary>
    public ITaskItem[] ImageEnvironmentVariables { get; set; } = [];

    /// <summary>@(PipelineImageLabel), with Value metadata.</summary>
    public ITaskItem[] Labels { get; set; } = [];

    /// <summary>@(PipelineImagePort), with optional Type metadata.</summary>
    public ITaskItem[] Ports { get; set; } = [];

    /// <summary>PipelineImageGenerateLabels: false turns the OCI labels off.</summary>
    public string GenerateLabels { get; set; } = "";

    /// <summary>$(Product), for org.opencontainers.image.title.</summary>
    public string Title { get; set; } = "";

    public string Description { get; set; } = "";

    public string RepositoryUrl { get; set; } = "";

    /// <summary>$(SourceRevisionId), for org.opencontainers.image.revision.</summary>
    public string SourceRevisionId { get; set; } = "";

    public string[] ImageTags { get; set; } = [];

    public string Version { get; set; } = "";

    public string BaseImage { get; set; } = "";

    /// <summary>@(PipelineRequirement), with optional Manager and Version metadata.</summary>
    public ITaskItem[] Requirements { get; set; } = [];

    /// <summary>@(PipelineImageIntegration) (the catalog, then the project's own), empty when integrations are off.</summary>
    public ITaskItem[] Integrations { get; set; } = [];

    public string OsPackageManager { get; set; } = "";

    /// <summary>PipelineImageBaseHasPython: true, false or empty (guess from the base image).</summary>
    public string BaseHasPython { get; set; } = "";

    public string PipIndexUrl { get; set; } = "";

    public string[] PipExtraIndexUrls { get; set; } = [];

    public string[] PipFindLinks { get; set; } = [];

    /// <summary>PipelineImagePipNetrcSecret: the id of the PipelineImageSecret pip reads its netrc from.</summary>
    public string PipNetrcSecret { get; set; } = "";

    /// <summary>PipelineImageAptAuthSecret: the id of the PipelineImageSecret apt reads its auth.conf from.</summary>
    public string AptAuthSecret { get; set; } = "";

    /// <summary>PipelineImageParentDockerfile, relative to the project directory.</summary>
    public string ParentDockerfile { get; set; } = "";

    /// <summary>PipelineImageParentContext; empty: the parent Dockerfile's directory.</summary>
    public string ParentContext { get; set; } = "";

    /// <summary>@(PipelineImageParentBuildArg), with Value metadata.</summary>
    public ITaskItem[] ParentBuildArgs { get; set; } = [];

    /// <summary>@(PipelineImageSecret), with Environment or File metadata: secrets for RUN steps' secret mounts.</summary>
    public ITaskItem[] Secrets { get; set; } = [];

    /// <summary>PipelineImageNetwork, checked here with every other setting (the build uses it).</summary>
    public string Network { get; set; } = "";

    /// <summary>PipelineImagePull, checked here with every other setting (the build uses it).</summary>
    public string Pull { get; set; } = "";

    /// <summary>PipelineImagePlatform, part of what the parent image's tag stands for.</summary>
    public string Platform { get; set; } = "";

    /// <summary>PipelineImagePlatforms: an image per platform and an index over them.</summary>
    public string Platforms { get; set; } = "";

    /// <summary>PipelineImageSkipBuild: also write the context as context.tar, to build by hand.</summary>
    public bool SkipBuild { get; set; }

    /// <summary>PipelineImagePush, for the plan (the build needs no engine for a push); without a build (SkipBuild) it has nothing to push, which is worth a warning.</summary>
    public bool Push { get; set; }

    /// <summary>PipelineImageArchiveOutputPath, for the plan: an archive is written after the build, which needs no engine for one.</summary>
    public string ArchiveOutputPath { get; set; } = "";

    /// <summary>PipelineImageArchiveFormat, checked here with every other setting: an index goes only into an OCI layout (<c>oci</c>).</summary>
    public string ArchiveFormat { get; set; } = "";

    /// <summary>PipelineImageBuilder: auto, buildkit or classic.</summary>
    public string Builder { get; set; } = "";

    /// <summary>PipelineImageNoCache: build every step anew.</summary>
    public bool NoCache { get; set; }

    [Output] public string DockerfilePath { get; set; } = "";

    /// <summary>plan.json, for the build task.</summary>
    [Output] public string PlanPath { get; set; } = "";
}
