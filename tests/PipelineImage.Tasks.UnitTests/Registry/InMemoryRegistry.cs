using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace PipelineImage.Tests.Registry;

/// <summary>
/// A registry of the distribution spec in memory, behind an HttpMessageHandler: blobs, uploads (monolithic and chunked,
/// with their ranges), mounts, manifests, and bearer-token authentication through a token service of its own; faults
/// can be set to answer 503 or break a request. Every request is recorded.
/// </summary>
internal sealed class InMemoryRegistry : HttpMessageHandler
{
    public const string Token = "token-for-tests";

    private readonly Dictionary<string, byte[]> _uploads = new(StringComparer.Ordinal);

    public Dictionary<string, byte[]> Blobs { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, (string MediaType, byte[] Bytes)> Manifests { get; } = new(StringComparer.Ordinal);

    public List<string> Requests { get; } = [];

    /// <summary>The user and password the token service takes; null: no authentication.</summary>
    public (string User, string Password)? Credentials { get; init; }

    /// <summary>Requests ("METHOD path-prefix") to answer 503, a number of times each.</summary>
    public Dictionary<string, int> Unavailable { get; } = new(StringComparer.Ordinal);

    /// <summary>Requests to break (the connection fails) after the registry took a part of the body, a number of times each.</summary>
    public Dictionary<string, int> Broken { get; } = new(StringComparer.Ordinal);

    public static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    /// <summary>Holds an image without layers (linux/amd64) in the repository, by the tag and by its digest; returns its manifest.</summary>
    public byte[] AddEmptyImage(string repository, string tag)
    {
        var config = """{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[]}}"""u8.ToArray();
        Blobs[$"{repository}@{Digest(config)}"] = config;
        var manifest = Encoding.UTF8.GetBytes(
            $$"""{"schemaVersion":2,"mediaType":"{{PipelineImage.Registry.MediaTypes.OciManifest}}","config":{"mediaType":"{{PipelineImage.Registry.MediaTypes.OciConfig}}","digest":"{{Digest(config)}}","size":{{config.Length}}},"layers":[]}""");
        Manifests[$"{repository}:{tag}"] = (PipelineImage.Registry.MediaTypes.OciManifest, manifest);
        Manifests[$"{repository}:{Digest(manifest)}"] = (PipelineImage.Registry.MediaTypes.OciManifest, manifest);
        return manifest;
    }

    /// <summary>
    /// Holds an OCI index under the tag over an image for each architecture (its config naming the variant when given,
    /// the index not), each by its digest, with the one layer <paramref name="layer"/> gives for the architecture (none:
    /// no layer); returns each architecture's manifest digest.
    /// </summary>
    public Dictionary<string, string> AddPlatformIndex(string repository, string tag, Func<string, byte[]?> layer, params (string Architecture, string Variant)[] platforms)
    {
        var digests = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<string>();
        foreach (var (architecture, variant) in platforms)
        {
            var variantField = variant.Length > 0 ? $"\"variant\":\"{variant}\"," : "";
            var layerBytes = layer(architecture);
            var (diffIds, layers) = ("", "");
            if (layerBytes is not null)
            {
                Blobs[$"{repository}@{Digest(layerBytes)}"] = layerBytes;
                (diffIds, layers) = ($"\"{Digest(layerBytes)}\"",
                    $$"""{"mediaType":"{{PipelineImage.Registry.MediaTypes.OciLayer}}","digest":"{{Digest(layerBytes)}}","size":{{layerBytes.Length}}}""");
            }

            var config = Encoding.UTF8.GetBytes(
                $$$"""{"architecture":"{{{architecture}}}",{{{variantField}}}"os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[{{{diffIds}}}]}}""");
            Blobs[$"{repository}@{Digest(config)}"] = config;
            var manifest = Encoding.UTF8.GetBytes(
                $$"""{"schemaVersion":2,"mediaType":"{{PipelineImage.Registry.MediaTypes.OciManifest}}","config":{"mediaType":"{{PipelineImage.Registry.MediaTypes.OciConfig}}","digest":"{{Digest(config)}}","size":{{config.Length}}},"layers":[{{layers}}]}""");
            var digest = Digest(manifest);
            Manifests[$"{repository}:{digest}"] = (PipelineImage.Registry.MediaTypes.OciManifest, manifest);
            digests[architecture] = digest;
            entries.Add($$$"""{"mediaType":"{{{PipelineImage.Registry.MediaTypes.OciManifest}}}","digest":"{{{digest}}}","size":{{{manifest.Length}}},"platform":{"architecture":"{{{architecture}}}","os":"linux"}}""");
        }

        Manifests[$"{repository}:{tag}"] = (PipelineImage.Registry.MediaTypes.OciIndex,
            Encoding.UTF8.GetBytes($$"""{"schemaVersion":2,"mediaType":"{{PipelineImage.Registry.MediaTypes.OciIndex}}","manifests":[{{string.Join(",", entries)}}]}"""));
        return digests;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        var query = System.Web.HttpUtility.ParseQueryString(request.RequestUri.Query);
        var line = $"{request.Method} {path}";
        Requests.Add(line + request.RequestUri.Query);
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        if (path == "/token")
        {
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Credentials?.User}:{Credentials?.Password}"));
            return request.Headers.Authorization?.Parameter == basic
                ? Answer(HttpStatusCode.OK, $$"""{"token":"{{Token}}"}""")
                : Answer(HttpStatusCode.Unauthorized, "");
        }

        if (Credentials is not null && request.Headers.Authorization?.ToString() != $"Bearer {Token}")
        {
            var challenge = Answer(HttpStatusCode.Unauthorized, """{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}""");
            challenge.Headers.WwwAuthenticate.ParseAdd("Bearer realm=\"http://registry.test/token\",service=\"registry.test\",scope=\"repository:x:pull\"");
            return challenge;
        }

        if (Take(Unavailable, line))
        {
            return Answer(HttpStatusCode.ServiceUnavailable, "");
        }

        var parts = path.Split('/');
        if (Take(Broken, line))
        {
            if (request.Method == HttpMethod.Patch)
            {
                // Half the chunk arrived before the connection broke.
                var id = parts[^1];
                _uploads[id] = [.. _uploads[id], .. body.Take(body.Length / 2)];
            }

            throw new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely.", new IOException("reset"));
        }

        var repository = string.Join('/', parts[2..^2]);
        var kind = parts[^2];
        var reference = parts[^1];
        if (kind == "manifests")
        {
            var key = $"{repository}:{reference}";
            if (request.Method == HttpMethod.Put)
            {
                Manifests[key] = (request.Content!.Headers.ContentType!.MediaType!, body);
                Manifests[$"{repository}:{Digest(body)}"] = Manifests[key];
                var created = Answer(HttpStatusCode.Created, "");
                created.Headers.Add("Docker-Content-Digest", Digest(body));
                return created;
            }

            if (!Manifests.TryGetValue(key, out var manifest))
            {
                return Answer(HttpStatusCode.NotFound, "");
            }

            var found = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(request.Method == HttpMethod.Head ? [] : manifest.Bytes) };
            found.Content.Headers.ContentType = new(manifest.MediaType);
            return found;
        }

