using PipelineImage.Diagnostics;
using PipelineImage.Intermediate;
using PipelineImage.Naming;

namespace PipelineImage.ImageStore;

/// <summary>
/// An image a standalone buildkitd pushed as it built it: every tag is in its registry already, and nothing here holds
/// it (<see cref="StoredImages.OpenLocalAsync"/> refuses a save or a bill of materials of it with PIMG2036).
/// </summary>
/// <param name="record">image.json, with the digest of each reference pushed.</param>
/// <param name="recordPath">Its path, for the error.</param>
/// <param name="log">Where it says so.</param>
internal sealed class RegistryImage(ImageRecord record, string recordPath, BuildLog log) : IStoredImage
{
    public Task<IReadOnlyList<PushedReference>> PushAsync(IReadOnlyList<ImageReference> references, CancellationToken cancellationToken)
    {
        var pushed = references.Select(reference => record.Pushed?.GetValueOrDefault(reference.ToString()) is { } digest
                ? new PushedReference(reference, digest, null)
                : throw new PipelineImageException(DiagnosticCodes.NoImageToPush, $"{reference} of {recordPath}", $"was not pushed by {record.PushedBy}; publish again"))
            .ToList();
        log.Normal($"Every tag of {record.Name} was pushed by {record.PushedBy} as it built the image");
        return Task.FromResult<IReadOnlyList<PushedReference>>(pushed);
    }

    public void Dispose()
    {
    }
}
