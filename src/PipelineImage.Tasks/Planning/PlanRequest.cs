using PipelineImage.Requirements;

namespace PipelineImage.Planning;

/// <summary>
/// What GeneratePipelineDockerfile's parameters say, typed: the one input of <see cref="Intermediate.PlanWriter"/>.
/// The values are as the project gives them; the writer validates them, and reports every problem of one publish
/// together.
/// </summary>
internal sealed record PlanRequest
{
    /// <summary>The published app.</summary>
    public required PublishedApp App { get; init; }

    /// <summary>
    /// PipelineImagePlatforms with a publish per runtime identifier: each platform's own publish, by platform
    /// (<c>linux/arm64</c>); empty: <see cref="App"/> serves every platform.
    /// </summary>
    public IReadOnlyDictionary<string, PublishedApp> PlatformApps { get; init; } = new Dictionary<string, PublishedApp>();

    /// <summary>The image's name, tags, base and configuration.</summary>
    public required ImageSettings Settings { get; init; }

    /// <summary>Where plan.json, the Dockerfiles, context.txt and hashes.tsv go.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The project's directory: relative paths of secrets, extra files and the parent are from here.</summary>
    public required string ProjectDirectory { get; init; }

    /// <summary>The PipelineRequirement items.</summary>
    public IReadOnlyList<RequirementItem> Requirements { get; init; } = [];

    /// <summary>How requirements are installed (package manager, pip's indexes, their secrets).</summary>
    public RequirementSettings RequirementSettings { get; init; } = new();

    /// <summary>The integrations catalog (PipelineImageIntegration items).</summary>
    public IReadOnlyList<Integration> Integrations { get; init; } = [];

    /// <summary>The NuGet package (id and version) of each published file; empty for the app's own.</summary>
    public IReadOnlyList<(string Id, string Version)> PublishedPackages { get; init; } = [];

    /// <summary>PipelineImageSecret items.</summary>
    public IReadOnlyList<SecretItem> Secrets { get; init; } = [];

    /// <summary>PipelineImageIncludeSourceFiles: the project's files go into the image at /src.</summary>
    public bool IncludeSourceFiles { get; init; }

    /// <summary>PipelineImageContextRoot; empty: the project's directory.</summary>
    public string ContextRoot { get; init; } = "";

    /// <summary>DockerIgnoreFile items: as written, and their full paths.</summary>
    public IReadOnlyList<(string Item, string FullPath)> DockerIgnoreFiles { get; init; } = [];

    /// <summary>PipelineImageFile items.</summary>
    public IReadOnlyList<ExtraFileItem> ExtraFiles { get; init; } = [];

    /// <summary>PipelineImageParentDockerfile, PipelineImageParentContext and PipelineImageParentBuildArg items.</summary>
    public string ParentDockerfile { get; init; } = "";

    public string ParentContext { get; init; } = "";

    public IReadOnlyList<KeyValuePair<string, string>> ParentBuildArgs { get; init; } = [];

    /// <summary>PipelineImageNetwork, PipelineImagePull, PipelineImagePlatform, PipelineImageBuilder.</summary>
    public string Network { get; init; } = "";

    public string Pull { get; init; } = "";

    public string Platform { get; init; } = "";

    /// <summary>PipelineImagePlatforms: an image per platform and an index over them (<see cref="ImagePlatforms"/>).</summary>
    public string Platforms { get; init; } = "";

    public string Builder { get; init; } = "";

    public bool NoCache { get; init; }

    /// <summary>PipelineImageSkipBuild: the context tar and the commands that build it by hand.</summary>
    public bool SkipBuild { get; init; }

    /// <summary>PipelineImagePush (which a skipped build makes meaningless).</summary>
    public bool Push { get; init; }

    /// <summary>Whether PipelineImageArchiveOutputPath is set: an archive is written after the build.</summary>
    public bool Archive { get; init; }

    /// <summary>PipelineImageArchiveFormat (<see cref="ArchiveFormats.Parse"/>): docker or oci.</summary>
    public string ArchiveFormat { get; init; } = "";

    /// <summary>The build's environment (secrets' variables, SOURCE_DATE_EPOCH).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;
}