        if (kind == "blobs")
        {
            return Blobs.TryGetValue($"{repository}@{reference}", out var blob)
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(request.Method == HttpMethod.Head ? [] : blob) }
                : Answer(HttpStatusCode.NotFound, "");
        }

        if (parts[^1] == "" && parts[^2] == "uploads")
        {
            repository = string.Join('/', parts[2..^3]);
            if (query["mount"] is { } mount && Blobs.TryGetValue($"{query["from"]}@{mount}", out var mounted))
            {
                Blobs[$"{repository}@{mount}"] = mounted;
                return Answer(HttpStatusCode.Created, "");
            }

            var id = Guid.NewGuid().ToString("N");
            _uploads[id] = [];
            return Accepted(repository, id);
        }

        if (parts[^2] == "uploads")
        {
            repository = string.Join('/', parts[2..^3]);
            var id = parts[^1];
            if (!_uploads.TryGetValue(id, out var held))
            {
                return Answer(HttpStatusCode.NotFound, """{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN","message":"blob upload unknown"}]}""");
            }

            if (request.Method == HttpMethod.Get)
            {
                var status = Accepted(repository, id, HttpStatusCode.NoContent);
                return status;
            }

            if (request.Method == HttpMethod.Patch)
            {
                var range = request.Content!.Headers.GetValues("Content-Range").Single().Split('-');
                if (long.Parse(range[0]) != held.Length)
                {
                    return Answer(HttpStatusCode.RequestedRangeNotSatisfiable, "");
                }

                _uploads[id] = [.. held, .. body];
                return Accepted(repository, id);
            }

            var whole = held.Concat(body).ToArray();
            var digest = query["digest"]!;
            if (Digest(whole) != digest)
            {
                return Answer(HttpStatusCode.BadRequest, """{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]}""");
            }

            _uploads.Remove(id);
            Blobs[$"{repository}@{digest}"] = whole;
            return Answer(HttpStatusCode.Created, "");
        }

        return Answer(HttpStatusCode.NotFound, "");
    }

    private HttpResponseMessage Accepted(string repository, string id, HttpStatusCode status = HttpStatusCode.Accepted)
    {
        var response = Answer(status, "");
        response.Headers.Location = new Uri($"/v2/{repository}/blobs/uploads/{id}", UriKind.Relative);
        var length = _uploads[id].Length;
        response.Headers.TryAddWithoutValidation("Range", $"0-{Math.Max(length - 1, 0)}");
        return response;
    }

    private static bool Take(Dictionary<string, int> faults, string line)
    {
        var key = faults.Keys.FirstOrDefault(fault => line.StartsWith(fault, StringComparison.Ordinal));
        if (key is null || faults[key] == 0)
        {
            return false;
        }

        faults[key]--;
        return true;
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
}
