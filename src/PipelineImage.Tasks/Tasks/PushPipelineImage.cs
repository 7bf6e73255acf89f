using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using PipelineImage.Assembling;
using PipelineImage.Diagnostics;
using PipelineImage.ImageStore;
using PipelineImage.Naming;
using PipelineImage.Intermediate;
using PipelineImage.Planning;
using PipelineImage.Registry;
using PipelineImage.Signing;

namespace PipelineImage.Tasks;

/// <summary>
/// Pushes every tag of the image that image.json records (so it works in the publish that built the image and in a
/// later, separate call of the PushPipelineImage target), with credentials found as the docker CLI finds them, and
/// records each pushed digest in image.json; an image each registry still has as it was pushed before is not pushed again.
/// </summary>
public sealed partial class PushPipelineImage : EngineTask
{
    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var record = await ReadImageRecordAsync(ImageRecordPath, DiagnosticCodes.NoImageToPush, cancellationToken).ConfigureAwait(false);
        // The key is read (and its password checked) before anything is pushed.
        using var key = SigningKeys.Load(SigningKey, Secrets.Select(item => new SecretItem(item.ItemSpec, item.GetMetadata("Environment"), item.GetMetadata("File"))).ToList(),
            ProjectDirectory, Environment.GetEnvironmentVariable);
        var (connection, config) = ResolveEngine();
        using var registries = Registries(config, cancellationToken, retryDelays: RetryDelays);
        IReadOnlyList<PushedReference> pushed;
        if (await EarlierPush.StillHoldsAsync(record, registries, cancellationToken).ConfigureAwait(false) is { } held)
        {
            Log.LogMessage(MessageImportance.High, "{0} is in its registry as pushed before ({1}): nothing to push", string.Join(", ", held.Select(h => h.Reference)),
                string.Join(", ", held.Select(h => h.Digest).Distinct()));
            pushed = held;
        }
        else
        {
            using var image = await Stored(connection, registries).OpenAsync(record, ImageRecordPath, DiagnosticCodes.NoImageToPush, cancellationToken).ConfigureAwait(false);
            pushed = await image.PushAsync(record.AllReferences(), cancellationToken).ConfigureAwait(false);
        }

        await RecordPushedAsync(record, pushed, registries, cancellationToken).ConfigureAwait(false);
        if (key is not null)
        {
            var repositories = pushed.Select(result => (RepositoryName.Of(result.Reference.Name), result.Digest))
                .Select(repository => (repository.Item1.Registry, repository.Item1.Path, repository.Digest)).Distinct().ToList();
            try
            {
                await new PushSignatures(new ImageSigner(key, registries.For), line => Log.LogMessage(MessageImportance.High, "{0}", line))
                    .SignAsync(record, ImageRecordPath, repositories, cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryException e)
            {
                throw registries.Failure(e, $"the signatures of {record.Name}");
            }
        }
    }

    // Only after every tag went up (and its bill of materials, when there is one, is attached): a failed push leaves
    // image.json as the build wrote it.
    private async System.Threading.Tasks.Task RecordPushedAsync(
        ImageRecord record, IReadOnlyList<PushedReference> results, RegistryClients registries, CancellationToken cancellationToken)
    {
        if (record.Sbom is { } sbomPath && File.Exists(sbomPath))
        {
            // An index's bill goes to the index, each platform's to that platform's manifest, in each repository pushed to.
            // A platform's bill that is gone (deleted by hand) is not attached, as the image's is not when it is gone.
            var platforms = (record.PlatformSboms ?? new Dictionary<string, string>()).Where(platform => File.Exists(platform.Value))
                .Select(platform => (Subject: record.Platforms![platform.Key], Path: platform.Value));
            var bills = results.Select(result => (Repository: RepositoryName.Of(result.Reference.Name), Subject: result.Digest)).Distinct()
                .SelectMany(pushed => platforms.Prepend((Subject: pushed.Subject, Path: sbomPath)).Select(bill => (pushed.Repository, bill.Subject, bill.Path)));
            await AttachSbomAsync(bills.ToList(), registries, cancellationToken).ConfigureAwait(false);
        }

        var pushed = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var result in results)
        {
            pushed[result.Reference.ToString()] = result.Digest;
        }

        await AtomicFile.WriteIfChangedAsync(ImageRecordPath, (record with { Pushed = pushed }).ToJson()).ConfigureAwait(false);
        if (ReferencesFile.Length > 0 && results.Count > 0)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(ReferencesFile))!);
            await AtomicFile.WriteIfChangedAsync(ReferencesFile,
                PushedImageFile.Of(results.Select(result => (result.Reference, result.Digest)).ToList(), record.Platforms).ToJson()).ConfigureAwait(false);
        }

        PushedReferences = results.Select(result =>
        {
            var item = new TaskItem(result.Reference.ToString());
            item.SetMetadata("Name", result.Reference.Name);
            item.SetMetadata("Tag", result.Reference.Tag);
            item.SetMetadata("ImageId", record.ImageId);
            item.SetMetadata("Digest", result.Digest);
            item.SetMetadata("PinnedReference", PushedImageFile.Pinned(result.Reference, result.Digest));
            item.SetMetadata("BytesUploaded", result.BytesUploaded?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "");
            item.SetMetadata("PlatformManifests", BuildPipelineImage.PlatformManifests(record.Platforms));
            return (ITaskItem)item;
        }).ToArray();
    }

    // The bill of materials (PipelineImageSbom) goes with the image, once a repository, as an OCI referrer of its subject.
    private async System.Threading.Tasks.Task AttachSbomAsync(IReadOnlyList<(RepositoryName Repository, string Subject, string Path)> bills,
        RegistryClients registries, CancellationToken cancellationToken)
    {
        foreach (var (repository, subject, path) in bills)
        {
            var sbom = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            try
            {
                var referrer = await Sbom.SbomReferrer.AttachAsync(registries.For(repository.Registry), repository.Path, subject, sbom, cancellationToken).ConfigureAwait(false);
                Log.LogMessage(MessageImportance.High, "Attached the bill of materials to {0}@{1} as the OCI referrer {2}", repository, subject, referrer);
            }
            catch (RegistryException e)
            {
                throw registries.Failure(e, $"the bill of materials of {repository}@{subject}");
            }
        }
    }
}
