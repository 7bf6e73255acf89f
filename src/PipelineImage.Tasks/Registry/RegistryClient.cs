using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;

namespace PipelineImage.Registry;

/// <summary>How a registry request failed, for the PIMG code of the task.</summary>
internal enum RegistryFailure
{
    /// <summary>The registry refused the credential, or the account may not do this (401, 403).</summary>
    Unauthorized,

    /// <summary>No connection: the host is unknown or refuses it.</summary>
    Unreachable,

    /// <summary>TLS failed: the certificate is not trusted, or the registry speaks none.</summary>
    Tls,

    /// <summary>Anything else: an answer the protocol does not allow, or a 5xx after every retry.</summary>
    Failed,
}

/// <summary>A request to a registry failed.</summary>
internal sealed class RegistryException(RegistryFailure failure, string message, Exception? inner = null, bool transient = false) : Exception(message, inner)
{
    public RegistryFailure Failure { get; } = failure;

    /// <summary>The registry host that failed.</summary>
    public string Registry { get; init; } = "";

    /// <summary>The registry failed in a way that passes (a 5xx answer, a connection reset or closed early).</summary>
    public bool IsTransient { get; } = transient;
}

/// <summary>
/// The registry HTTP API (the OCI distribution spec) for one registry: manifests and blobs by digest, cross-repository
/// mounts, monolithic and chunked uploads (a chunked upload that fails mid-way resumes from the offset the registry
/// reports), with bearer-token or basic authentication as the registry's challenge asks and retries with backoff on
/// 5xx answers and connections reset or closed early.
/// </summary>
/// <remarks>
/// Written here rather than taken from a library: no registry client for .NET is on our package feed, and the
/// .NET SDK's (Microsoft.NET.Build.Containers) is internal to the SDK. The protocol is a handful of HTTP requests.
/// </remarks>
internal sealed class RegistryClient : IDisposable
{
    /// <summary>Blobs up to this size go up in one PUT; larger ones in chunks of it, each resumable.</summary>
    public const int ChunkSize = 16 << 20;

    private readonly HttpClient http;
    private readonly RegistryCredential? credential;
    private readonly Action<string> log;
    private readonly IReadOnlyList<TimeSpan> retryDelays;
    private readonly Dictionary<string, AuthenticationHeaderValue> tokens = new(StringComparer.Ordinal);
    private AuthenticationHeaderValue? basic;

    /// <param name="registry">The registry host (<see cref="RegistryHost.Of"/>).</param>
    /// <param name="credential">Its credential; null: anonymous.</param>
    /// <param name="log">Where retries are reported.</param>
    /// <param name="retryDelays">The wait before each retry of a transient failure.</param>
    /// <param name="handler">The HTTP handler (tests give an in-memory registry); null: sockets.</param>
    public RegistryClient(string registry, RegistryCredential? credential, Action<string> log, IReadOnlyList<TimeSpan> retryDelays, HttpMessageHandler? handler = null)
    {
        Registry = registry;
        this.credential = credential;
        this.log = log;
        this.retryDelays = retryDelays;
        http = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = BaseAddressOf(registry),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("PipelineImage.Tasks");
    }

    public string Registry { get; }

    /// <summary>
    /// Where the API is: plain HTTP for a registry on loopback (as the docker engine, which trusts 127.0.0.0/8 as insecure
    /// by default), else HTTPS; Docker Hub's API host for docker.io.
    /// </summary>
    public static Uri BaseAddressOf(string registry)
    {
        var host = registry == RegistryHost.DockerHub ? "registry-1.docker.io" : registry;
        return new Uri($"{(IsLoopback(registry) ? "http" : "https")}://{host}/");
    }

