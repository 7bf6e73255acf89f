namespace PipelineImage.Planning;

/// <summary>The user's image settings (PipelineImage* properties and items); empty values take the documented defaults.</summary>
internal sealed record ImageSettings
{
    /// <summary>PipelineImageName; empty: derived from the AssemblyName.</summary>
    public string Name { get; init; } = "";

    /// <summary>PipelineImageRegistry: prefix of the name (<c>registry.example.com/team</c>); empty: none.</summary>
    public string Registry { get; init; } = "";

    /// <summary>PipelineImageTags; empty: the project's Version and <c>latest</c>.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>
    /// The target framework of one build of a multi-targeted project (empty otherwise): the default tags become
    /// <c>&lt;version&gt;-&lt;framework&gt;</c> and <c>&lt;framework&gt;</c>, so no framework's image takes another's tags.
    /// </summary>
    public string FrameworkVariant { get; init; } = "";

    /// <summary>The project's Version, for the default tag and the version label.</summary>
    public string Version { get; init; } = "";

    /// <summary>PipelineImageBase; empty: chosen by <see cref="BaseImage.Choose"/>.</summary>
    public string BaseImage { get; init; } = "";

    /// <summary>PipelineImageWorkingDirectory: where the app is copied and the process starts; empty: <c>/app</c>.</summary>
    public string WorkingDirectory { get; init; } = "";

    /// <summary>PipelineImageUser: the user the image runs as, a name or uid[:gid]; empty: <c>app</c>.</summary>
    public string User { get; init; } = "";

    /// <summary>PipelineImageWritableWorkingDirectory: the user owns the working directory; default false (root's, read-only to the app).</summary>
    public bool WritableWorkingDirectory { get; init; }

    /// <summary>@(PipelineImageWritableDirectory): more directories the user owns, absolute or relative to the working directory.</summary>
    public IReadOnlyList<string> WritableDirectories { get; init; } = [];

    /// <summary>PipelineImageEntrypointMode: <c>app</c>, <c>none</c> or <c>custom</c>; empty: custom when there is a command, else app.</summary>
    public string EntrypointMode { get; init; } = "";

    /// <summary>@(PipelineImageEntrypoint): the custom entrypoint, one argument an item.</summary>
    public IReadOnlyList<string> Entrypoint { get; init; } = [];

    /// <summary>@(PipelineImageDefaultArg): CMD, the default arguments (or the default command without an entrypoint).</summary>
    public IReadOnlyList<string> DefaultArgs { get; init; } = [];

    /// <summary>@(PipelineImageEnvironmentVariable): name and Value metadata, in order; a later one wins.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> EnvironmentVariables { get; init; } = [];

    /// <summary>@(PipelineImageLabel): key and Value metadata; a later one wins, also over the generated ones.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; init; } = [];

    /// <summary>@(PipelineImagePort): port number and Type metadata (<c>tcp</c>, the default, or <c>udp</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Ports { get; init; } = [];

    /// <summary>PipelineImageGenerateLabels: add the OCI labels from <see cref="Project"/>; default true.</summary>
    public bool GenerateLabels { get; init; } = true;

    /// <summary>What the OCI labels describe.</summary>
    public ProjectInfo Project { get; init; } = new();
}

/// <summary>The project facts behind the generated OCI labels; empty ones are left out.</summary>
/// <param name="Title">org.opencontainers.image.title: the project's name.</param>
/// <param name="Description">org.opencontainers.image.description: the project's Description.</param>
/// <param name="RepositoryUrl">org.opencontainers.image.source: RepositoryUrl, without any credentials in it.</param>
/// <param name="Revision">org.opencontainers.image.revision: SourceRevisionId (the commit).</param>
internal sealed record ProjectInfo(string Title = "", string Description = "", string RepositoryUrl = "", string Revision = "");
