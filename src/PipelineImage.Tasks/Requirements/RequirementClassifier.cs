using PipelineImage.Diagnostics;

namespace PipelineImage.Requirements;

/// <summary>
/// Decides what a <see cref="RequirementItem"/> is, from its Manager metadata and the shape of its Include:
/// <list type="table">
/// <item><term>Manager="pip", a file</term><description>a pip requirements file (<see cref="PipRequirementsFile"/>)</description></item>
/// <item><term>Manager="pip", otherwise</term><description>a requirement specifier (<see cref="PipSpecifierRequirement"/>)</description></item>
/// <item><term>Manager apt/apk/tdnf or empty, a file</term><description>an OS package list (<see cref="OsPackageListFile"/>)</description></item>
/// <item><term>Manager apt/apk/tdnf or empty, otherwise</term><description>one OS package (<see cref="OsPackageRequirement"/>)</description></item>
/// </list>
/// The Include is a file when it ends with <c>.txt</c> (in any case) or holds <c>/</c> or <c>\</c>, and does not hold
/// <c>://</c> (a URL is never a file; as a requirement it is then refused). No package name of apt, apk, tdnf
/// or pip holds a path separator, so only a package whose name ends in <c>.txt</c> cannot be named directly.
/// Manager is compared case-insensitively; Include and Version are used as given (not trimmed).
/// </summary>
internal static class RequirementClassifier
{
    public const string PipManager = "pip";

    /// <exception cref="PipelineImageException">
    /// PIMG5001 for an unknown Manager, PIMG5009 for an invalid pip specifier, PIMG5014 for Version on a file.
    /// OS package names and versions are checked later, when the manager is known.
    /// </exception>
    public static ResolvedRequirement Classify(RequirementItem item)
    {
        var manager = item.Manager.Trim();
        var isPip = string.Equals(manager, PipManager, StringComparison.OrdinalIgnoreCase);
        OsPackageManager? osManager = null;
        if (!isPip && manager.Length > 0)
        {
            if (!OsPackageManagers.TryParse(manager, out var parsed))
            {
                throw new PipelineImageException(DiagnosticCodes.UnknownRequirementManager, item.Include, item.ProjectFile, item.Manager);
            }

            osManager = parsed;
        }

        if (IsFile(item.Include))
        {
            if (item.Version.Length > 0)
            {
                throw new PipelineImageException(DiagnosticCodes.VersionOnRequirementFile, item.Include, item.ProjectFile, item.Version);
            }

            var path = SourcePath(item);
            return isPip ? new PipRequirementsFile(item, path) : new OsPackageListFile(item, osManager, path);
        }

        if (isPip)
        {
            var requirement = PipRequirement.Parse(item.Include, item.Version, out var problem)
                ?? throw new PipelineImageException(DiagnosticCodes.InvalidPipRequirement, item.Include, item.ProjectFile, problem!);
            return new PipSpecifierRequirement(item, requirement);
        }

        return new OsPackageRequirement(item, osManager, item.Include, item.Version);
    }

    /// <summary>Whether an Include names a file rather than a package (see the class summary).</summary>
    public static bool IsFile(string include) =>
        !include.Contains("://", StringComparison.Ordinal)
        && (include.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) || include.Contains('/') || include.Contains('\\'));

    // FullPath metadata when the caller has it, else the Include against the project's directory; '\' and '/' are
    // both separators, as MSBuild treats them in item specs.
    private static string SourcePath(RequirementItem item)
    {
        if (item.FullPath.Length > 0)
        {
            return item.FullPath;
        }

        var relative = item.Include.Replace('\\', '/').Replace('/', Path.DirectorySeparatorChar);
        var directory = Path.GetDirectoryName(item.ProjectFile) ?? "";
        return Path.IsPathFullyQualified(directory) ? Path.GetFullPath(relative, directory) : Path.Combine(directory, relative);
    }
}
