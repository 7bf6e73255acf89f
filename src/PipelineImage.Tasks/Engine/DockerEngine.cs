using System.IO.Pipelines;
using System.Net.Http;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using PipelineImage.Context;
using PipelineImage.Diagnostics;
using PipelineImage.Naming;
using PipelineImage.Registry;
using Version = System.Version;

namespace PipelineImage.Engine;

/// <summary>
/// The Docker Engine API (Docker, and Podman's compatible API) through Docker.DotNet, building with the classic
/// builder of <c>POST /build</c>. The API version is negotiated as the docker CLI does it: the lower of the
/// engine's and ours.
/// </summary>
public sealed partial class DockerEngine : IContainerEngine
{
    /// <summary>API 1.38 is the first with the build endpoint's <c>version</c> (builder) parameter.</summary>
    public static readonly Version MinimumApiVersion = new(1, 38);

    /// <summary>The newest API whose build endpoint we have read; newer engines are spoken to in this version.</summary>
    public static readonly Version MaximumApiVersion = new(1, 47);

    private readonly Uri _endpoint;
    private readonly EngineTls? _tls;
    private readonly string _source;
    private readonly TimeSpan _connectTimeout;
    private DockerClient? _client;

    public DockerEngine(EngineConnection connection, TimeSpan connectTimeout)
    {
        _endpoint = connection.Endpoint;
        _tls = connection.Tls;
        _source = connection.Source;
        _connectTimeout = connectTimeout;
    }

    public async Task<EngineInfo> ConnectAsync(CancellationToken cancellationToken)
    {
        VersionResponse version;
        using (var probe = Builder().WithTimeout(_connectTimeout).Build())
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(_connectTimeout);
            try
            {
                // WaitAsync too: a TLS handshake that gets no answer does not heed the token.
                version = await probe.System.GetVersionAsync(timeout.Token).WaitAsync(_connectTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // Whatever the client throws (refused, reset, time-out, no socket, TLS, an answer that is no engine's).
                throw new EngineUnavailableException(_endpoint.ToString(), _source, EngineFailure.Describe(e, _connectTimeout, _tls?.CaFile, _endpoint), e);
            }
        }

        if (!Version.TryParse(version.APIVersion, out var engineApi) || engineApi < MinimumApiVersion)
        {
            throw new EngineApiTooOldException(_endpoint.ToString(), version.APIVersion ?? "unknown", MinimumApiVersion.ToString());
        }

        var negotiated = engineApi < MaximumApiVersion ? engineApi : MaximumApiVersion;
        _client?.Dispose();
        _client = Builder()
            .WithApiVersion(negotiated)
            .WithTimeout(Timeout.InfiniteTimeSpan) // a build takes as long as its RUN steps; cancellation ends it
            .Build();
        return new EngineInfo(_endpoint.ToString(), version.Version ?? "unknown", negotiated.ToString(), $"{version.Os}/{version.Arch}");
    }

    // The endpoint, with a client certificate and the engine's CA check for TLS.
    private DockerClientBuilder Builder()
    {
        var builder = new DockerClientBuilder().WithEndpoint(_endpoint);
        return _tls is null ? builder : builder.WithAuthProvider(EngineTlsCredentials.Create(_tls, _endpoint.ToString()));
    }

