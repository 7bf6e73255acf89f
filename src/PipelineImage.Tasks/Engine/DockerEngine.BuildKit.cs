using PipelineImage.Engine.BuildKit;

namespace PipelineImage.Engine;

/// <summary>
/// BuildKit inside the engine: POST /build?version=2 with our session attached (or, with PipelineImageBuildKitHost,
/// the Control API's Solve). Docker.DotNet cannot read its progress (it fails on the first trace message), so every
/// build is our own request over the same address.
/// </summary>
public sealed partial class DockerEngine
{
    private async Task<BuildResult> BuildWithBuildKitAsync(BuildRequest request, Action<string> output, CancellationToken cancellationToken)
    {
        var log = request.Options.BuildKit is { } control
            ? (await control.BuildAsync(request, output, cancellationToken).ConfigureAwait(false)).Log
            : await BuildKitBuild.RunAsync(request, output, async (services, progress, _) =>
            {
                await using var session = await Session.BuildSession.OpenAsync(new EngineConnection(_endpoint, _tls, _source), _apiVersion,
                    request.References[0].Name, BuildKitBuild.SharedKey(request), services, cancellationToken).ConfigureAwait(false);
                await PostBuildAsync(null, $"{BuildQuery(request, "2")}&session={session.Id}&remote=client-session", progress.Report, cancellationToken)
                    .ConfigureAwait(false);
            }).ConfigureAwait(false);
        var imageId = log.ImageId ?? await InspectIdAsync(request.References[0].ToString(), cancellationToken).ConfigureAwait(false);
        return new BuildResult(imageId);
    }
}
