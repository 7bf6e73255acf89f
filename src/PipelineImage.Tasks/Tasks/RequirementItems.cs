using Microsoft.Build.Framework;
using PipelineImage.Requirements;

namespace PipelineImage.Tasks;

/// <summary>Maps PipelineRequirement and PipelineImageIntegration items to the requirements core, and its plan to log lines.</summary>
internal static class RequirementItems
{
    public static RequirementItem ToRequirement(ITaskItem item) => new()
    {
        Include = item.ItemSpec,
        ProjectFile = item.GetMetadata("DefiningProjectFullPath"),
        Manager = item.GetMetadata("Manager"),
        Version = item.GetMetadata("Version"),
        // FullPath only for what names a file: a pip specifier is no path.
        FullPath = RequirementClassifier.IsFile(item.ItemSpec) ? item.GetMetadata("FullPath") : "",
    };

    public static Integration ToIntegration(ITaskItem item) => new(
        item.ItemSpec,
        new Dictionary<OsPackageManager, IReadOnlyList<string>>
        {
            [OsPackageManager.Apt] = IntegrationCatalog.SplitList(item.GetMetadata("Apt")),
            [OsPackageManager.Apk] = IntegrationCatalog.SplitList(item.GetMetadata("Apk")),
            [OsPackageManager.Tdnf] = IntegrationCatalog.SplitList(item.GetMetadata("Tdnf")),
        },
        item.GetMetadata("Reason"),
        item.GetMetadata("DefiningProjectFullPath"));

    /// <summary>The NuGet package (id and version) a published file comes from; empty for the app's own files.</summary>
    public static (string Id, string Version) PackageOf(ITaskItem publishedFile) =>
        (publishedFile.GetMetadata("NuGetPackageId"), publishedFile.GetMetadata("NuGetPackageVersion"));

    /// <summary>What the build log says at normal verbosity: each integration detected, the OS and pip packages.</summary>
    public static IEnumerable<string> Describe(RequirementPlan requirements)
    {
        foreach (var match in requirements.Integrations)
        {
            var integration = match.Integration;
            var added = match.Added.Count > 0 ? "adds " + string.Join(" ", match.Added) : "adds nothing for this base image's package manager";
            yield return $"PipelineImage integration {integration.PackageId} {match.PackageVersion}: {added}"
                         + (integration.Reason.Length > 0 ? $" ({integration.Reason})" : "");
        }

        if (requirements.Manager is { } manager)
        {
            yield return $"PipelineImage OS packages ({manager.Name()}): {string.Join(" ", requirements.OsPackages)}";
        }

        if (requirements.PipRequirements.Count > 0 || requirements.Context.Count > 0)
        {
            yield return "PipelineImage pip requirements: "
                         + string.Join(" ", requirements.PipRequirements.Concat(requirements.Context.Select(file => "-r " + file.SourcePath)));
        }
    }
}