    public async Task<BuildResult> BuildAsync(BuildRequest request, Action<string> output, CancellationToken cancellationToken)
    {
        var client = _client ?? throw new InvalidOperationException("ConnectAsync first.");
        var parameters = new ImageBuildParameters
        {
            Dockerfile = request.DockerfilePath,
            Tags = [.. request.References],
            Version = "1", // the classic builder; BuildKit will be its own IContainerEngine
            Remove = true,
            ForceRemove = true, // no intermediate containers left behind, even when a step fails
            NetworkMode = request.Options.Network.Length > 0 ? request.Options.Network : null,
            Platform = request.Options.Platform.Length > 0 ? request.Options.Platform : null,
            Pull = request.Options.PullAlways ? "true" : null,
            NoCache = request.Options.NoCache,
            BuildArgs = request.Options.BuildArgs is { Count: > 0 } buildArgs ? new Dictionary<string, string>(buildArgs) : null,
        };

        var progress = new BuildProgress(output);
        try
        {
            return await BuildAsync(client, parameters, request, progress, cancellationToken).ConfigureAwait(false);
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
        DockerClient client, ImageBuildParameters parameters, BuildRequest request, BuildProgress progress, CancellationToken cancellationToken)
    {
        // The context is streamed: a producer writes the tar into a pipe while the HTTP request reads from it.
        var pipe = new Pipe();
        using var producerCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = ProduceContextAsync(request.Context, pipe.Writer, producerCancellation.Token);
        try
        {
            await using var body = pipe.Reader.AsStream();
            await client.Images.BuildImageFromDockerfileAsync(parameters, body, null, null, progress, cancellationToken)
                .ConfigureAwait(false);
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

        // A context file that could not be read (deleted under us) surfaces here, before the engine's complaint
        // about the truncated tar it caused.
        await producer.ConfigureAwait(false);
        progress.Flush();
        if (progress.Error is not null)
        {
            throw new ImageBuildFailedException(progress.CurrentStep ?? "the build", progress.Error, progress.StepOutput);
        }

        var imageId = progress.ImageId ?? await InspectIdAsync(client, request.References[0], cancellationToken).ConfigureAwait(false);
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

    public void Dispose() => _client?.Dispose();

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

    public async Task<PushResult> PushAsync(
        ImageReference reference, ResolvedCredential resolved, Action<string> output, CancellationToken cancellationToken)
    {
        var credential = resolved.Credential;
        var client = _client ?? throw new InvalidOperationException("ConnectAsync first.");
        var registry = RegistryHost.Of(reference.Name);
        var auth = credential is null
            ? new AuthConfig()
            : new AuthConfig
            {
                Username = credential.Username,
                Password = credential.Password,
                IdentityToken = credential.IdentityToken.Length > 0 ? credential.IdentityToken : null,
                ServerAddress = RegistryHost.ServerUrl(registry),
            };
        var progress = new PushProgress(output);
        try
        {
            await client.Images.PushImageAsync(reference.Name, new ImagePushParameters { Tag = reference.Tag }, auth, progress, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            throw Classify(reference.ToString(), registry, $"{(int)e.StatusCode} {e.StatusCode}: {EngineFailure.ApiMessage(e)}", resolved.Source);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not PipelineImageException)
        {
            throw new EngineRequestFailedException($"push {reference}", EngineFailure.Describe(e, _connectTimeout), e);
        }

        if (progress.Error is not null)
        {
            throw Classify(reference.ToString(), registry, progress.Error, resolved.Source);
        }

        return new PushResult(progress.Digest ?? "", progress.BytesUploaded, progress.LayersPushed, progress.LayersPresent);
    }

    // What the registry said, as the engine passes it on, decides which error tells the user what to do.
    private static PushFailedException Classify(string reference, string registry, string detail, string credentialSource)
    {
        var text = detail.ToLowerInvariant();
        var resource =
            text.Contains("unauthorized") || text.Contains("authentication required") || text.Contains("denied") || text.Contains("401")
                ? DiagnosticCodes.RegistryUnauthorized
            : text.Contains("x509") || text.Contains("certificate") || text.Contains("tls:") || text.Contains("server gave http response to https client")
                ? DiagnosticCodes.RegistryTlsFailed
            : text.Contains("connection refused") || text.Contains("no such host") || text.Contains("i/o timeout") || text.Contains("dial tcp")
              || text.Contains("network is unreachable")
                ? DiagnosticCodes.RegistryUnreachable
            : DiagnosticCodes.PushFailed;
        return new PushFailedException(resource, reference, registry, detail, credentialSource);
    }

    public async Task<bool> ImageExistsAsync(string reference, CancellationToken cancellationToken) =>
        await InspectAsync(_client ?? throw new InvalidOperationException("ConnectAsync first."), reference, cancellationToken).ConfigureAwait(false)
            is not null;

    private async Task<string> InspectIdAsync(DockerClient client, string reference, CancellationToken cancellationToken) =>
        (await InspectAsync(client, reference, cancellationToken).ConfigureAwait(false))?.ID
        ?? throw new EngineRequestFailedException($"inspect {reference}", "404 NotFound: the engine has no image with the reference the build tagged");

    // GET /images/{name}/json: null when the engine has no such image; any other failure is PIMG1004.
    private async Task<ImageInspectResponse?> InspectAsync(DockerClient client, string reference, CancellationToken cancellationToken)
    {
        try
        {
            return await client.Images.InspectImageAsync(reference, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EngineRequestFailedException($"inspect {reference}", EngineFailure.Describe(e, _connectTimeout), e);
        }
    }

    /// <summary>
    /// Follows the JSON messages of <c>POST /images/{name}/push</c>: each layer's state and bytes, the error and the
    /// digest. Lines go to the log only when a layer's state changes, not for every progress tick.
    /// </summary>
    private sealed class PushProgress(Action<string> output) : IProgress<JSONMessage>
    {
        private readonly Dictionary<string, long> _uploaded = new(StringComparer.Ordinal);
        private readonly HashSet<string> _pushed = new(StringComparer.Ordinal);
        private readonly HashSet<string> _present = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _lastStatus = new(StringComparer.Ordinal);

        public string? Error { get; private set; }

        public string? Digest { get; private set; }

        public long BytesUploaded => _pushed.Sum(layer => _uploaded.GetValueOrDefault(layer));

        public int LayersPushed => _pushed.Count;

        public int LayersPresent => _present.Count;

        public void Report(JSONMessage value)
        {
            if (value.Error is not null && !string.IsNullOrEmpty(value.Error.Message))
            {
                Error = value.Error.Message.TrimEnd();
                return;
            }

            if (value.Aux?.ExtensionData is { } aux && aux.TryGetValue("Digest", out var digest))
            {
                Digest = digest is JsonElement { ValueKind: JsonValueKind.String } element ? element.GetString() : digest?.ToString();
                return;
            }

            var status = value.Status ?? "";
            var layer = value.ID ?? "";
            if (status.Length == 0)
            {
                return;
            }

            if (layer.Length > 0 && status == "Pushing" && value.Progress is { } progress)
            {
                _uploaded[layer] = Math.Max(_uploaded.GetValueOrDefault(layer), progress.Total ?? progress.Current ?? 0);
            }
            else if (layer.Length > 0 && status == "Pushed")
            {
                _pushed.Add(layer);
            }
            else if (layer.Length > 0 && (status.StartsWith("Layer already exists", StringComparison.Ordinal)
                                          || status.StartsWith("Mounted from", StringComparison.Ordinal)))
            {
                _present.Add(layer);
            }

            if (layer.Length == 0 || !_lastStatus.TryGetValue(layer, out var last) || last != status)
            {
                _lastStatus[layer] = status;
                output(layer.Length == 0 ? status : $"{layer}: {status}");
            }
        }
    }

    /// <summary>
    /// Follows the JSON messages of <c>POST /build</c>: output lines, the current step and its output, the error
    /// and the built image's id. Called synchronously in stream order.
    /// </summary>
    private sealed partial class BuildProgress(Action<string> output) : IProgress<JSONMessage>
    {
        private const int MaxStepOutputLines = 60;
        private readonly Queue<string> _stepOutput = new();
        private string _partialLine = "";
        private bool _cached;
        private bool _fromStep;
        private bool _built;

        public string? CurrentStep { get; private set; }

        public string? Error { get; private set; }

        public string? ImageId { get; private set; }

        public IReadOnlyList<string> StepOutput => [.. _stepOutput];

        /// <summary>The engine said the image is built (its last step committed).</summary>
        public bool Built => ImageId is not null || _built;

        /// <summary>The images the steps committed, oldest first; not the ones they took from the cache.</summary>
        public List<string> CreatedImages { get; } = [];

        public void Report(JSONMessage value)
        {
            if (!string.IsNullOrEmpty(value.Stream))
            {
                var text = _partialLine + value.Stream;
                var lines = text.Split('\n');
                for (var i = 0; i < lines.Length - 1; i++)
                {
                    Line(lines[i].TrimEnd('\r'));
                }

                _partialLine = lines[^1];
            }

            if (!string.IsNullOrEmpty(value.Status))
            {
                Line(string.IsNullOrEmpty(value.ID) ? value.Status : $"{value.ID}: {value.Status}");
            }

            if (value.Error is not null && !string.IsNullOrEmpty(value.Error.Message))
            {
                Error = value.Error.Message.TrimEnd();
            }

            if (value.Aux?.ExtensionData is { } aux && aux.TryGetValue("ID", out var id))
            {
                ImageId = id is JsonElement { ValueKind: JsonValueKind.String } element ? element.GetString() : id?.ToString();
            }
        }

        [System.Text.RegularExpressions.GeneratedRegex(@"\A\s*---> ([0-9a-f]{12,64})\z")]
        private static partial System.Text.RegularExpressions.Regex StepImage();

        [System.Text.RegularExpressions.GeneratedRegex(@"\AStep [0-9]+/[0-9]+ : FROM ", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
        private static partial System.Text.RegularExpressions.Regex FromStep();

        public void Flush()
        {
            if (_partialLine.Length > 0)
            {
                Line(_partialLine);
                _partialLine = "";
            }
        }

        private void Line(string raw)
        {
            var line = BuildFailure.Clean(raw);
            output(line);
            if (line.StartsWith("Step ", StringComparison.Ordinal))
            {
                CurrentStep = line;
                _stepOutput.Clear();
                _cached = false;
                _fromStep = FromStep().IsMatch(line);
                return;
            }

            if (line.StartsWith("Successfully built ", StringComparison.Ordinal))
            {
                _built = true;
            }

            // " ---> Using cache" then " ---> <id>" for a cached step, " ---> <id>" alone for a committed one; after
            // FROM, " ---> <id>" is the base image, which is never ours to remove.
            if (line.Trim() == "---> Using cache")
            {
                _cached = true;
            }
            else if (StepImage().Match(line) is { Success: true } committed)
            {
                if (!_cached && !_fromStep)
                {
                    CreatedImages.Add(committed.Groups[1].Value);
                }

                _cached = false;
            }

            _stepOutput.Enqueue(line);
            if (_stepOutput.Count > MaxStepOutputLines)
            {
                _stepOutput.Dequeue();
            }
        }
    }
}