    private static bool IsLoopback(string registry)
    {
        var host = registry.StartsWith('[') ? registry[1..registry.IndexOf(']')] : registry.Split(':')[0];
        return host == "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>The manifest (or list) of <paramref name="reference"/> (a tag or digest): its media type, bytes and digest; null when there is none.</summary>
    public async Task<(string MediaType, byte[] Bytes, string Digest)?> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/manifests/{reference}");
            foreach (var type in MediaTypes.Manifests)
            {
                request.Headers.Accept.ParseAdd(type);
            }

            return request;
        }, Pull(repository), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureAsync(response, $"GET the manifest {repository}:{reference}", cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        if (mediaType.Length == 0 || mediaType == "application/json")
        {
            using var document = JsonDocument.Parse(bytes);
            mediaType = document.RootElement.TryGetProperty("mediaType", out var type) ? type.GetString() ?? "" : "";
        }

        return (mediaType, bytes, ContentDigest.Of(bytes));
    }

    /// <summary>
    /// The referrers API's index of a subject's referrers (<c>GET /v2/&lt;name&gt;/referrers/&lt;digest&gt;</c>); null when the
    /// registry has no such API (it answers 404 or 405: the referrers tag is then the index, see the distribution spec).
    /// </summary>
    public async Task<byte[]?> GetReferrersAsync(string repository, string digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/referrers/{digest}");
            request.Headers.Accept.ParseAdd(MediaTypes.OciIndex);
            return request;
        }, Pull(repository), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
        {
            return null;
        }

