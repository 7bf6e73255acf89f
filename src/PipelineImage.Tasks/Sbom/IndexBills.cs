using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Planning;

namespace PipelineImage.Sbom;

/// <summary>
/// The bills of materials of an index (PipelineImagePlatforms with PipelineImageSbom): one per platform, of that
/// platform's image (its OS and pip packages read from its own layers; the NuGet packages are every platform's, as the
/// app is), which the push attaches to that platform's manifest; and the index's, at the bill's path, whose components
/// are the platforms' images with their packages.
/// </summary>
internal static class IndexBills
{
    /// <summary>A platform's bill beside the index's: <c>sbom.linux-arm64.cdx.json</c> beside <c>sbom.cdx.json</c>.</summary>
    public static string PlatformPath(string sbomPath, string platform)
    {
        var name = Path.GetFileName(sbomPath);
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var (stem, extensions) = dot < 0 ? (name, "") : (name[..dot], name[dot..]);
        return Path.Combine(Path.GetDirectoryName(sbomPath)!, $"{stem}.{ImagePlatforms.DirectoryName(platform)}{extensions}");
    }

    /// <summary>Writes each platform's bill and the index's; each platform's path.</summary>
    /// <param name="platforms">Each platform and its manifest's digest, in the index's order.</param>
    /// <param name="readFiles">Reads files of a platform's image.</param>
    /// <param name="record">image.json: the name, the index's digest (its id) and its references.</param>
    /// <param name="sbomPath">The index's bill.</param>
    /// <param name="nuget">The app's NuGet packages on a platform (each platform's own, when it was published for its runtime identifier).</param>
    /// <param name="log">Where a line per bill goes.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    public static async Task<IReadOnlyDictionary<string, string>> WriteAsync(IReadOnlyList<(string Platform, string ManifestDigest)> platforms,
        Func<string, IReadOnlyList<FileQuery>, Task<IReadOnlyList<ImageFile>>> readFiles, ImageRecord record, string sbomPath, Func<string, IReadOnlyList<Package>> nuget,
        Action<string> log, CancellationToken cancellationToken)
    {
        var images = new List<(string Platform, string ManifestDigest, IReadOnlyList<Package> Packages)>();
        var paths = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (platform, manifest) in platforms)
        {
            var (os, pip) = Inventory.OfImage(await readFiles(platform, Inventory.Queries).ConfigureAwait(false));
            var dotnet = nuget(platform);
            var packages = (IReadOnlyList<Package>)[.. dotnet, .. os, .. pip];
            var path = PlatformPath(sbomPath, platform);
            await AtomicFile.WriteIfChangedAsync(path, CycloneDx.Write(record.Name, manifest, [], packages, platform)).ConfigureAwait(false);
            log($"Wrote the bill of materials of {record.Name} for {platform} ({manifest}) to {path}: {dotnet.Count} NuGet, {os.Count} OS and {pip.Count} pip package(s)");
            images.Add((platform, manifest, packages));
            paths[platform] = path;
        }

        await AtomicFile.WriteIfChangedAsync(sbomPath,
            CycloneDx.WriteIndex(record.Name, record.ImageId, record.AllReferences().Select(reference => reference.ToString()).ToList(), images)).ConfigureAwait(false);
        log($"Wrote the bill of materials of the index of {record.Name} ({record.ImageId}) to {sbomPath}");
        return paths;
    }
}
