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
internal sealed record Integration(
    string PackageId, IReadOnlyDictionary<OsPackageManager, IReadOnlyList<string>> Packages, string Reason, string DefinedIn)
{
    /// <summary>
    /// The NuGet package versions the entry applies to, in NuGet's interval notation (<c>[4.0.0,7.0.0)</c>; a bare
    /// version is its minimum); empty: every version.
    /// </summary>
    public string Versions { get; init; } = "";

    /// <summary>Whether the entry applies to this version of the package (an empty or unreadable version: yes).</summary>
    /// <exception cref="Diagnostics.PipelineImageException">PIMG5017 when <see cref="Versions"/> is not an interval.</exception>
    public bool AppliesTo(string packageVersion) => PackageVersions.Contains(Versions, packageVersion)
        ?? throw new Diagnostics.PipelineImageException(Diagnostics.DiagnosticCodes.InvalidIntegrationVersions, PackageId, Versions, DefinedIn);

    /// <summary>The packages for a manager, empty when the entry has none for it.</summary>
    public IReadOnlyList<string> For(OsPackageManager manager) => Packages.TryGetValue(manager, out var packages) ? packages : [];

    public override string ToString() => $"PipelineImageIntegration '{PackageId}'";
}

/// <summary>A catalog entry for a package the app uses, and what it added to the image.</summary>
/// <param name="Integration">The catalog entry.</param>
/// <param name="PackageVersion">The version of the NuGet package the app uses, for the log; may be empty.</param>
/// <param name="Added">The OS packages it added, as installed; empty when the entry has none for the manager.</param>
internal sealed record IntegrationMatch(Integration Integration, string PackageVersion, IReadOnlyList<string> Added);

/// <summary>Finds the catalog entries for the NuGet packages an app uses.</summary>
internal static class IntegrationCatalog
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
            .Where(package => entries.TryGetValue(package.Id, out var entry) && entry.AppliesTo(package.Version))
            .Select(package => (entries[package.Id], package.Version))
            .OrderBy(match => match.Item1.PackageId, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    /// <summary>Splits a package list as written in item metadata: separated by spaces, tabs, commas or semicolons.</summary>
    public static IReadOnlyList<string> SplitList(string value) =>
        value.Split([' ', '\t', '\r', '\n', ',', ';'], StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>
/// NuGet's version intervals, as far as the catalog needs them: <c>[a,b)</c>, <c>(a,b]</c>, <c>[a,]</c>, <c>(,b)</c>,
/// <c>[a]</c>, and a bare <c>a</c> (at least a). Versions compare by their numbers; a pre-release counts as its
/// release (<c>7.0.0-preview.1</c> as <c>7.0.0</c>), which errs on the side of the later version. Written here rather
/// than taken from NuGet.Versioning: that assembly is loaded by MSBuild itself, in another version.
/// </summary>
internal static class PackageVersions
{
    /// <summary>Whether the interval holds the version; null when the interval is not one.</summary>
    public static bool? Contains(string interval, string version)
    {
        interval = interval.Trim();
        if (interval.Length == 0)
        {
            return true;
        }

        if (interval[0] is not ('[' or '('))
        {
            return Parse(interval) is { } minimum ? Parse(version) is not { } v || v >= minimum : null;
        }

        if (interval[^1] is not (']' or ')'))
        {
            return null;
        }

        var bounds = interval[1..^1].Split(',');
        var (includeLow, includeHigh) = (interval[0] == '[', interval[^1] == ']');
        if (bounds.Length == 1)
        {
            return includeLow && includeHigh && Parse(bounds[0]) is { } exact ? Parse(version) is not { } v || v == exact : null;
        }

        if (bounds.Length != 2)
        {
            return null;
        }

        if (!TryBound(bounds[0], out var low) || !TryBound(bounds[1], out var high))
        {
            return null;
        }

        if (Parse(version) is not { } value)
        {
            return true;
        }

        return (low is null || (includeLow ? value >= low : value > low)) && (high is null || (includeHigh ? value <= high : value < high));
    }

    // An empty bound is open; anything else must be a version.
    private static bool TryBound(string text, out Version? bound)
    {
        bound = text.Trim().Length == 0 ? null : Parse(text);
        return bound is not null || text.Trim().Length == 0;
    }

    private static Version? Parse(string text)
    {
        var numbers = text.Trim().Split('-', '+')[0];
        return Version.TryParse(numbers.Contains('.') ? numbers : numbers + ".0", out var v)
            ? new Version(v.Major, v.Minor, Math.Max(v.Build, 0), Math.Max(v.Revision, 0)) // 4.0 is 4.0.0
            : null;
    }
}
