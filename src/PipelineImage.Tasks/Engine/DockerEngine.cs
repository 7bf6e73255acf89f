using Docker.DotNet;
using Docker.DotNet.Models;
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

    public void Dispose() => _client?.Dispose();

    private DockerClient Client => _client ?? throw new InvalidOperationException("ConnectAsync first.");
}
