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
        if (record.Assembled is { } directory)
        {
            await PushAssembledAsync(record, directory, config, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var engine = await EngineWithImageAsync(connection, record, ImageRecordPath, DiagnosticCodes.NoImageToPush, cancellationToken).ConfigureAwait(false);

        var credentials = new Dictionary<string, ResolvedCredential>(StringComparer.Ordinal);
        var results = new List<(ImageReference, string, long)>();
        foreach (var reference in references)
        {
            var registry = RegistryHost.Of(reference.Name);
            if (!credentials.TryGetValue(registry, out var credential))
            {
                credential = CredentialResolver.Resolve(registry, config, Environment.GetEnvironmentVariable,
                    (helper, server) => CredentialHelperProcess.Get(helper, server, cancellationToken));
                credentials[registry] = credential;
                Log.LogMessage(MessageImportance.Normal, "Credentials for {0}: {1}", registry,
                    credential.Credential is null ? credential.Source : "from " + credential.Source);
            }

            var result = await PushWithRetriesAsync(engine, reference, credential, cancellationToken).ConfigureAwait(false);
            if (result.LayersReported)
            {
                Log.LogMessage(MessageImportance.High, "Pushed {0} ({1}): {2} layer(s) uploaded ({3} before compression), {4} layer(s) already in the registry",
                    reference, result.Digest, result.LayersPushed, Bytes(result.BytesUploaded), result.LayersPresent);
            }
            else
            {
                Log.LogMessage(MessageImportance.High, "Pushed {0} ({1}); the engine does not say which layers it uploaded", reference, result.Digest);
            }

            results.Add((reference, result.Digest, result.BytesUploaded));
        }

        await RecordPushedAsync(record, results, config, cancellationToken).ConfigureAwait(false);
    }

    // Only after every tag went up (and its bill of materials, when there is one, is attached): a failed push leaves
    // image.json as the build wrote it.
    private async System.Threading.Tasks.Task RecordPushedAsync(
        ImageRecord record, IReadOnlyList<(ImageReference Reference, string Digest, long BytesUploaded)> results, DockerConfig config, CancellationToken cancellationToken)
    {
        if (record.Sbom is { } sbomPath && File.Exists(sbomPath))
        {
            await AttachSbomAsync(sbomPath, results, config, cancellationToken).ConfigureAwait(false);
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
            item.SetMetadata("BytesUploaded", result.BytesUploaded.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return (ITaskItem)item;
        }).ToArray();
    }

    // The bill of materials (PipelineImageSbom) goes with the image, once a repository, as an OCI referrer.
    private async System.Threading.Tasks.Task AttachSbomAsync(
        string sbomPath, IReadOnlyList<(ImageReference Reference, string Digest, long BytesUploaded)> results, DockerConfig config, CancellationToken cancellationToken)
    {
        var sbom = await File.ReadAllBytesAsync(sbomPath, cancellationToken).ConfigureAwait(false);
        using var registries = new RegistryClients(config, _ => Environment.GetEnvironmentVariable, line => Log.LogMessage(MessageImportance.Normal, "{0}", line),
            RetryDelays, cancellationToken);
        foreach (var (repository, subject) in results.Select(result => (RepositoryName.Of(result.Reference.Name), result.Digest)).Distinct())
        {
            try
            {
                var referrer = await Sbom.SbomReferrer.AttachAsync(registries.For(repository.Registry), repository.Path, subject, sbom, cancellationToken).ConfigureAwait(false);
                Log.LogMessage(MessageImportance.High, "Attached the bill of materials to {0}@{1} as the OCI referrer {2}", repository, subject, referrer);
            }
            catch (RegistryException e)
            {
                throw Failure(e, $"the bill of materials of {repository}@{subject}", registries);
            }
        }
    }

    /// <summary>The waits before the retries of a request a registry failed transiently: 1, 2 and 4 s.</summary>
    internal static readonly IReadOnlyList<TimeSpan> DefaultRetryDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)];

    /// <summary>How long to wait before each retry of a push the registry failed transiently (5xx, a reset connection).</summary>
    internal IReadOnlyList<TimeSpan> RetryDelays { get; init; } = DefaultRetryDelays;

    /// <summary>The PIMG error of a registry request that failed for <paramref name="subject"/> (a reference pushed, or the base image read).</summary>
    internal static PipelineImageException Failure(RegistryException e, string subject, RegistryClients registries)
    {
        var registry = e.Registry;
        return e.Failure switch
        {
            RegistryFailure.Unreachable => new PipelineImageException(e, DiagnosticCodes.RegistryUnreachableFromHere, subject, registry, e.Message),
            RegistryFailure.Tls => new PipelineImageException(e, DiagnosticCodes.RegistryTlsFailedFromHere, subject, registry, e.Message),
            RegistryFailure.Unauthorized => new PipelineImageException(e, DiagnosticCodes.RegistryUnauthorized, subject, registry, e.Message, registries.CredentialSource(registry)),
            _ => new PipelineImageException(e, DiagnosticCodes.PushFailed, subject, registry, e.Message, registries.CredentialSource(registry)),
        };
    }

    // What the assembler wrote goes up through the registry API, with no engine: each tag's manifest after all its blobs.
    private async System.Threading.Tasks.Task PushAssembledAsync(ImageRecord record, string directory, DockerConfig config, CancellationToken cancellationToken)
    {
        var assembly = AssemblyRecord.Read(directory) is { } read && read.ManifestDigest == record.Manifest
            ? read
            : throw new PipelineImageException(DiagnosticCodes.NoImageToPush, $"the assembled image {record.Manifest} in {directory}", "is not there (publish again)");
        using var registries = new RegistryClients(config, _ => Environment.GetEnvironmentVariable, line => Log.LogMessage(MessageImportance.Normal, "{0}", line),
            RetryDelays, cancellationToken);
        var pusher = new AssembledImagePusher(registries.For, line => Log.LogMessage(MessageImportance.Normal, "{0}", line));
        var results = new List<(ImageReference, string, long)>();
        foreach (var reference in record.AllReferences())
        {
            AssembledPush result;
            try
            {
                result = await pusher.PushAsync(directory, assembly, reference, cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryException e)
            {
                throw Failure(e, reference.ToString(), registries);
            }

            Log.LogMessage(MessageImportance.High, "Pushed {0} ({1}) without an engine: {2} blob(s) uploaded ({3}), {4} already in the registry",
                reference, result.Digest, result.BlobsUploaded, Bytes(result.BytesUploaded), result.BlobsPresent);
            results.Add((reference, result.Digest, result.BytesUploaded));
        }

        await RecordPushedAsync(record, results, config, cancellationToken).ConfigureAwait(false);
    }

    // A transient failure is tried again after each delay; the engine skips the layers the registry already has, so a
    // retry resumes where the failed attempt stopped, layer by layer.
    private async System.Threading.Tasks.Task<PushResult> PushWithRetriesAsync(IContainerEngine engine, ImageReference reference, ResolvedCredential credential, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await engine.PushAsync(reference, credential, line => Log.LogMessage(MessageImportance.Normal, "{0}", line), cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (PushFailedException e) when (e.IsTransient && attempt < RetryDelays.Count)
            {
                Log.LogMessage(MessageImportance.High, "The push of {0} failed ({1}); trying again in {2:0} s (attempt {3} of {4})",
                    reference, e.Message, RetryDelays[attempt].TotalSeconds, attempt + 2, RetryDelays.Count + 1);
                await System.Threading.Tasks.Task.Delay(RetryDelays[attempt], cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string Bytes(long bytes) =>
        bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):0.0} MiB" : bytes >= 1 << 10 ? $"{bytes / 1024.0:0.0} KiB" : $"{bytes} B";
}
