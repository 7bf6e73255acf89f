using System.Text.Json;
using PipelineImage.Engine;

namespace PipelineImage.Sbom;

/// <summary>A package in the image: its package URL (purl) says the ecosystem, name and version.</summary>
/// <param name="Ecosystem">nuget, deb, apk or pypi.</param>
/// <param name="Name">The package's name as its ecosystem writes it.</param>
/// <param name="Version">Its version.</param>
/// <param name="Purl">The package URL.</param>
internal sealed record Package(string Ecosystem, string Name, string Version, string Purl);

/// <summary>
/// Reads what the image holds from the files that say so: project.assets.json for the NuGet packages whose assets are
/// published, dpkg's status or apk's installed database for the OS packages, the venv's <c>*.dist-info/METADATA</c>
/// for the pip packages. Pure: text in, packages out, sorted by purl.
/// </summary>
internal static class Inventory
{
    private const string OsRelease = "/usr/lib/os-release", EtcOsRelease = "/etc/os-release", DpkgStatus = "/var/lib/dpkg/status",
        ApkInstalled = "/lib/apk/db/installed";

    /// <summary>The image's files that say what it holds: os-release, dpkg's or apk's database, the venv's package metadata.</summary>
    public static IReadOnlyList<FileQuery> Queries { get; } =
    [
        new FileQuery(OsRelease), new FileQuery(EtcOsRelease), new FileQuery(DpkgStatus), new FileQuery(ApkInstalled),
        new FileQuery(Requirements.RequirementPlanner.VenvDirectory + "/lib", IsPipMetadata),
    ];

    /// <summary>Whether a path in the image is one of <see cref="Queries"/>' files.</summary>
    public static bool Wanted(string path) =>
        Queries.Any(query => (path == query.Path || path.StartsWith(query.Path + "/", StringComparison.Ordinal)) && query.Wanted(path));

    /// <summary>The OS and pip packages of an image, from its files that <see cref="Queries"/> found.</summary>
    public static (IReadOnlyList<Package> Os, IReadOnlyList<Package> Pip) OfImage(IReadOnlyList<ImageFile> files)
    {
        string? Text(string path) => files.FirstOrDefault(file => file.Path == path)?.Text;
        var release = Text(OsRelease) ?? Text(EtcOsRelease);
        var os = Text(DpkgStatus) is { } dpkg ? Dpkg(dpkg, Distro(release, "debian"))
            : Text(ApkInstalled) is { } apk ? Apk(apk, Distro(release, "alpine"))
            : [];
        return (os, Pip(files.Where(file => IsPipMetadata(file.Path)).Select(file => file.Text)));
    }

    private static bool IsPipMetadata(string path) => path.EndsWith(".dist-info/METADATA", StringComparison.Ordinal);

    /// <summary>
    /// The packages of project.assets.json's target (<c>tfm</c> or <c>tfm/rid</c>) that bring files into the app (runtime,
    /// native or resource assets): a package that only builds (PipelineImage.Tasks, analyzers) is not in the image.
    /// </summary>
    public static IReadOnlyList<Package> NuGet(string assetsJson, string targetFramework, string runtimeIdentifier)
    {
        using var assets = JsonDocument.Parse(assetsJson);
        var targets = assets.RootElement.GetProperty("targets");
        var key = runtimeIdentifier.Length > 0 ? $"{targetFramework}/{runtimeIdentifier}" : targetFramework;
        if (!targets.TryGetProperty(key, out var target))
        {
            return [];
        }

        var packages = new List<Package>();
        foreach (var library in target.EnumerateObject())
        {
            if (library.Value.TryGetProperty("type", out var type) && type.GetString() == "package" && BringsFiles(library.Value))
            {
                var (name, version) = (library.Name[..library.Name.IndexOf('/')], library.Name[(library.Name.IndexOf('/') + 1)..]);
                packages.Add(new Package("nuget", name, version, $"pkg:nuget/{Uri.EscapeDataString(name)}@{Uri.EscapeDataString(version)}"));
            }
        }

        return Sorted(packages);
    }

