using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using PipelineImage.Naming;
using PipelineImage.Transport;

namespace PipelineImage.Engine;

/// <summary>The local image store (inspect, find by label, tag, load, save): these calls make up the up-to-date check
/// of every publish.</summary>
internal sealed partial class DockerEngine
{
    public async Task<ImageDetails?> InspectImageAsync(string reference, CancellationToken cancellationToken)
    {
        using var image = await RequestJsonAsync(HttpMethod.Get, $"v{_apiVersion}/images/{reference}/json", $"inspect {reference}", cancellationToken, allowNotFound: true)
            .ConfigureAwait(false);
        return image is null ? null : Details(image.RootElement, image.RootElement.TryGetProperty("Config", out var config) ? config : default);
    }

    private async Task<string> InspectIdAsync(string reference, CancellationToken cancellationToken) =>
        (await InspectImageAsync(reference, cancellationToken).ConfigureAwait(false))?.Id
        ?? throw new EngineRequestFailedException($"inspect {reference}", "404 NotFound: the engine has no image with the reference the build tagged");

    public async Task<IReadOnlyList<ImageDetails>> FindImagesAsync(string label, string value, CancellationToken cancellationToken)
    {
        var filters = Uri.EscapeDataString(JsonSerializer.Serialize(new Dictionary<string, string[]> { ["label"] = [$"{label}={value}"] }));
        using var list = await RequestJsonAsync(HttpMethod.Get, $"v{_apiVersion}/images/json?all=1&filters={filters}", $"list the images labelled {label}", cancellationToken)
            .ConfigureAwait(false);

        // The filter is the engine's; the check is ours too, for an engine that ignores a filter it does not know.
        return list!.RootElement.EnumerateArray()
            .Select(image => Details(image, image))
            .Where(image => image.Labels.TryGetValue(label, out var v) && v == value)
            .OrderByDescending(image => image.Created)
            .ThenBy(image => image.Id, StringComparer.Ordinal)
            .ToList();
    }

    public async Task TagAsync(string imageId, ImageReference reference, CancellationToken cancellationToken)
    {
        var path = $"v{_apiVersion}/images/{imageId}/tag?repo={Uri.EscapeDataString(reference.Name)}&tag={Uri.EscapeDataString(reference.Tag)}";
        (await RequestJsonAsync(HttpMethod.Post, path, $"tag {imageId} as {reference}", cancellationToken, allowEmpty: true).ConfigureAwait(false))?.Dispose();
    }

    public async Task UntagAsync(ImageReference reference, CancellationToken cancellationToken) =>
        (await RequestJsonAsync(HttpMethod.Delete, $"v{_apiVersion}/images/{reference}", $"remove {reference}", cancellationToken,
            allowNotFound: true, allowEmpty: true).ConfigureAwait(false))?.Dispose();

    // What goes wrong reading from the engine is PIMG1004; what goes wrong writing to the destination is the caller's
    // (an IOException as it was thrown).
    public async Task SaveAsync(IReadOnlyList<string> names, Stream destination, CancellationToken cancellationToken)
    {
        var operation = $"save {string.Join(", ", names)}";
        var path = $"v{_apiVersion}/images/get?" + string.Join('&', names.Select(name => "names=" + Uri.EscapeDataString(name)));
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        HttpResponseMessage response;
        Stream archive;
        try
        {
            response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                response.Dispose();
                throw new EngineApiStatusException((int)response.StatusCode, response.StatusCode.ToString(), EngineFailure.ApiMessage(body));
            }

            archive = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not Diagnostics.PipelineImageException)
        {
            throw new EngineRequestFailedException(operation, EngineFailure.Describe(e, _connectTimeout), e);
        }

