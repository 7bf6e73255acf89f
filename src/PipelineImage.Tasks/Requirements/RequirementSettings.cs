namespace PipelineImage.Requirements;

/// <summary>The requirement properties of the project; empty values take the documented defaults.</summary>
internal sealed record RequirementSettings
{
    /// <summary>
    /// PipelineImageOsPackageManager: <c>apt</c>, <c>apk</c> or <c>tdnf</c>; empty: guessed from the base image
    /// (<see cref="BaseImageFamily.Detect"/>).
    /// </summary>
    public string OsPackageManager { get; init; } = "";

    /// <summary>
    /// PipelineImageBaseHasPython: the base image already has <c>python3</c> with the <c>venv</c> module, so pip
    /// requirements need no OS packages; null: guessed from the base image (true for the <c>python</c> images).
    /// </summary>
    public bool? BaseHasPython { get; init; }

    /// <summary>PipelineImagePipIndexUrl: pip's <c>--index-url</c>; empty: pip's default (PyPI).</summary>
    public string PipIndexUrl { get; init; } = "";

    /// <summary>PipelineImagePipExtraIndexUrls: each one a pip <c>--extra-index-url</c>.</summary>
    public IReadOnlyList<string> PipExtraIndexUrls { get; init; } = [];

    /// <summary>PipelineImagePipFindLinks: each one a pip <c>--find-links</c>.</summary>
    public IReadOnlyList<string> PipFindLinks { get; init; } = [];

    /// <summary>
    /// PipelineImagePipNetrcSecret: the id of a build secret that holds a netrc file (<c>machine HOST login USER
    /// password TOKEN</c>), which pip reads its indexes' credentials from; empty: none.
    /// </summary>
    public string PipNetrcSecret { get; init; } = "";

    /// <summary>
    /// PipelineImageAptAuthSecret: the id of a build secret that holds an apt auth.conf (netrc lines, <c>machine HOST
    /// login USER password TOKEN</c>), which the apt step reads its repositories' credentials from; empty: none.
    /// </summary>
    public string AptAuthSecret { get; init; } = "";
}
