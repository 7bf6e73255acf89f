namespace PipelineImage.Requirements;

/// <summary>What a <see cref="RequirementItem"/> turned out to be, see <see cref="RequirementClassifier"/>.</summary>
/// <param name="Item">The item as the user wrote it.</param>
internal abstract record ResolvedRequirement(RequirementItem Item);

/// <summary>An OS package, with an optional version to pin.</summary>
/// <param name="Item">The item as the user wrote it.</param>
/// <param name="Manager">The manager the item names, or null when it leaves it to the image.</param>
/// <param name="Name">The package name (the Include).</param>
/// <param name="Version">The version to pin; empty: whatever the manager picks.</param>
internal sealed record OsPackageRequirement(RequirementItem Item, OsPackageManager? Manager, string Name, string Version)
    : ResolvedRequirement(Item);

/// <summary>
/// A file of OS package names, one a line, read when the plan is made
/// (see <see cref="RequirementPlanner.ParsePackageList"/>).
/// </summary>
/// <param name="Item">The item as the user wrote it.</param>
/// <param name="Manager">The manager the item names, or null when it leaves it to the image.</param>
/// <param name="SourcePath">The file's full path.</param>
internal sealed record OsPackageListFile(RequirementItem Item, OsPackageManager? Manager, string SourcePath)
    : ResolvedRequirement(Item);

/// <summary>A PEP 508 requirement specifier passed to <c>pip install</c>.</summary>
/// <param name="Item">The item as the user wrote it.</param>
/// <param name="Requirement">The parsed, normalized specifier.</param>
internal sealed record PipSpecifierRequirement(RequirementItem Item, PipRequirement Requirement) : ResolvedRequirement(Item);

/// <summary>A pip requirements file, copied into the build context and passed to <c>pip install -r</c>.</summary>
/// <param name="Item">The item as the user wrote it.</param>
/// <param name="SourcePath">The file's full path.</param>
internal sealed record PipRequirementsFile(RequirementItem Item, string SourcePath) : ResolvedRequirement(Item);

/// <summary>One OS package to install, after package list files are read.</summary>
/// <param name="Name">The package name.</param>
/// <param name="Version">The version to pin; empty: whatever the manager picks.</param>
/// <param name="Origin">Where it was asked for, for error messages, such as <c>PipelineRequirement 'ffmpeg'</c>.</param>
internal sealed record OsPackage(string Name, string Version, string Origin);