        await EnsureAsync(response, $"GET the referrers of {repository}@{digest}", cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the repository has the manifest of this digest.</summary>
    public Task<bool> HasManifestAsync(string repository, string digest, CancellationToken cancellationToken) =>
        ExistsAsync($"v2/{repository}/manifests/{digest}", Push(repository), cancellationToken);

    /// <summary>Whether the repository has the blob.</summary>
    public Task<bool> HasBlobAsync(string repository, string digest, CancellationToken cancellationToken) =>
        ExistsAsync($"v2/{repository}/blobs/{digest}", Push(repository), cancellationToken);

    /// <summary>A blob's content, streamed.</summary>
    public async Task<Stream> OpenBlobAsync(string repository, string digest, CancellationToken cancellationToken)
    {
        var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/blobs/{digest}"), Pull(repository), cancellationToken)
            .ConfigureAwait(false);
        try
        {
            await EnsureAsync(response, $"GET the blob {digest} of {repository}", cancellationToken).ConfigureAwait(false);
            return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>A small blob's bytes (a configuration), checked against its digest.</summary>
    public async Task<byte[]> ReadBlobAsync(string repository, string digest, CancellationToken cancellationToken)
    {
        await using var blob = await OpenBlobAsync(repository, digest, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await blob.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var bytes = buffer.ToArray();
        Check(repository, digest, ContentDigest.Of(bytes));
        return bytes;
    }

    /// <summary>Downloads a blob into a new file, and checks that its content has the digest; a failed download leaves no file.</summary>
    public async Task DownloadAsync(string repository, string digest, string path, CancellationToken cancellationToken)
    {
        try
        {
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            await using (var blob = await OpenBlobAsync(repository, digest, cancellationToken).ConfigureAwait(false))
            {
                await blob.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }

            string actual;
            await using (var check = File.OpenRead(path))
            {
                actual = ContentDigest.FromHash(await System.Security.Cryptography.SHA256.HashDataAsync(check, cancellationToken).ConfigureAwait(false));
            }

            Check(repository, digest, actual);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Mounts a blob of another repository of this registry into <paramref name="repository"/>: false when the registry would not.</summary>
    public async Task<bool> MountAsync(string repository, string digest, string from, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, $"v2/{repository}/blobs/uploads/?mount={Uri.EscapeDataString(digest)}&from={Uri.EscapeDataString(from)}"),
            $"{Push(repository)} {Pull(from)}", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            return true;
        }

        await EnsureAsync(response, $"mount {digest} from {from} into {repository}", cancellationToken).ConfigureAwait(false);
        if (response.Headers.Location is { } location)
        {
            // The registry opened an upload instead; ours starts its own.
            using var cancel = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, location), Push(repository), cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    /// <summary>
    /// Uploads a blob: in one PUT up to <see cref="ChunkSize"/>, else in chunks; a chunk that fails transiently is sent
    /// again from the offset the registry says it has.
    /// </summary>
    /// <param name="repository">The repository's path in the registry.</param>
    /// <param name="digest">The blob's digest.</param>
    /// <param name="size">Its size.</param>
    /// <param name="open">Opens the blob's content, seekable.</param>
    /// <param name="cancellationToken">Stops the upload.</param>
    public async Task UploadAsync(string repository, string digest, long size, Func<Stream> open, CancellationToken cancellationToken)
    {
        var location = await StartUploadAsync(repository, cancellationToken).ConfigureAwait(false);
        await using var content = open();
        if (size <= ChunkSize)
        {
            var bytes = new byte[size];
            await content.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            for (var attempt = 0; ; attempt++)
            {
                using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, WithDigest(location, digest))
                {
                    Content = Octets(bytes, 0, bytes.Length),
                }, Push(repository), cancellationToken).ConfigureAwait(false);
                if (response.StatusCode != HttpStatusCode.NotFound || attempt > 0)
                {
                    await EnsureAsync(response, $"upload {digest} to {repository}", cancellationToken).ConfigureAwait(false);
                    return;
                }

                // An upload a failed attempt left behind is gone: start again.
                location = await StartUploadAsync(repository, cancellationToken).ConfigureAwait(false);
            }
        }

        var buffer = new byte[ChunkSize];
        long offset = 0;
        var resumes = 0;
        while (offset < size)
        {
            content.Seek(offset, SeekOrigin.Begin);
            var count = (int)Math.Min(ChunkSize, size - offset);
            await content.ReadExactlyAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            try
            {
                using var response = await SendAsync(() =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = Octets(buffer, 0, count) };
                    request.Content.Headers.TryAddWithoutValidation("Content-Range", $"{offset}-{offset + count - 1}");
                    return request;
                }, Push(repository), cancellationToken, retry: false).ConfigureAwait(false);
                await EnsureAsync(response, $"upload {digest} to {repository} (bytes {offset} to {offset + count - 1})", cancellationToken).ConfigureAwait(false);
                location = response.Headers.Location ?? location;
                offset += count;
            }
            catch (RegistryException e) when (e.IsTransient && resumes < retryDelays.Count)
            {
                // The chunk did not arrive whole: ask the upload how much it holds and go on from there.
                log($"The upload of {digest} to {Registry}/{repository} failed at byte {offset} ({e.Message}); resuming in {retryDelays[resumes].TotalSeconds:0} s");
                await Task.Delay(retryDelays[resumes++], cancellationToken).ConfigureAwait(false);
                using var status = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, location), Push(repository), cancellationToken).ConfigureAwait(false);
                await EnsureAsync(status, $"ask the upload of {digest} how much it holds", cancellationToken).ConfigureAwait(false);
                location = status.Headers.Location ?? location;
                offset = status.Headers.TryGetValues("Range", out var ranges) && ranges.FirstOrDefault() is { } range
                    && long.TryParse(range.Split('-')[^1], out var last) ? last + 1 : 0;
            }
        }

