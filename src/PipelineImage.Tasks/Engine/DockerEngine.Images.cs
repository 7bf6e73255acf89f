using Docker.DotNet;
using Docker.DotNet.Models;
using PipelineImage.Naming;

namespace PipelineImage.Engine;

/// <summary>The local image store: inspect, find by label, tag.</summary>
public sealed partial class DockerEngine
{
    public async Task<ImageDetails?> InspectImageAsync(string reference, CancellationToken cancellationToken) =>
        await InspectAsync(Client, reference, cancellationToken).ConfigureAwait(false) is { } image ? Details(image.ID, image.Config?.Labels, image.Created ?? DateTime.MinValue) : null;

    private async Task<string> InspectIdAsync(DockerClient client, string reference, CancellationToken cancellationToken) =>
        (await InspectAsync(client, reference, cancellationToken).ConfigureAwait(false))?.ID
        ?? throw new EngineRequestFailedException($"inspect {reference}", "404 NotFound: the engine has no image with the reference the build tagged");

    public async Task<IReadOnlyList<ImageDetails>> FindImagesAsync(string label, string value, CancellationToken cancellationToken)
    {
        IList<ImagesListResponse> images;
        try
        {
            images = await Client.Images.ListImagesAsync(new ImagesListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{label}={value}"] = true } },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EngineRequestFailedException($"list the images labelled {label}", EngineFailure.Describe(e, _connectTimeout), e);
        }

        // The filter is the engine's; the check is ours too, for an engine that ignores a filter it does not know.
        return images
            .Where(image => image.Labels is { } labels && labels.TryGetValue(label, out var v) && v == value)
            .Select(image => Details(image.ID, image.Labels, image.Created))
            .OrderByDescending(image => image.Created)
            .ThenBy(image => image.Id, StringComparer.Ordinal)
            .ToList();
    }

    public async Task TagAsync(string imageId, ImageReference reference, CancellationToken cancellationToken)
    {
        try
        {
            await Client.Images.TagImageAsync(imageId, new ImageTagParameters { RepositoryName = reference.Name, Tag = reference.Tag }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EngineRequestFailedException($"tag {imageId} as {reference}", EngineFailure.Describe(e, _connectTimeout), e);
        }
    }

    private static ImageDetails Details(string id, IDictionary<string, string>? labels, DateTime created) => new(
        id,
        labels is null ? new Dictionary<string, string>() : new Dictionary<string, string>(labels, StringComparer.Ordinal),
        new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)));

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
}
