using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Naming;
using PipelineImage.Registry;

namespace PipelineImage.ImageStore;

/// <summary>A push through the engine, with its transient failures tried again.</summary>
internal static class EnginePush
{
    /// <summary>
    /// Pushes the reference; a transient failure (5xx, a reset connection) is tried again after each of
    /// <paramref name="retryDelays"/>. The engine skips the layers the registry already has, so a retry resumes where
    /// the failed attempt stopped, layer by layer.
    /// </summary>
    public static async Task<PushResult> WithRetriesAsync(IContainerEngine engine, ImageReference reference, ResolvedCredential credential,
        IReadOnlyList<TimeSpan> retryDelays, BuildLog log, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await engine.PushAsync(reference, credential, log.Normal, cancellationToken).ConfigureAwait(false);
            }
            catch (PushFailedException e) when (e.IsTransient && attempt < retryDelays.Count)
            {
                log.High($"The push of {reference} failed ({e.Message}); trying again in {retryDelays[attempt].TotalSeconds:0} s (attempt {attempt + 2} of {retryDelays.Count + 1})");
                await Task.Delay(retryDelays[attempt], cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