        using var done = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, WithDigest(location, digest)) { Content = Octets([], 0, 0) },
            Push(repository), cancellationToken).ConfigureAwait(false);
        await EnsureAsync(done, $"finish the upload of {digest} to {repository}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Puts a manifest under a tag (or its digest): the registry's digest of it, and whether the registry indexed its
    /// <c>subject</c> for the referrers API (it answered <c>OCI-Subject</c>).
    /// </summary>
    public async Task<(string Digest, bool SubjectIndexed)> PutManifestAsync(string repository, string reference, string mediaType, byte[] manifest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() =>
        {
            var content = new ByteArrayContent(manifest);
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return new HttpRequestMessage(HttpMethod.Put, $"v2/{repository}/manifests/{reference}") { Content = content };
        }, Push(repository), cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, $"PUT the manifest {repository}:{reference}", cancellationToken).ConfigureAwait(false);
        var digest = response.Headers.TryGetValues("Docker-Content-Digest", out var digests) && digests.FirstOrDefault() is { Length: > 0 } stored
            ? stored : ContentDigest.Of(manifest);
        return (digest, response.Headers.Contains("OCI-Subject"));
    }

    public void Dispose() => http.Dispose();

    private void Check(string repository, string digest, string actual)
    {
        if (actual != digest)
        {
            throw Fail(RegistryFailure.Failed, $"the blob {digest} of {repository} arrived with the digest {actual}");
        }
    }

    private RegistryException Fail(RegistryFailure failure, string message, Exception? inner = null, bool transient = false) =>
        new(failure, message, inner, transient) { Registry = Registry };

    private static string Pull(string repository) => $"repository:{repository}:pull";

    private static string Push(string repository) => $"repository:{repository}:pull,push";

    private static ByteArrayContent Octets(byte[] bytes, int offset, int count)
    {
        var content = new ByteArrayContent(bytes, offset, count);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    private static Uri WithDigest(Uri location, string digest)
    {
        var text = location.OriginalString;
        return new Uri(text + (text.Contains('?') ? "&" : "?") + "digest=" + Uri.EscapeDataString(digest), UriKind.RelativeOrAbsolute);
    }

    private async Task<Uri> StartUploadAsync(string repository, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"v2/{repository}/blobs/uploads/"), Push(repository), cancellationToken)
            .ConfigureAwait(false);
        await EnsureAsync(response, $"start an upload to {repository}", cancellationToken).ConfigureAwait(false);
        return response.Headers.Location ?? throw Fail(RegistryFailure.Failed, $"the registry {Registry} started an upload to {repository} without a Location");
    }

    private async Task<bool> ExistsAsync(string path, string scope, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, path), scope, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureAsync(response, $"HEAD {path}", cancellationToken).ConfigureAwait(false);
        return true;
    }

    // Sends a request, answering the registry's 401 challenge once, and tries again after each delay when the registry
    // answers 5xx or the connection breaks (not when it cannot be made, or TLS fails).
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, string scope, CancellationToken cancellationToken, bool retry = true)
    {
        var challenged = false;
        for (var attempt = 0; ; attempt++)
        {
            using var request = create();
            if ((tokens.GetValueOrDefault(scope) ?? basic) is { } authorization)
            {
                request.Headers.Authorization = authorization;
            }

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (Classify(e) is var failure)
            {
                if (failure != RegistryFailure.Failed || !retry || attempt >= retryDelays.Count)
                {
                    throw Fail(failure, $"{request.Method} {request.RequestUri}: {Describe(e)}", e, transient: failure == RegistryFailure.Failed);
                }

                await WaitAsync(attempt, $"{request.Method} {request.RequestUri} failed ({Describe(e)})", cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (response.StatusCode == HttpStatusCode.Unauthorized && !challenged)
            {
                challenged = true;
                var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
                response.Dispose();
                await AuthenticateAsync(challenge, scope, cancellationToken).ConfigureAwait(false);
                attempt--;
                continue;
            }

            if ((int)response.StatusCode >= 500 && retry && attempt < retryDelays.Count)
            {
                var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
                response.Dispose();
                await WaitAsync(attempt, $"{request.Method} {request.RequestUri} answered {status}", cancellationToken).ConfigureAwait(false);
                continue;
            }

            return response;
        }
    }

    private async Task WaitAsync(int attempt, string what, CancellationToken cancellationToken)
    {
        log($"{what}; trying again in {retryDelays[attempt].TotalSeconds:0} s (attempt {attempt + 2} of {retryDelays.Count + 1})");
        await Task.Delay(retryDelays[attempt], cancellationToken).ConfigureAwait(false);
    }

    private async Task AuthenticateAsync(AuthenticationHeaderValue? challenge, string scope, CancellationToken cancellationToken)
    {
        if (challenge is null)
        {
            throw Fail(RegistryFailure.Unauthorized, "it answered 401 without a WWW-Authenticate challenge");
        }

        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            basic = credential is { Username.Length: > 0 } given
                ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{given.Username}:{given.Password}")))
                : throw Fail(RegistryFailure.Unauthorized, "it asks for a user name and password (basic authentication), and none was found");
            return;
        }

        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            throw Fail(RegistryFailure.Unauthorized, $"it asks for {challenge.Scheme} authentication, which PipelineImage.Tasks does not speak");
        }

        var parameters = Parameters(challenge.Parameter ?? "");
        if (!parameters.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri))
        {
            throw Fail(RegistryFailure.Unauthorized, "its bearer challenge names no token service (realm)");
        }

        var query = new List<string>();
        if (parameters.TryGetValue("service", out var service))
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }

        query.AddRange(scope.Split(' ').Select(part => "scope=" + Uri.EscapeDataString(part)));
        using var request = credential is { IdentityToken.Length: > 0 } identity
            ? new HttpRequestMessage(HttpMethod.Post, realmUri)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "refresh_token", ["refresh_token"] = identity.IdentityToken, ["service"] = service ?? "",
                    ["scope"] = scope, ["client_id"] = "pipelineimage-tasks",
                }),
            }
            : new HttpRequestMessage(HttpMethod.Get, new Uri(realmUri, realmUri.AbsolutePath + (realmUri.Query.Length > 1 ? realmUri.Query + "&" : "?") + string.Join('&', query)));
        if (credential is { Username.Length: > 0, IdentityToken.Length: 0 } user)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user.Username}:{user.Password}")));
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw Fail(Classify(e), $"its token service {realmUri.GetLeftPart(UriPartial.Path)}: {Describe(e)}", e);
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw Fail(RegistryFailure.Unauthorized, $"its token service refused the credential ({(int)response.StatusCode} {response.ReasonPhrase})");
            }

            await EnsureAsync(response, "get a token", cancellationToken).ConfigureAwait(false);
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            var token = (document.RootElement.TryGetProperty("token", out var t) ? t.GetString() : null)
                ?? (document.RootElement.TryGetProperty("access_token", out var a) ? a.GetString() : null)
                ?? throw Fail(RegistryFailure.Unauthorized, "its token service answered without a token");
            tokens[scope] = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    // The key="value" pairs of a challenge.
    private static Dictionary<string, string> Parameters(string text)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (System.Text.RegularExpressions.Match match in System.Text.RegularExpressions.Regex.Matches(text, "([A-Za-z_]+)=(?:\"([^\"]*)\"|([^,]*))"))
        {
            parameters[match.Groups[1].Value] = match.Groups[2].Success ? match.Groups[2].Value : match.Groups[3].Value;
        }

        return parameters;
    }

    private async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var detail = $"{what}: {(int)response.StatusCode} {response.ReasonPhrase}{ErrorText(body)}";
        throw Fail(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? RegistryFailure.Unauthorized : RegistryFailure.Failed, detail,
            transient: (int)response.StatusCode >= 500);
    }

    // The registry's errors, as the distribution spec writes them: {"errors":[{"code":..,"message":..}]}.
    private static string ErrorText(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var errors = document.RootElement.GetProperty("errors").EnumerateArray()
                .Select(error => $"{error.GetProperty("code").GetString()} {(error.TryGetProperty("message", out var m) ? m.GetString() : "")}".Trim()).ToList();
            return errors.Count > 0 ? " (" + string.Join("; ", errors) + ")" : "";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "";
        }
    }

    private static RegistryFailure Classify(HttpRequestException e) =>
        e.InnerException is AuthenticationException || e.HttpRequestError == HttpRequestError.SecureConnectionError ? RegistryFailure.Tls
        : e.HttpRequestError is HttpRequestError.NameResolutionError
            || (e.HttpRequestError == HttpRequestError.ConnectionError && e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable })
            ? RegistryFailure.Unreachable
        : RegistryFailure.Failed;

    private static string Describe(Exception e) => e.InnerException is { } inner && inner.Message != e.Message ? $"{e.Message} {inner.Message}" : e.Message;
}
