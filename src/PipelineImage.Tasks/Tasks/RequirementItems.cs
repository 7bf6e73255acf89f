using Microsoft.Build.Framework;
using PipelineImage.Requirements;

namespace PipelineImage.Tasks;

/// <summary>Maps PipelineRequirement and PipelineImageIntegration items to the requirements core.</summary>
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
        item.GetMetadata("DefiningProjectFullPath")) { Versions = item.GetMetadata("Versions") };

    /// <summary>The NuGet package (id and version) a published file comes from; empty for the app's own files.</summary>
    public static (string Id, string Version) PackageOf(ITaskItem publishedFile) =>
        (publishedFile.GetMetadata("NuGetPackageId"), publishedFile.GetMetadata("NuGetPackageVersion"));
}
