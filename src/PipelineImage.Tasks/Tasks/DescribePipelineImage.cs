using Microsoft.Build.Framework;
using PipelineImage.Diagnostics;
using PipelineImage.ImageStore;
using PipelineImage.Intermediate;
using PipelineImage.Sbom;

namespace PipelineImage.Tasks;

/// <summary>
/// Writes sbom.cdx.json beside image.json (PipelineImageSbom=true): a CycloneDX bill of materials of the image that
/// image.json records, listing the NuGet packages of project.assets.json that bring files, the OS packages of the
/// image's dpkg or apk database and the pip packages of its venv. The image's files are read through a container that
/// is created, never started, and removed; an assembled image's from its layers, with no engine. For an index
/// (PipelineImagePlatforms), a bill per platform beside it and the index's there (<see cref="IndexBills"/>). Written
/// again only when the image changed.
/// </summary>
public sealed partial class DescribePipelineImage : EngineTask
{
    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var record = await ReadImageRecordAsync(ImageRecordPath, DiagnosticCodes.NoImageToDescribe, cancellationToken).ConfigureAwait(false);

        var sbomPath = Path.GetFullPath(SbomPath);
        // An index is described only with a bill per platform (an image.json from before those has none).
        if (record.Sbom == sbomPath && File.Exists(sbomPath)
            && (record.PlatformSboms is { } platforms ? platforms.Values.All(File.Exists) : record.Platforms is null))
        {
            Log.LogMessage(MessageImportance.Normal, "{0} describes {1} already", sbomPath, record.ImageId);
            return;
        }

        var assets = File.Exists(ProjectAssetsFile) ? await File.ReadAllTextAsync(ProjectAssetsFile, cancellationToken).ConfigureAwait(false) : null;
        // The assets file read once a runtime identifier: a platform published for this publish's own shares its list.
        var byRuntime = new Dictionary<string, IReadOnlyList<Package>>(StringComparer.Ordinal);
        IReadOnlyList<Package> NuGetOf(string runtime) => assets is null ? []
            : byRuntime.TryGetValue(runtime, out var listed) ? listed : byRuntime[runtime] = Inventory.NuGet(assets, TargetFramework, runtime);
        var nuget = NuGetOf(RuntimeIdentifier);
        var runtimes = PlatformRuntimeIdentifiers.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=')).Where(pair => pair.Length == 2).ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
        if (nuget.Count == 0 && !File.Exists(ProjectAssetsFile))
        {
            Log.LogMessage(MessageImportance.Normal, "No project.assets.json at '{0}': the bill of materials lists no NuGet packages", ProjectAssetsFile);
        }

        var (connection, config) = ResolveEngine();
        using var registries = Registries(config, cancellationToken);
        using var image = await Stored(connection, registries).OpenAsync(record, ImageRecordPath, DiagnosticCodes.NoImageToDescribe, cancellationToken).ConfigureAwait(false);
        if (image is IndexImage index)
        {
            var bills = await IndexBills.WriteAsync(index.Platforms, (platform, queries) => index.Platform(platform).ReadFilesAsync(queries, cancellationToken),
                record, sbomPath,
                platform => runtimes.TryGetValue(platform, out var runtime) ? NuGetOf(runtime) : nuget, line => Log.LogMessage(MessageImportance.High, "{0}", line),
                cancellationToken).ConfigureAwait(false);
            await AtomicFile.WriteIfChangedAsync(ImageRecordPath, (record with { Sbom = sbomPath, PlatformSboms = bills }).ToJson()).ConfigureAwait(false);
            return;
        }

        // One container, or one read of the layers, for every file the bill is made of.
        var (os, pip) = Inventory.OfImage(await image.ReadFilesAsync(Inventory.Queries, cancellationToken).ConfigureAwait(false));
        await AtomicFile.WriteIfChangedAsync(sbomPath,
            CycloneDx.Write(record.Name, record.ImageId, record.AllReferences().Select(reference => reference.ToString()).ToList(), [.. nuget, .. os, .. pip]))
            .ConfigureAwait(false);
        Log.LogMessage(MessageImportance.High, "Wrote the bill of materials of {0} to {1}: {2} NuGet, {3} OS and {4} pip package(s)",
            record.Name, sbomPath, nuget.Count, os.Count, pip.Count);
        await AtomicFile.WriteIfChangedAsync(ImageRecordPath, (record with { Sbom = sbomPath }).ToJson()).ConfigureAwait(false);
    }
}
