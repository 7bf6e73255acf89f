using System.IO.Pipelines;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using PipelineImage.Context;
using PipelineImage.Diagnostics;
using PipelineImage.Transport;

namespace PipelineImage.Engine;

/// <summary>
/// POST /build with the classic builder (or Podman's): the context streamed as a tar, the progress followed, leftovers
/// removed. Every builder goes through the one request (<see cref="PostBuildAsync"/>) and its one query.
/// </summary>
internal sealed partial class DockerEngine
{
    public async Task<BuildResult> BuildAsync(BuildRequest request, Action<string> output, CancellationToken cancellationToken)
    {
        if (request.Options.Builder == ImageBuilder.BuildKit)
        {
            return await BuildWithBuildKitAsync(request, output, cancellationToken).ConfigureAwait(false);
        }

        // Podman takes secrets as podman-remote sends them: each value in the context, named by the secrets
        // parameter, and moved out of the context before the build starts (so no COPY sees it). ImageBuilders.Choose
        // lets secrets reach only Podman here.
        var secrets = request.Options.Secrets ?? [];
        var context = secrets.Count == 0 ? request.Context
            : [.. request.Context, .. secrets.Select(secret => ContextEntry.FromContent(PodmanSecretPath(secret), secret.Value))];
        var query = BuildQuery(request, "1"); // the classic builder (Podman builds with buildah whatever this says)
        if (secrets.Count > 0)
        {
            query += "&secrets=" + Uri.EscapeDataString(JsonSerializer.Serialize(secrets.Select(secret => $"id={secret.Id},src={PodmanSecretPath(secret)}")));
        }

        var log = new BuildEventLog(output);
        var progress = new ClassicBuildProgress(log);
        try
        {
            await PostBuildAsync(context, query, progress.Report, cancellationToken).ConfigureAwait(false);
            progress.Flush();
            if (log.Failure() is { } failure)
            {
                throw failure;
            }

            var imageId = log.ImageId ?? await InspectIdAsync(request.References[0].ToString(), cancellationToken).ConfigureAwait(false);
            return new BuildResult(imageId);
        }
        catch when (!progress.Built)
        {
            // Failed or cancelled: the images of the steps that did run are nobody's (and only those, not the ones
            // the steps found in the cache, which other images stand on).
            await RemoveAsync(progress.CreatedImages, output).ConfigureAwait(false);
            throw;
        }
    }

    private static string PodmanSecretPath(BuildSecret secret) => ".pipelineimage-secret-" + secret.Id;

    // POST /build with the context as the body (none: the builder takes it from the session); each line of the
    // answer goes to read, in order.
    private async Task PostBuildAsync(IReadOnlyList<ContextEntry>? context, string query, Action<string> read, CancellationToken cancellationToken)
    {
        async Task SendAsync(HttpContent? content)
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, $"v{_apiVersion}/build?{query}") { Content = content };
            await ReadLinesAsync(message, read, status => new EngineRequestFailedException("build", status), cancellationToken).ConfigureAwait(false);
        }

        if (context is not null)
        {
            await SendContextAsync(context, body => SendAsync(new StreamContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/x-tar") } }),
                cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await SendAsync(null).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not PipelineImageException)
        {
            throw new EngineRequestFailedException("build", EngineFailure.Describe(e, _connectTimeout), e);
        }
    }

    // Sends the request and gives each line of a 2xx answer (a JSON message) to read, in order; an error answer is
    // failed's exception, given the status and the engine's message.
    private async Task ReadLinesAsync(HttpRequestMessage message, Action<string> read, Func<string, Exception> failed, CancellationToken cancellationToken)
    {
        using var response = await Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        if (!response.IsSuccessStatusCode)
        {
            var text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            throw failed($"{(int)response.StatusCode} {response.StatusCode}: {EngineFailure.ApiMessage(text)}");
        }

        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length > 0)
            {
                read(line);
            }
        }
    }

    // The query of the Engine API's build endpoint, as the docker CLI sends it.
    private static string BuildQuery(BuildRequest request, string version)
    {
        var query = new List<string> { "version=" + version, "rm=1", "forcerm=1", "dockerfile=" + Uri.EscapeDataString(request.DockerfilePath) };
        query.AddRange(request.References.Select(reference => "t=" + Uri.EscapeDataString(reference.ToString())));
        var options = request.Options;
        if (options.Network.Length > 0)
        {
            query.Add("networkmode=" + Uri.EscapeDataString(options.Network));
        }

        if (options.Platform.Length > 0)
        {
            query.Add("platform=" + Uri.EscapeDataString(options.Platform));
        }

        if (options.PullAlways)
        {
            query.Add("pull=1");
        }

        if (options.NoCache)
        {
            query.Add("nocache=1");
        }

        if (options.BuildArgs is { Count: > 0 } buildArgs)
        {
            query.Add("buildargs=" + Uri.EscapeDataString(JsonSerializer.Serialize(buildArgs)));
        }

        if (request.Labels is { Count: > 0 } labels)
        {
            query.Add("labels=" + Uri.EscapeDataString(JsonSerializer.Serialize(labels)));
        }

        return string.Join('&', query);
    }

    // Removes each image by itself (no pruning of its parents), newest first, within a bound of its own: the build's
    // token may be the cancelled one. What cannot be removed (another image came to stand on it) is left after the bound.
    private async Task RemoveAsync(IReadOnlyList<string> images, Action<string> output)
    {
        if (images.Count == 0)
        {
            return;
        }

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var removed = 0;
        foreach (var image in images.Reverse())
        {
            // A cancelled build's step container still stands on its parent image until the engine has ended it
            // (it does so once it sees the build's request go): a conflict is retried within the bound.
            try
            {
                while (true)
                {
                    using var response = await Http.DeleteAsync($"v{_apiVersion}/images/{image}?noprune=1", bound.Token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        removed++;
                        break;
                    }

                    if (response.StatusCode != System.Net.HttpStatusCode.Conflict)
                    {
                        break;
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(250), bound.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
            {
                // The engine is gone, or the bound has passed: the image is left, and counted as such below.
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