        using (response)
        await using (archive)
        {
            var buffer = new byte[1 << 16];
            while (true)
            {
                int read;
                try
                {
                    read = await archive.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new EngineRequestFailedException(operation, EngineFailure.Describe(e, _connectTimeout), e);
                }

                if (read == 0)
                {
                    return;
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task LoadAsync(string archive, CancellationToken cancellationToken)
    {
        var operation = $"load {Path.GetFileName(archive)}";
        string body;
        try
        {
            await using var file = new FileStream(archive, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
            using var request = new HttpRequestMessage(HttpMethod.Post, $"v{_apiVersion}/images/load?quiet=1") { Content = new StreamContent(file) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-tar");
            using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new EngineApiStatusException((int)response.StatusCode, response.StatusCode.ToString(), EngineFailure.ApiMessage(body));
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not Diagnostics.PipelineImageException)
        {
            throw new EngineRequestFailedException(operation, EngineFailure.Describe(e, _connectTimeout), e);
        }

        // Docker answers 200 and says in the stream when a layer could not be loaded.
        foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith('{') && JsonDocument.Parse(line) is var message && message.RootElement.TryGetProperty("error", out var error))
            {
                throw new EngineRequestFailedException(operation, error.GetString() ?? line);
            }
        }
    }

    public async Task<IReadOnlyList<ImageFile>> ReadFilesAsync(string imageId, IReadOnlyList<FileQuery> queries, CancellationToken cancellationToken)
    {
        var paths = string.Join(", ", queries.Select(query => query.Path));
        using var created = await RequestJsonAsync(HttpMethod.Post, $"v{_apiVersion}/containers/create", $"create a container of {imageId} to read {paths}",
            cancellationToken, content: JsonSerializer.Serialize(new Dictionary<string, object> { ["Image"] = imageId, ["Cmd"] = new[] { "true" } })).ConfigureAwait(false);
        var container = created!.RootElement.GetProperty("Id").GetString()!;
        try
        {
            var files = new List<ImageFile>();
            foreach (var query in queries)
            {
                files.AddRange(await ReadArchiveAsync(container, imageId, query, cancellationToken).ConfigureAwait(false));
            }

            return files;
        }
        finally
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                (await RequestJsonAsync(HttpMethod.Delete, $"v{_apiVersion}/containers/{container}?force=true&v=true", $"remove the container {container}",
                    bound.Token, allowEmpty: true, allowNotFound: true).ConfigureAwait(false))?.Dispose();
            }
            catch (Exception e) when (e is EngineException or OperationCanceledException)
            {
                // Removing it is best effort when reading failed; the reading's error is the one reported.
            }
        }
    }

    // GET /containers/{id}/archive of one path: the files it holds that the query wants; none when it does not exist.
    private async Task<IReadOnlyList<ImageFile>> ReadArchiveAsync(string container, string imageId, FileQuery query, CancellationToken cancellationToken)
    {
        var path = query.Path;
        try
        {
            using var response = await Http.GetAsync($"v{_apiVersion}/containers/{container}/archive?path={Uri.EscapeDataString(path)}",
                HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return [];
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new EngineApiStatusException((int)response.StatusCode, response.StatusCode.ToString(),
                    EngineFailure.ApiMessage(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)));
            }

            // The archive's entries are named from the path's last component: "status", "lib/python3.11/...".
            var parent = path.TrimEnd('/')[..path.TrimEnd('/').LastIndexOf('/')];
            var files = new List<ImageFile>();
            await using var archive = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var reader = new System.Formats.Tar.TarReader(archive);
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                var inImage = parent + "/" + entry.Name.TrimStart('.', '/');
                if (entry.EntryType is System.Formats.Tar.TarEntryType.RegularFile or System.Formats.Tar.TarEntryType.V7RegularFile
                    && entry.DataStream is { } data && query.Wanted(inImage))
                {
                    using var text = new StreamReader(data, System.Text.Encoding.UTF8);
                    files.Add(new ImageFile(inImage, await text.ReadToEndAsync(cancellationToken).ConfigureAwait(false)));
                }
            }

            return files;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not Diagnostics.PipelineImageException)
        {
            throw new EngineRequestFailedException($"read {path} from {imageId}", EngineFailure.Describe(e, _connectTimeout), e);
        }
    }

    // A request whose answer is JSON (or, with allowEmpty, nothing); null for 404 with allowNotFound; any other failure
    // is PIMG1004 naming the operation.
    private async Task<JsonDocument?> RequestJsonAsync(
        HttpMethod method, string path, string operation, CancellationToken cancellationToken, bool allowNotFound = false, bool allowEmpty = false,
        string? content = null)
    {
        try
        {
            using var request = new HttpRequestMessage(method, path);
            if (content is not null)
            {
                request.Content = new StringContent(content, System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (allowNotFound && response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new EngineApiStatusException((int)response.StatusCode, response.StatusCode.ToString(), EngineFailure.ApiMessage(body));
            }

            return allowEmpty && body.Trim().Length == 0 ? null : JsonDocument.Parse(body);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not Diagnostics.PipelineImageException)
        {
            throw new EngineRequestFailedException(operation, EngineFailure.Describe(e, _connectTimeout), e);
        }
    }

    // The id, the labels (an inspect has them in Config, a list entry at the top) and the creation time.
    private static ImageDetails Details(JsonElement image, JsonElement labelsOwner)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (labelsOwner.ValueKind == JsonValueKind.Object && labelsOwner.TryGetProperty("Labels", out var found) && found.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in found.EnumerateObject())
            {
                labels[property.Name] = property.Value.GetString() ?? "";
            }
        }

        var created = image.TryGetProperty("Created", out var time)
            ? time.ValueKind == JsonValueKind.Number ? DateTimeOffset.FromUnixTimeSeconds(time.GetInt64())
            : DateTimeOffset.TryParse(time.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed
            : DateTimeOffset.MinValue
            : DateTimeOffset.MinValue;
        return new ImageDetails(String(image, "Id") ?? "", labels, created);
    }
}