    private static bool BringsFiles(JsonElement library) =>
        new[] { "runtime", "native", "resource", "runtimeTargets" }.Any(group =>
            library.TryGetProperty(group, out var assets) && assets.EnumerateObject().Any(asset => !asset.Name.EndsWith("/_._", StringComparison.Ordinal)));

    /// <summary>Installed packages of dpkg's status file (<c>/var/lib/dpkg/status</c>), as pkg:deb/&lt;distro&gt;/.</summary>
    public static IReadOnlyList<Package> Dpkg(string status, string distro) =>
        Sorted(Paragraphs(status)
            .Where(fields => fields.TryGetValue("Status", out var state) && state.EndsWith(" installed", StringComparison.Ordinal))
            .Where(fields => fields.ContainsKey("Package") && fields.ContainsKey("Version"))
            .Select(fields => new Package("deb", fields["Package"], fields["Version"],
                $"pkg:deb/{distro}/{fields["Package"]}@{Uri.EscapeDataString(fields["Version"])}"
                + (fields.TryGetValue("Architecture", out var arch) ? $"?arch={arch}" : ""))));

    /// <summary>apk's installed database (<c>/lib/apk/db/installed</c>: P, V and A lines), as pkg:apk/&lt;distro&gt;/.</summary>
    public static IReadOnlyList<Package> Apk(string installed, string distro) =>
        Sorted(installed.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(block => block.Split('\n').Where(line => line.Length > 2 && line[1] == ':').GroupBy(line => line[0]).ToDictionary(g => g.Key, g => g.First()[2..]))
            .Where(fields => fields.ContainsKey('P') && fields.ContainsKey('V'))
            .Select(fields => new Package("apk", fields['P'], fields['V'],
                $"pkg:apk/{distro}/{fields['P']}@{Uri.EscapeDataString(fields['V'])}" + (fields.TryGetValue('A', out var arch) ? $"?arch={arch}" : ""))));

    /// <summary>The pip packages of a venv: each <c>*.dist-info/METADATA</c>'s Name and Version, as pkg:pypi/ (normalized names).</summary>
    public static IReadOnlyList<Package> Pip(IEnumerable<string> metadataFiles) =>
        Sorted(metadataFiles.Select(Headers)
            .Where(fields => fields.ContainsKey("Name") && fields.ContainsKey("Version"))
            .Select(fields => new Package("pypi", fields["Name"], fields["Version"],
                $"pkg:pypi/{System.Text.RegularExpressions.Regex.Replace(fields["Name"], "[-_.]+", "-").ToLowerInvariant()}@{Uri.EscapeDataString(fields["Version"])}")));

    /// <summary>The distribution's ID from /etc/os-release (debian, ubuntu, alpine, ...); <paramref name="fallback"/> without one.</summary>
    public static string Distro(string? osRelease, string fallback) =>
        osRelease?.Split('\n').Select(line => line.Trim()).FirstOrDefault(line => line.StartsWith("ID=", StringComparison.Ordinal)) is { } id
            ? id[3..].Trim('"') : fallback;

    private static IReadOnlyList<Package> Sorted(IEnumerable<Package> packages) =>
        packages.DistinctBy(package => package.Purl).OrderBy(package => package.Purl, StringComparer.Ordinal).ToList();

    // RFC 822-style paragraphs; continuation lines (a leading space) belong to the field before.
    private static IEnumerable<Dictionary<string, string>> Paragraphs(string text) =>
        text.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(Headers);

    private static Dictionary<string, string> Headers(string block)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in block.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (line.Length == 0)
            {
                break; // the body of a METADATA file starts here
            }

            var colon = line.IndexOf(':');
            if (colon > 0 && !char.IsWhiteSpace(line[0]))
            {
                fields.TryAdd(line[..colon], line[(colon + 1)..].Trim());
            }
        }

        return fields;
    }
}
