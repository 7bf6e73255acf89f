using System.Net.Http;
using System.Text.Json;
using PipelineImage.Transport;
using Version = System.Version;

namespace PipelineImage.Engine;

/// <summary>
/// The Docker Engine API (Docker, and Podman's compatible API), over our own HTTP client (<see cref="EngineHttp"/>):
/// each call is one request whose answer we read ourselves. The API version is negotiated as the docker CLI does it:
/// the lower of the engine's and ours.
/// </summary>
internal sealed partial class DockerEngine : IContainerEngine
{
    /// <summary>API 1.38 is the first with the build endpoint's <c>version</c> (builder) parameter.</summary>
    public static readonly Version MinimumApiVersion = new(1, 38);

    /// <summary>How long an engine that answered its ping has for its <c>/version</c>.</summary>
    public static readonly TimeSpan VersionTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The newest API whose build endpoint we have read; newer engines are spoken to in this version.</summary>
    public static readonly Version MaximumApiVersion = new(1, 47);

    private readonly Uri _endpoint;
    private readonly EngineTls? _tls;
    private readonly string _source;
    private readonly TimeSpan _connectTimeout;
    private HttpClient? _http;
    private string _apiVersion = "";
    private string _engineApiVersion = "";
    private bool _podman;
    private bool? _containerdStore;

    public DockerEngine(EngineConnection connection, TimeSpan connectTimeout)
    {
        _endpoint = connection.Endpoint;
        _tls = connection.Tls;
        _source = connection.Source;
        _connectTimeout = connectTimeout;
    }

    public async Task<EngineInfo> ConnectAsync(CancellationToken cancellationToken)
    {
        _http?.Dispose();
        _http = EngineHttp.Create(new EngineConnection(_endpoint, _tls, _source), _connectTimeout);
        string serverVersion, apiVersion, platform;
        string? builderVersion;
        bool podman;
        var waited = _connectTimeout;
        try
        {
            // The ping's headers say which builders the engine has.
            using (var ping = await WithinAsync(_connectTimeout, token => _http.GetAsync("_ping", token), cancellationToken).ConfigureAwait(false))
            {
                builderVersion = ping.Headers.TryGetValues("Builder-Version", out var values) ? values.FirstOrDefault() : null;
                podman = ping.Headers.Contains("Libpod-Api-Version");
            }

            // An engine that answered its ping is there, and its /version may wait: Podman's gathers the store's
            // information, behind a load or a build that holds the store's lock.
            waited = _connectTimeout > VersionTimeout ? _connectTimeout : VersionTimeout;
            using var version = await WithinAsync(waited, token => GetJsonAsync("version", token), cancellationToken).ConfigureAwait(false);
            var root = version.RootElement;
            serverVersion = String(root, "Version") ?? "unknown";
            apiVersion = String(root, "ApiVersion") ?? throw new JsonException("no ApiVersion in the answer to /version");
            platform = $"{String(root, "Os")}/{String(root, "Arch")}";
            podman |= root.TryGetProperty("Components", out var components) && components.ValueKind == JsonValueKind.Array
                && components.EnumerateArray().Any(component => String(component, "Name")?.Contains("Podman", StringComparison.OrdinalIgnoreCase) == true);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever the client throws (refused, reset, time-out, no socket, TLS, an answer that is no engine's).
            throw new EngineUnavailableException(_endpoint.ToString(), _source, EngineFailure.Describe(e, waited, _tls?.CaFile, _endpoint), e);
        }

        if (!Version.TryParse(apiVersion, out var engineApi) || engineApi < MinimumApiVersion)
        {
            throw new EngineApiTooOldException(_endpoint.ToString(), apiVersion, MinimumApiVersion.ToString());
        }

        _engineApiVersion = apiVersion;
        _apiVersion = (engineApi < MaximumApiVersion ? engineApi : MaximumApiVersion).ToString();
        _podman = podman;
        return new EngineInfo(_endpoint.ToString(), serverVersion, _apiVersion, platform, builderVersion, podman);
    }

    // A request within a bound of its own. WaitAsync too: a TLS handshake that gets no answer does not heed the token.
    private static async Task<T> WithinAsync<T>(TimeSpan bound, Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(bound);
        return await request(timeout.Token).WaitAsync(bound, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>Asked once an engine.</remarks>
    public async Task<bool> UsesContainerdImageStoreAsync(CancellationToken cancellationToken)
    {
        if (_containerdStore is { } known)
        {
            return known;
        }

        if (_podman)
        {
            return (_containerdStore = false).Value;
        }

        // GET /info's DriverStatus has ["driver-type", "io.containerd.snapshotter.v1"] on the containerd store (Docker 24 on).
        using var info = await RequestJsonAsync(HttpMethod.Get, $"v{_apiVersion}/info", "read the engine's information", cancellationToken)
            .ConfigureAwait(false);
        _containerdStore = info!.RootElement.TryGetProperty("DriverStatus", out var status) && status.ValueKind == JsonValueKind.Array
            && status.EnumerateArray().Any(pair => pair.ValueKind == JsonValueKind.Array && pair.GetArrayLength() == 2
                && pair[0].ValueKind == JsonValueKind.String && pair[0].GetString() == "driver-type"
                && pair[1].ValueKind == JsonValueKind.String && pair[1].GetString()!.StartsWith("io.containerd.snapshotter", StringComparison.Ordinal));
        return _containerdStore.Value;
    }

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        using var ping = await Http.GetAsync("_ping", cancellationToken).ConfigureAwait(false);
        if (!ping.IsSuccessStatusCode)
        {
            throw new EngineApiStatusException((int)ping.StatusCode, ping.StatusCode.ToString(), "the engine's ping failed");
        }
    }

    // GET of a JSON answer; an answer that is not JSON, or not 2xx, is no Engine API's (a JsonException says so).
    private async Task<JsonDocument> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync(path, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new EngineApiStatusException((int)response.StatusCode, response.StatusCode.ToString(), EngineFailure.ApiMessage(body));
        }

        return JsonDocument.Parse(body);
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public void Dispose() => _http?.Dispose();

    private HttpClient Http => _http ?? throw new InvalidOperationException("ConnectAsync first.");
}
