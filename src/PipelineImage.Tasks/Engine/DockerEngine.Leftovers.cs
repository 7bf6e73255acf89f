using System.Globalization;
using System.Net.Http;
using System.Text.Json;
using PipelineImage.Transport;

namespace PipelineImage.Engine;

/// <summary>What builds left when the engine went away during them, removed once it is back.</summary>
internal sealed partial class DockerEngine
{
    public async Task<IReadOnlyList<string>> RemoveLeftoversAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        bool Within(DateTimeOffset created) => created >= from && created <= to;
        var removed = new List<string>();

        // Build containers: Podman's are buildah's, which only its own API lists (external=true: the containers of its
        // store that are not Podman's, in state "storage"; its API 4.0 is served by Podman 4 and 5); the classic
        // builder's run a step's image by its id, never by a name.
        var (list, remove) = _podman
            ? ("v4.0.0/libpod/containers/json?all=true&external=true", "v4.0.0/libpod/containers/{0}?force=true")
            : ($"v{_apiVersion}/containers/json?all=1", $"v{_apiVersion}/containers/{{0}}?force=1");
        using (var containers = await RequestJsonAsync(HttpMethod.Get, list, "list the containers", cancellationToken).ConfigureAwait(false))
        {
            foreach (var container in containers!.RootElement.EnumerateArray())
            {
                var id = String(container, "Id") ?? "";
                var built = _podman ? String(container, "State") == "storage"
                    : String(container, "Image")?.StartsWith("sha256:", StringComparison.Ordinal) == true && String(container, "State") != "running";
                if (built && Created(container) is { } created && Within(created)
                    && await DeletedAsync(string.Format(CultureInfo.InvariantCulture, remove, id), cancellationToken).ConfigureAwait(false))
                {
                    removed.Add($"container {id[..Math.Min(12, id.Length)]}");
                }
            }
        }

        // The steps' images: untagged, with nothing on them; removing one removes its untagged parents that have no other child.
        using var images = await RequestJsonAsync(HttpMethod.Get, $"v{_apiVersion}/images/json?filters={Uri.EscapeDataString("{\"dangling\":[\"true\"]}")}",
            "list the untagged images", cancellationToken).ConfigureAwait(false);
        foreach (var image in images!.RootElement.EnumerateArray())
        {
            var id = String(image, "Id") ?? "";
            if (Created(image) is { } created && Within(created) && await DeletedAsync($"v{_apiVersion}/images/{id}", cancellationToken).ConfigureAwait(false))
            {
                removed.Add($"image {id}");
            }
        }

        return removed;
    }

    // Whether the engine removed it; one it refuses (another build came to stand on it) is left.
    private async Task<bool> DeletedAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.DeleteAsync(path, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EngineRequestFailedException("remove a build's leftover", EngineFailure.Describe(e, _connectTimeout), e);
        }
    }

    // Created: Unix seconds in Docker's lists, a time in Podman's own.
    private static DateTimeOffset? Created(JsonElement entry) =>
        !entry.TryGetProperty("Created", out var created) ? null
        : created.ValueKind == JsonValueKind.Number ? DateTimeOffset.FromUnixTimeSeconds(created.GetInt64())
        : created.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(created.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time
        : null;
}
