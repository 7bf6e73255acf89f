using System.Security.Cryptography;
using PipelineImage.Session.Protocol;
using PipelineImage.Transport;

namespace PipelineImage.Session;

/// <summary>
/// A BuildKit session served over the engine's <c>POST /session</c>: the request upgrades to h2c, the engine becomes
/// the HTTP/2 client on that connection, and we answer its gRPC calls (health, secrets, registry credentials) for as
/// long as the build that names the session runs. Disposing ends the connection, and with it the session.
/// </summary>
internal sealed class BuildSession : IAsyncDisposable
{
    private readonly Http2Server _server;
    private readonly CancellationTokenSource _stop;
    private readonly Task _serving;

    private BuildSession(string id, Http2Server server, CancellationTokenSource stop)
    {
        Id = id;
        _server = server;
        _stop = stop;
        _serving = server.ServeAsync(stop.Token);
    }

    /// <summary>The session's id, for the build's <c>session</c> parameter.</summary>
    public string Id { get; }

    /// <summary>Completes when the engine ends the session (or breaks its protocol: the task then faults).</summary>
    public Task Serving => _serving;

    /// <param name="connection">The engine's address; the session has a connection of its own.</param>
    /// <param name="apiVersion">The API version agreed on (<c>1.41</c>); null: the engine's own (an unversioned path).</param>
    /// <param name="name">What the engine shows as the session's name (the project).</param>
    /// <param name="sharedKey">
    /// Stable for one project directory: BuildKit keys what it keeps of a session's local files by it.
    /// </param>
    /// <param name="services">The methods served.</param>
    /// <param name="cancellationToken">Ends the upgrade request.</param>
    public static async Task<BuildSession> OpenAsync(
        EngineConnection connection, string? apiVersion, string name, string sharedKey, SessionServices services, CancellationToken cancellationToken)
    {
        var id = NewId();
        var grpc = services.Server();
        // One header per method: the engine reads the methods a session serves from the repeated header's values.
        var headers = new List<KeyValuePair<string, string>>
        {
            new("X-Docker-Expose-Session-Uuid", id),
            new("X-Docker-Expose-Session-Name", name),
            new("X-Docker-Expose-Session-Sharedkey", sharedKey),
        };
        headers.AddRange(grpc.Methods.Select(method => new KeyValuePair<string, string>("X-Docker-Expose-Session-Grpc-Method", method)));

        // After 101 the connection carries HTTP/2, with the engine as its client.
        var stream = await EngineHttp.UpgradeAsync(connection, apiVersion is null ? "session" : $"v{apiVersion}/session", "h2c", headers, cancellationToken).ConfigureAwait(false);
        var server = new Http2Server(stream, grpc.HandleAsync);
        return new BuildSession(id, server, new CancellationTokenSource());
    }

    /// <summary>
    /// A session carried by a stream another protocol gives it (BuildKit's <c>Control/Session</c> call), which
    /// <paramref name="open"/> opens with the token that ends it.
    /// </summary>
    /// <param name="id">The session's id, which the stream's opening announces (<see cref="NewId"/>).</param>
    /// <param name="services">The methods served.</param>
    /// <param name="open">Opens the stream; its token ends the stream with the session.</param>
    public static BuildSession Over(string id, SessionServices services, Func<CancellationToken, Stream> open)
    {
        var stop = new CancellationTokenSource();
        return new BuildSession(id, new Http2Server(open(stop.Token), services.Server().HandleAsync), stop);
    }

    /// <summary>25 characters of base-36, as BuildKit's own identity.NewID() (session ids, build refs).</summary>
    internal static string NewId()
    {
        const string alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        return new string(RandomNumberGenerator.GetItems<char>(alphabet, 25));
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _server.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _serving.ConfigureAwait(false);
        }
        catch (Exception failure) when (failure is OperationCanceledException or IOException or HpackException)
        {
            // Ending the session ends its connection under the reader.
        }

        _stop.Dispose();
    }
}

/// <summary>What one session serves: the health check BuildKit polls, the build's secrets, registry credentials.</summary>
internal sealed class SessionServices
{
    private readonly IReadOnlyDictionary<string, byte[]> _secrets;
    private readonly Func<string, CancellationToken, Task<(string Username, string Secret)?>>? _credentials;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _asked = new();
    private readonly FileSync? _files;

    /// <param name="secrets">Each secret's value by its id.</param>
    /// <param name="credentials">A registry host's credentials, or null for anonymous; null: the service is not offered.</param>
    /// <param name="files">The build context, for FileSync; null: the service is not offered.</param>
    public SessionServices(
        IReadOnlyDictionary<string, byte[]> secrets,
        Func<string, CancellationToken, Task<(string Username, string Secret)?>>? credentials = null,
        FileSync? files = null)
    {
        _secrets = secrets;
        _credentials = credentials;
        _files = files;
    }

    /// <summary>The secret ids the builder asked for, in the order asked, known or not.</summary>
    public IReadOnlyCollection<string> SecretsAsked => _asked;

    public GrpcServer Server()
    {
        var methods = new Dictionary<string, Func<GrpcCall, Task>>(StringComparer.Ordinal)
        {
            ["/grpc.health.v1.Health/Check"] = CheckAsync,
            ["/moby.buildkit.secrets.v1.Secrets/GetSecret"] = GetSecretAsync,
        };
        if (_credentials is not null)
        {
            methods["/moby.filesync.v1.Auth/Credentials"] = CredentialsAsync;
        }

        if (_files is not null)
        {
            methods[FileSync.Method] = _files.DiffCopyAsync;
        }

        return new GrpcServer(methods);
    }

    private static async Task CheckAsync(GrpcCall call)
    {
        await call.ReadSingleAsync(HealthCheckRequest.Parser).ConfigureAwait(false);
        await call.WriteAsync(new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.Serving }).ConfigureAwait(false);
    }

    private async Task GetSecretAsync(GrpcCall call)
    {
        var request = await call.ReadSingleAsync(GetSecretRequest.Parser).ConfigureAwait(false);
        _asked.Enqueue(request.ID);
        if (!_secrets.TryGetValue(request.ID, out var value))
        {
            // BuildKit's secret provider answers NotFound; the builder then fails the step (or skips an optional mount).
            throw new GrpcStatusException(GrpcStatus.NotFound, $"secret {request.ID} not found");
        }

        await call.WriteAsync(new GetSecretResponse { Data = Google.Protobuf.ByteString.CopyFrom(value) }).ConfigureAwait(false);
    }

    private async Task CredentialsAsync(GrpcCall call)
    {
        var request = await call.ReadSingleAsync(CredentialsRequest.Parser).ConfigureAwait(false);
        var found = await _credentials!(request.Host, call.Cancelled).ConfigureAwait(false);
        await call.WriteAsync(found is { } credential
            ? new CredentialsResponse { Username = credential.Username, Secret = credential.Secret }
            : new CredentialsResponse()).ConfigureAwait(false);
    }
}
