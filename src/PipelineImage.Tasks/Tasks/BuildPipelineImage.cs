using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using PipelineImage.Building;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.ImageStore;
using PipelineImage.Intermediate;
using PipelineImage.Registry;

namespace PipelineImage.Tasks;

/// <summary>
/// Makes the image plan.json says, the way <see cref="BuildRoutes"/> chooses, and writes image.json: assembled
/// (<see cref="AssembledBuild"/>) on Docker and Podman, with a standalone buildkitd, or when no engine answers a push; by
/// the engine's builder (<see cref="PlanBuilder"/>) for a parent Dockerfile.
/// </summary>
public sealed partial class BuildPipelineImage : EngineTask
{
    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var plan = await PlanFile.ReadAsync(PlanPath, cancellationToken).ConfigureAwait(false);
        var nodes = Building.BuilderNodes.Parse(BuilderNodes.Select(item => (item.ItemSpec, item.GetMetadata("Platform"), item.GetMetadata("CertPath"))).ToList(),
            BuildKitCertPath, plan.Options);
        var (connection, config) = ResolveEngine();
        using var route = await BuildRoutes.ChooseAsync(plan, Engine.BuildKit.BuildKitHost.Parse(BuildKitHost, BuildKitCertPath), connection, EngineFactory,
            ConnectTimeout, Lines(), cancellationToken, nodes.Select(node => node.Platform).ToList()).ConfigureAwait(false);
        switch (route)
        {
            case AssembleRoute assemble:
                await AssembleAsync(plan, config, assemble, nodes, cancellationToken).ConfigureAwait(false);
                return;
            case EngineBuildRoute { Engine: var engine, BuildKit: var buildKit }:
            {
                using var buildLock = await AcquireAsync(cancellationToken).ConfigureAwait(false);
                var outcome = await PlanBuilder.BuildAsync(plan, engine.Engine, engine.Info, Lines(), PlanBuilder.ReadSecrets(plan), PullCredentials(plan, config, cancellationToken), cancellationToken,
                    buildKit, RecordDirectory).ConfigureAwait(false);
                Record(plan, outcome.ImageId);
                await Recorded(plan, ImageId).WriteAsync(ImageRecordPath, mayKeepEarlier: !outcome.Built, cancellationToken).ConfigureAwait(false);
                return;
            }
        }
    }

    // Our own layers, configuration and manifest (AssembledBuild), written to assembled/ beside image.json; with an
    // engine, the image goes there as well, as the SDK's container publishing does.
    private async System.Threading.Tasks.Task AssembleAsync(PlanFile plan, DockerConfig config, AssembleRoute route, IReadOnlyList<BuilderNode> nodes,
        CancellationToken cancellationToken)
    {
        using var buildLock = await AcquireAsync(cancellationToken).ConfigureAwait(false);
        var ours = RegistryHost.Of(plan.Name);
        using var registries = Registries(config, cancellationToken, registry => CredentialResolver.EnvironmentFor(registry, ours));
        var bases = BaseCacheDirectory ?? Path.Combine(RecordDirectory, "bases");
        if (plan.Options.Platforms is not null)
        {
            var indexBuild = new AssembledIndexBuild(RecordDirectory, bases, registries, PullCredentials(plan, config, cancellationToken), RetryDelays, Lines());
            using var connected = await Building.BuilderNodes.ConnectAsync(nodes, EngineFactory, ConnectTimeout, Lines(), cancellationToken).ConfigureAwait(false);
            var index = await indexBuild.AssembleAsync(plan, route.Why, platform => connected.For(platform, route.Builder), cancellationToken, route.Unrunnable)
                .ConfigureAwait(false);
            if (route.Builder is EngineRequirementsBuilder { Engine: var local })
            {
                using var stored = IndexImage.Open(indexBuild.Directory, index.Digest, registries, Lines())!;
                var loaded = await stored.LoadAsync(local.Engine, local.Info, plan.References, cancellationToken).ConfigureAwait(false);
                Log.LogMessage(MessageImportance.High, "Loaded {0} into the engine at {1}: {2}", plan.Name, local.Info.Endpoint, loaded);
            }

            var platforms = index.Images.ToDictionary(image => image.Platform, image => image.ManifestDigest, StringComparer.Ordinal);
            Record(plan, index.Digest, platforms);
            await (Recorded(plan, index.Digest) with { Assembled = indexBuild.Directory, Manifest = index.Digest, Platforms = platforms })
                .WriteAsync(ImageRecordPath, mayKeepEarlier: true, cancellationToken).ConfigureAwait(false);
            return;
        }

        var build = new AssembledBuild(RecordDirectory, bases, registries, PullCredentials(plan, config, cancellationToken), RetryDelays, Lines());
        await build.CheckRunnableAsync(plan, route.Unrunnable, fromRegistry: plan.Options.Push, cancellationToken).ConfigureAwait(false);
        var (assembled, loadedAs) = await build.AssembleAsync(plan, route.Why, route.Builder, cancellationToken).ConfigureAwait(false);
        if (route.Builder is NoRequirementsBuilder && !plan.Options.Push)
        {
            Log.LogMessage(MessageImportance.High, "The assembled image is in {0}, in no engine: the archive is written from there", build.Directory);
        }

        // On a base read from the engine, the image is the engine's alone (by its id there): push, save and describe go
        // through the engine.
        var imageId = assembled.BaseInEngine ? loadedAs ?? assembled.ConfigDigest : assembled.ConfigDigest;
        Record(plan, imageId);
        await (assembled.BaseInEngine ? Recorded(plan, imageId)
                : Recorded(plan, imageId) with { Assembled = build.Directory, Manifest = assembled.ManifestDigest })
            .WriteAsync(ImageRecordPath, mayKeepEarlier: true, cancellationToken).ConfigureAwait(false);
    }

    // The image and every reference the build tagged; the tags are the first registry's (each has the same).
    private static ImageRecord Recorded(PlanFile plan, string imageId) =>
        new(plan.Name, plan.References.Where(reference => reference.Name == plan.Name).Select(reference => reference.Tag).ToList(), imageId)
        {
            References = plan.References,
        };

    // Where image.json, build.lock and assembled/ are.
    private string RecordDirectory => Path.GetDirectoryName(Path.GetFullPath(ImageRecordPath))!;

    private Task<BuildLock> AcquireAsync(CancellationToken cancellationToken)
    {
        var lockPath = Path.Combine(RecordDirectory, "build.lock");
        return BuildLock.AcquireAsync(lockPath, () => Log.LogMessage(
            MessageImportance.High, "Waiting for another publish of this project to finish its image build ({0})", lockPath), cancellationToken);
    }

    // The outputs: the image and each of its references; with PipelineImagePlatforms, the index and each platform's manifest.
    private void Record(PlanFile plan, string imageId, IReadOnlyDictionary<string, string>? platforms = null)
    {
        ImageId = imageId;
        ImageReferences = plan.References.Select(reference =>
        {
            var item = new TaskItem(reference.ToString());
            item.SetMetadata("Name", reference.Name);
            item.SetMetadata("Tag", reference.Tag);
            item.SetMetadata("ImageId", imageId);
            item.SetMetadata("PlatformManifests", PlatformManifests(platforms));
            return (ITaskItem)item;
        }).ToArray();
    }

    /// <summary>The <c>PlatformManifests</c> metadata: <c>linux/amd64=sha256:…;linux/arm64=sha256:…</c>; empty for one image.</summary>
    internal static string PlatformManifests(IReadOnlyDictionary<string, string>? platforms) =>
        platforms is null ? "" : string.Join(";", platforms.Select(platform => $"{platform.Key}={platform.Value}"));

    private Func<string, RegistryCredential?> PullCredentials(PlanFile plan, DockerConfig config, CancellationToken cancellationToken) =>
        CredentialResolver.ForBuilder(config, RegistryHost.Of(plan.Name), line => Log.LogMessage(MessageImportance.Normal, "{0}", line), cancellationToken);
}
