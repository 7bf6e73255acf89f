using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using PipelineImage.Assembling;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Naming;
using PipelineImage.Intermediate;
using PipelineImage.Registry;

namespace PipelineImage.Tasks;

/// <summary>
/// Pushes every tag of the image that image.json records (so it works in the publish that built the image and in a
/// later, separate call of the PushPipelineImage target), with credentials found as the docker CLI finds them, and
/// records each pushed digest in image.json.
/// </summary>
public sealed partial class PushPipelineImage : EngineTask
{
    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var record = await ReadImageRecordAsync(ImageRecordPath, DiagnosticCodes.NoImageToPush, cancellationToken).ConfigureAwait(false);
        var references = record.AllReferences();
        if (record is { PushedBy: { } builder, Pushed: { } done } && references.All(reference => done.ContainsKey(reference.ToString())))
        {
            // A standalone buildkitd pushed as it built; no engine here holds the image.
            Log.LogMessage(MessageImportance.Normal, "Every tag of {0} was pushed by {1} as it built the image", record.Name, builder);
            PushedReferences = references.Select(reference => reference.ToString())
                .Select(reference => (ITaskItem)new TaskItem(reference, new Dictionary<string, string> { ["Digest"] = done[reference] }))
                .ToArray();
            return;
        }

        var (connection, config) = ResolveEngine();
        using var registries = Registries(config, cancellationToken, retryDelays: RetryDelays);
        if (record.Assembled is { } directory)
        {
            await PushAssembledAsync(record, directory, registries, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var engine = await EngineWithImageAsync(connection, record, ImageRecordPath, DiagnosticCodes.NoImageToPush, cancellationToken).ConfigureAwait(false);

        var results = new List<(ImageReference, string, long?)>();
        foreach (var reference in references)
        {
            var credential = registries.Credential(RegistryHost.Of(reference.Name));
            var result = await PushWithRetriesAsync(engine, reference, credential, cancellationToken).ConfigureAwait(false);
            if (result.LayersReported)
            {
                Log.LogMessage(MessageImportance.High, "Pushed {0} ({1}): {2} layer(s) uploaded ({3}), {4} layer(s) already in the registry",
                    reference, result.Digest, result.LayersPushed, result.DescribeBytes(), result.LayersPresent);
            }
            else
            {
                Log.LogMessage(MessageImportance.High, "Pushed {0} ({1}); the engine does not say which layers it uploaded", reference, result.Digest);
            }

            results.Add((reference, result.Digest, result.BytesUploaded));
        }

        await RecordPushedAsync(record, results, registries, cancellationToken).ConfigureAwait(false);
    }

    // Only after every tag went up (and its bill of materials, when there is one, is attached): a failed push leaves
    // image.json as the build wrote it.
    private async System.Threading.Tasks.Task RecordPushedAsync(
        ImageRecord record, IReadOnlyList<(ImageReference Reference, string Digest, long? BytesUploaded)> results, RegistryClients registries, CancellationToken cancellationToken)
    {
        if (record.Sbom is { } sbomPath && File.Exists(sbomPath))
        {
            await AttachSbomAsync(sbomPath, results, registries, cancellationToken).ConfigureAwait(false);
        }

        var pushed = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (reference, digest, _) in results)
        {
            pushed[reference.ToString()] = digest;
        }

        await AtomicFile.WriteIfChangedAsync(ImageRecordPath, (record with { Pushed = pushed }).ToJson()).ConfigureAwait(false);
        PushedReferences = results.Select(result =>
        {
            var item = new TaskItem(result.Reference.ToString());
            item.SetMetadata("Digest", result.Digest);
            item.SetMetadata("BytesUploaded", result.BytesUploaded?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "");
            return (ITaskItem)item;
        }).ToArray();
    }

    // The bill of materials (PipelineImageSbom) goes with the image, once a repository, as an OCI referrer.
    private async System.Threading.Tasks.Task AttachSbomAsync(
        string sbomPath, IReadOnlyList<(ImageReference Reference, string Digest, long? BytesUploaded)> results, RegistryClients registries, CancellationToken cancellationToken)
    {
        var sbom = await File.ReadAllBytesAsync(sbomPath, cancellationToken).ConfigureAwait(false);
        foreach (var (repository, subject) in results.Select(result => (RepositoryName.Of(result.Reference.Name), result.Digest)).Distinct())
        {
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

    // What the assembler wrote goes up through the registry API, with no engine: each tag's manifest after all its blobs.
    private async System.Threading.Tasks.Task PushAssembledAsync(ImageRecord record, string directory, RegistryClients registries, CancellationToken cancellationToken)
    {
        var assembly = ReadAssembly(record, directory, DiagnosticCodes.NoImageToPush);
        var pusher = new AssembledImagePusher(registries.For, line => Log.LogMessage(MessageImportance.Normal, "{0}", line));
        var results = new List<(ImageReference, string, long?)>();
        foreach (var reference in record.AllReferences())
        {
            AssembledPush result;
            try
            {
                result = await pusher.PushAsync(directory, assembly, reference, cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryException e)
            {
                throw registries.Failure(e, reference.ToString());
            }

            Log.LogMessage(MessageImportance.High, "Pushed {0} ({1}) without an engine: {2} blob(s) uploaded ({3}), {4} already in the registry",
                reference, result.Digest, result.BlobsUploaded, ByteSize.Of(result.BytesUploaded), result.BlobsPresent);
            results.Add((reference, result.Digest, result.BytesUploaded));
        }

        await RecordPushedAsync(record, results, registries, cancellationToken).ConfigureAwait(false);
    }
}
