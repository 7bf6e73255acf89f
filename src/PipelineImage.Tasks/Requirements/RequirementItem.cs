namespace PipelineImage.Requirements;

/// <summary>
/// One <c>&lt;PipelineRequirement&gt;</c> item as the user wrote it. <see cref="RequirementClassifier"/> decides what
/// it is (an OS package, an OS package list file, a pip requirement specifier or a pip requirements file).
/// </summary>
internal sealed record RequirementItem
{
    /// <summary>The item's Include: a package, a pip requirement specifier or a file path.</summary>
    public required string Include { get; init; }

    /// <summary>
    /// The project file that defines the item (MSBuild's <c>DefiningProjectFullPath</c>), named in error messages;
    /// relative file paths in <see cref="Include"/> are resolved against its directory.
    /// </summary>
    public required string ProjectFile { get; init; }

    /// <summary><c>Manager</c> metadata: <c>pip</c>, <c>apt</c>, <c>apk</c>, <c>tdnf</c> or empty (an OS package).</summary>
    public string Manager { get; init; } = "";

    /// <summary><c>Version</c> metadata: an OS package version to pin, or for pip the version for <c>==</c>.</summary>
    public string Version { get; init; } = "";

    /// <summary>
    /// MSBuild's <c>FullPath</c> metadata, used for files; empty: <see cref="Include"/> resolved against the
    /// directory of <see cref="ProjectFile"/>.
    /// </summary>
    public string FullPath { get; init; } = "";

    /// <summary>How errors name the item: <c>PipelineRequirement 'x'</c>.</summary>
    public override string ToString() => $"PipelineRequirement '{Include}'";
}
