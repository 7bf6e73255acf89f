namespace PipelineImage.Requirements;

/// <summary>
/// One entry of the integrations catalog: a NuGet package whose Linux native assets need OS packages that the .NET
/// runtime-deps image does not have. The catalog is data (<c>PipelineImageIntegration</c> items shipped in
/// <c>build/PipelineImage.Integrations.props</c>), and a project adds, changes or removes entries with the same items.
/// </summary>
/// <param name="PackageId">The NuGet package id, compared case-insensitively.</param>
/// <param name="Packages">The OS packages to install, per manager; a manager without an entry adds nothing.</param>
/// <param name="Reason">Why, for the build log (such as <c>libSkiaSharp.so links libfontconfig.so.1</c>).</param>
/// <param name="DefinedIn">The file that defines the entry, named in error messages.</param>
public sealed record Integration(
    string PackageId, IReadOnlyDictionary<OsPackageManager, IReadOnlyList<string>> Packages, string Reason, string DefinedIn)
{
    /// <summary>The packages for a manager, empty when the entry has none for it.</summary>
    public IReadOnlyList<string> For(OsPackageManager manager) => Packages.TryGetValue(manager, out var packages) ? packages : [];

    public override string ToString() => $"PipelineImageIntegration '{PackageId}'";
}

/// <summary>A catalog entry for a package the app uses, and what it added to the image.</summary>
/// <param name="Integration">The catalog entry.</param>
/// <param name="PackageVersion">The version of the NuGet package the app uses, for the log; may be empty.</param>
/// <param name="Added">The OS packages it added, as installed; empty when the entry has none for the manager.</param>
public sealed record IntegrationMatch(Integration Integration, string PackageVersion, IReadOnlyList<string> Added);

/// <summary>Finds the catalog entries for the NuGet packages an app uses.</summary>
public static class IntegrationCatalog
{
    /// <summary>
    /// The entries whose package the app uses, sorted by package id. When the catalog has several entries for one
    /// package (the shipped one, then the project's), the last one wins.
    /// </summary>
    /// <param name="catalog">The entries, in the order MSBuild evaluated them.</param>
    /// <param name="usedPackages">The NuGet packages (id and version) the app's published files come from.</param>
    public static IReadOnlyList<(Integration Integration, string PackageVersion)> Detect(
        IEnumerable<Integration> catalog, IEnumerable<(string Id, string Version)> usedPackages)
    {
        var entries = new Dictionary<string, Integration>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in catalog)
        {
            entries[entry.PackageId.Trim()] = entry;
        }

        return usedPackages
            .Where(package => package.Id.Length > 0)
            .DistinctBy(package => package.Id, StringComparer.OrdinalIgnoreCase)
            .Where(package => entries.ContainsKey(package.Id))
            .Select(package => (entries[package.Id], package.Version))
            .OrderBy(match => match.Item1.PackageId, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    /// <summary>Splits a package list as written in item metadata: separated by spaces, tabs, commas or semicolons.</summary>
    public static IReadOnlyList<string> SplitList(string value) =>
        value.Split([' ', '\t', '\r', '\n', ',', ';'], StringSplitOptions.RemoveEmptyEntries);
}
