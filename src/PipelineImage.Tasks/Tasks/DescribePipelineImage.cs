using Microsoft.Build.Framework;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Sbom;

namespace PipelineImage.Tasks;

/// <summary>
/// Writes sbom.cdx.json beside image.json (PipelineImageSbom=true): a CycloneDX bill of materials of the image that
/// image.json records, listing the NuGet packages of project.assets.json that bring files, the OS packages of the
/// image's dpkg or apk database and the pip packages of its venv. The image's files are read through a container that
/// is created, never started, and removed. Written again only when the image changed.
/// </summary>
public sealed partial class DescribePipelineImage : EngineTask
{
    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var record = await ReadLocalImageRecordAsync(ImageRecordPath, DiagnosticCodes.NoImageToDescribe, "PipelineImageSbom", "describe", cancellationToken,
            assembledToo: true).ConfigureAwait(false);

        var sbomPath = Path.GetFullPath(SbomPath);
        if (record.Sbom == sbomPath && File.Exists(sbomPath))
        {
            Log.LogMessage(MessageImportance.Normal, "{0} describes {1} already", sbomPath, record.ImageId);
            return;
        }

        IContainerEngine found;
        try
        {
            found = await EngineWithImageAsync(ResolveEngine().Connection, record, ImageRecordPath, DiagnosticCodes.NoImageToDescribe, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (PipelineImageException e) when (record.Assembled is { } directory)
        {
            // An assembled image is read where the assembler loaded it; pushed or with no engine, it is in none.
            throw new PipelineImageException(e, DiagnosticCodes.AssembledImageNotLocal, "PipelineImageSbom", $"in {directory}", "describe");
        }

        using var engine = found;
        // One container for every file the bill is made of.
        const string osRelease = "/usr/lib/os-release", etcOsRelease = "/etc/os-release", dpkgStatus = "/var/lib/dpkg/status", apkInstalled = "/lib/apk/db/installed";
        var files = await engine.ReadFilesAsync(record.ImageId,
            [
                new FileQuery(osRelease), new FileQuery(etcOsRelease), new FileQuery(dpkgStatus), new FileQuery(apkInstalled),
                new FileQuery(Requirements.RequirementPlanner.VenvDirectory + "/lib", IsPipMetadata),
            ], cancellationToken).ConfigureAwait(false);
        string? Text(string path) => files.FirstOrDefault(file => file.Path == path)?.Text;
        static bool IsPipMetadata(string path) => path.EndsWith(".dist-info/METADATA", StringComparison.Ordinal);

        var release = Text(osRelease) ?? Text(etcOsRelease);
        var dpkg = Text(dpkgStatus);
        var apk = dpkg is null ? Text(apkInstalled) : null;
        var os = dpkg is not null ? Inventory.Dpkg(dpkg, Inventory.Distro(release, "debian"))
            : apk is not null ? Inventory.Apk(apk, Inventory.Distro(release, "alpine"))
            : [];
        var pip = Inventory.Pip(files.Where(file => IsPipMetadata(file.Path)).Select(file => file.Text));
        var nuget = File.Exists(ProjectAssetsFile)
            ? Inventory.NuGet(await File.ReadAllTextAsync(ProjectAssetsFile, cancellationToken).ConfigureAwait(false), TargetFramework, RuntimeIdentifier)
            : [];
        if (nuget.Count == 0 && !File.Exists(ProjectAssetsFile))
        {
            Log.LogMessage(MessageImportance.Normal, "No project.assets.json at '{0}': the bill of materials lists no NuGet packages", ProjectAssetsFile);
        }

        await AtomicFile.WriteIfChangedAsync(sbomPath,
            CycloneDx.Write(record.Name, record.ImageId, record.AllReferences().Select(reference => reference.ToString()).ToList(), [.. nuget, .. os, .. pip]))
            .ConfigureAwait(false);
        Log.LogMessage(MessageImportance.High, "Wrote the bill of materials of {0} to {1}: {2} NuGet, {3} OS and {4} pip package(s)",
            record.Name, sbomPath, nuget.Count, os.Count, pip.Count);
        await AtomicFile.WriteIfChangedAsync(ImageRecordPath, (record with { Sbom = sbomPath }).ToJson()).ConfigureAwait(false);
    }
}
