using System.IO.Pipelines;
using System.Net.Http;
using Docker.DotNet;
using Docker.DotNet.Models;
using PipelineImage.Context;
using PipelineImage.Diagnostics;

namespace PipelineImage.Engine;

/// <summary>POST /build with the classic builder (or Podman's): the context streamed as a tar, the progress followed, leftovers removed.</summary>
public sealed partial class DockerEngine
{
    public async Task<BuildResult> BuildAsync(BuildRequest request, Action<string> output, CancellationToken cancellationToken)
    {
        if (request.Options.Builder == ImageBuilder.BuildKit)
        {
            return await BuildWithBuildKitAsync(request, output, cancellationToken).ConfigureAwait(false);
        }

        var client = Client;
        var parameters = new ImageBuildParameters
        {
            Dockerfile = request.DockerfilePath,
            Tags = [.. request.References.Select(reference => reference.ToString())],
            Labels = request.Labels is { Count: > 0 } labels ? new Dictionary<string, string>(labels) : null,
            Version = "1", // the classic builder (Podman builds with buildah whatever this says)
            Remove = true,
            ForceRemove = true, // no intermediate containers left behind, even when a step fails
            NetworkMode = request.Options.Network.Length > 0 ? request.Options.Network : null,
            Platform = request.Options.Platform.Length > 0 ? request.Options.Platform : null,
            Pull = request.Options.PullAlways ? "true" : null,
            NoCache = request.Options.NoCache,
            BuildArgs = request.Options.BuildArgs is { Count: > 0 } buildArgs ? new Dictionary<string, string>(buildArgs) : null,
        };

        var log = new BuildEventLog(output);
        var progress = new ClassicBuildProgress(log);
        try
        {
            return await BuildAsync(client, parameters, request, progress, log, cancellationToken).ConfigureAwait(false);
        }
        catch when (!progress.Built)
        {
            // Failed or cancelled: the images of the steps that did run are nobody's (and only those, not the ones
            // the steps found in the cache, which other images stand on).
            await RemoveAsync(client, progress.CreatedImages, output).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<BuildResult> BuildAsync(
        DockerClient client, ImageBuildParameters parameters, BuildRequest request, ClassicBuildProgress progress, BuildEventLog log, CancellationToken cancellationToken)
    {
        await SendContextAsync(request.Context, body => client.Images.BuildImageFromDockerfileAsync(parameters, body, null, null, progress, cancellationToken),
            cancellationToken).ConfigureAwait(false);
        progress.Flush();
        if (log.Failure() is { } failure)
        {
            throw failure;
        }

        var imageId = log.ImageId ?? await InspectIdAsync(request.References[0].ToString(), cancellationToken).ConfigureAwait(false);
        return new BuildResult(imageId);
    }

    // Removes each image by itself (no pruning of its parents), newest first, within a bound of its own: the build's
    // token may be the cancelled one. What cannot be removed (another image came to stand on it) is left.
    private static async Task RemoveAsync(DockerClient client, IReadOnlyList<string> images, Action<string> output)
    {
        if (images.Count == 0)
        {
            return;
        }

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var removed = 0;
        foreach (var image in images.Reverse())
        {
            try
            {
                await client.Images.DeleteImageAsync(image, new ImageDeleteParameters { NoPrune = true }, bound.Token).ConfigureAwait(false);
                removed++;
            }
            catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or OperationCanceledException)
            {
            }
        }

        output($"Removed {removed} of the {images.Count} intermediate image(s) the failed build created");
    }

    // Streams the context as a tar into the request that send makes: a producer writes into a pipe while the request
    // reads from it. A context file that could not be read (deleted under us) is the error reported, before the
    // engine's complaint about the truncated tar it caused; any other failure of the request is PIMG1004.
    private async Task SendContextAsync(IReadOnlyList<ContextEntry> context, Func<Stream, Task> send, CancellationToken cancellationToken)
    {
        var pipe = new Pipe();
        using var producerCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = ProduceContextAsync(context, pipe.Writer, producerCancellation.Token);
        try
        {
            await using var body = pipe.Reader.AsStream();
            await send(body).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not PipelineImageException)
        {
            await StopProducerAsync(producer, producerCancellation).ConfigureAwait(false);
            throw new EngineRequestFailedException("build", EngineFailure.Describe(e, _connectTimeout), e);
        }
        catch
        {
            await StopProducerAsync(producer, producerCancellation).ConfigureAwait(false);
            throw;
        }

        await producer.ConfigureAwait(false);
    }

    private static async Task ProduceContextAsync(IReadOnlyList<ContextEntry> context, PipeWriter writer, CancellationToken cancellationToken)
    {
        await Task.Yield();
        Exception? failure = null;
        try
        {
            await using var stream = writer.AsStream(leaveOpen: true);
            await ContextTarWriter.WriteAsync(context, stream, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e;
            throw;
        }
        finally
        {
            await writer.CompleteAsync(failure).ConfigureAwait(false);
        }
    }

    // The request failed. If writing the context failed first (a file unreadable, say), that is the cause to
    // report, rather than the engine's complaint about the truncated context it received.
    private static async Task StopProducerAsync(Task producer, CancellationTokenSource cancellation)
    {
        if (!producer.IsCompleted)
        {
            cancellation.Cancel();
        }

        try
        {
            await producer.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EngineRequestFailedException("build", $"the build context could not be read: {e.Message}", e);
        }
    }
}
