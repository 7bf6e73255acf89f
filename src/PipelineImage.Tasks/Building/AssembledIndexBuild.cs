using PipelineImage.Assembling;
using PipelineImage.Diagnostics;
using PipelineImage.Intermediate;
using PipelineImage.Planning;
using PipelineImage.Registry;

namespace PipelineImage.Building;

/// <summary>
/// PipelineImagePlatforms: each platform's image assembled as <see cref="AssembledBuild"/> makes one, in
/// <c>platforms/&lt;os-arch&gt;/</c> beside image.json, on that platform's base from its registry and with that platform's
/// requirements base (built for it by the engine's BuildKit, Podman or a BuildKit host, and pushed by its own content
/// key, when the registry lacks it); the .NET layers are written once and copied, unless each platform has its own
/// publish (<see cref="PlanFile.PlatformApps"/>): then each platform's layers are its own. Then the index over them, in
/// <c>index/</c>. Nothing goes into the engine: the push takes the index to the registry.
/// </summary>
/// <param name="recordDirectory">Where image.json is.</param>
/// <param name="basesDirectory">Where what was read of a base held by an engine is kept.</param>
/// <param name="registries">The registries' clients, with their credentials.</param>
/// <param name="pullCredentials">A registry host's credential for the builder of the requirements bases.</param>
/// <param name="retryDelays">The waits before the retries of a requirements base's push.</param>
/// <param name="log">Where what it does goes.</param>
internal sealed class AssembledIndexBuild(
    string recordDirectory, string basesDirectory, RegistryClients registries, Func<string, RegistryCredential?> pullCredentials, IReadOnlyList<TimeSpan> retryDelays,
    BuildLog log)
{
    /// <summary>Where the index is written: index/ beside image.json.</summary>
    public string Directory { get; } = Path.Combine(recordDirectory, "index");

    /// <param name="plan">What to assemble, with two or more platforms (<see cref="PlannedOptions.Platforms"/>).</param>
    /// <param name="why">Why the assembler makes it, for the log.</param>
    /// <param name="builderFor">What builds each platform's requirements base (a builder node, or the route's builder; they stay the caller's).</param>
    /// <param name="cancellationToken">Ends it.</param>
    /// <param name="unrunnable">
    /// The platforms whose RUN steps nothing here runs (<see cref="AssembleRoute.Unrunnable"/>): PIMG1020 before anything
    /// is built for one whose requirements base the registry does not have.
    /// </param>
    /// <exception cref="PipelineImageException">A registry request failed, or a requirements base cannot be built.</exception>
    public async Task<IndexRecord> AssembleAsync(PlanFile plan, string why, Func<string, RequirementsBuilder> builderFor, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, PipelineImageException>? unrunnable = null)
    {
        var platforms = Path.Combine(recordDirectory, "platforms");
        foreach (var options in plan.Options.ForEachPlatform())
        {
            await Build(platforms, options.Platform).CheckRunnableAsync(plan.ForPlatform(options), unrunnable ?? new Dictionary<string, PipelineImageException>(),
                fromRegistry: true, cancellationToken).ConfigureAwait(false);
        }

        var images = new List<(string Platform, string Directory, AssemblyRecord Assembled)>();
        foreach (var options in plan.Options.ForEachPlatform())
        {
            var build = Build(platforms, options.Platform);
            var (assembled, _) = await build.AssembleAsync(plan.ForPlatform(options), $"{why}; for {options.Platform}", builderFor(options.Platform), cancellationToken,
                new IndexPlatform(images.Count > 0 ? images[0].Directory : null)).ConfigureAwait(false);
            images.Add((options.Platform, build.Directory, assembled));
        }

        // A platform no longer asked for leaves nothing behind.
        var kept = plan.Options.Platforms!.Select(ImagePlatforms.DirectoryName).ToHashSet(StringComparer.Ordinal);
        foreach (var earlier in System.IO.Directory.EnumerateDirectories(platforms).Where(directory => !kept.Contains(Path.GetFileName(directory))))
        {
            System.IO.Directory.Delete(earlier, recursive: true);
        }

        var index = await IndexRecord.WriteAsync(Directory, images, cancellationToken).ConfigureAwait(false);
        log.High($"Assembled the index of {plan.Name} ({index.Digest}): {string.Join(", ", index.Images.Select(image => $"{image.Platform} {image.ManifestDigest}"))}");
        return index;
    }

    private AssembledBuild Build(string platforms, string platform) =>
        new(Path.Combine(platforms, ImagePlatforms.DirectoryName(platform)), basesDirectory, registries, pullCredentials, retryDelays, log);
}
