using PipelineImage.Context;
using PipelineImage.Dockerfile;

namespace PipelineImage.Requirements;

/// <summary>What the requirements add to the image.</summary>
/// <param name="Instructions">
/// The instructions to insert after FROM and WORKDIR and before the app's COPY layers (and its final USER);
/// they start with <c>USER root</c>. Empty when there are no requirements.
/// </param>
/// <param name="Context">Files to add to the build context (pip requirements files), sorted by context path.</param>
/// <param name="Manager">The OS package manager used, or null when no OS package is installed.</param>
/// <param name="OsPackages">The OS packages installed, sorted by name, as rendered (<c>name=version</c>).</param>
/// <param name="PipRequirements">The pip requirement specifiers installed, sorted, as rendered.</param>
internal sealed record RequirementPlan(
    IReadOnlyList<Instruction> Instructions,
    IReadOnlyList<ContextEntry> Context,
    OsPackageManager? Manager,
    IReadOnlyList<string> OsPackages,
    IReadOnlyList<string> PipRequirements)
{
    /// <summary>The integrations detected for the app's NuGet packages, sorted by package id, and what each added.</summary>
    public IReadOnlyList<IntegrationMatch> Integrations { get; init; } = [];

    public static RequirementPlan Empty { get; } = new([], [], null, [], []);

    /// <summary>What the build log says at normal verbosity: each integration detected, the OS and pip packages.</summary>
    public IEnumerable<string> Describe()
    {
        foreach (var match in Integrations)
        {
            var integration = match.Integration;
            var added = match.Added.Count > 0 ? "adds " + string.Join(" ", match.Added) : "adds nothing for this base image's package manager";
            yield return $"PipelineImage integration {integration.PackageId} {match.PackageVersion}: {added}"
                         + (integration.Reason.Length > 0 ? $" ({integration.Reason})" : "");
        }

        if (Manager is { } manager)
        {
            yield return $"PipelineImage OS packages ({manager.Name()}): {string.Join(" ", OsPackages)}";
        }

        if (PipRequirements.Count > 0 || Context.Count > 0)
        {
            yield return "PipelineImage pip requirements: " + string.Join(" ", PipRequirements.Concat(Context.Select(file => "-r " + file.SourcePath)));
        }
    }
}

/// <summary>One package line of a package list file.</summary>
/// <param name="Line">The 1-based line number.</param>
/// <param name="Name">The package name.</param>
/// <param name="Version">Empty when the line has no <c>=version</c>.</param>
internal sealed record PackageListEntry(int Line, string Name, string Version);
