using PipelineImage.Engine.BuildKit;
using PipelineImage.Transport;

namespace PipelineImage.Engine;

/// <summary>
/// BuildKit inside the engine: POST /build?version=2 with our session attached, or its Control API's Solve (on the
/// containerd image store, and where the engine serves gRPC on its socket). PipelineImageBuildKitHost's Control API is
/// another builder: Builders/ControlApiBuilder.
/// </summary>
internal sealed partial class DockerEngine
{
    private async Task<BuildResult> BuildWithBuildKitAsync(BuildRequest request, Action<string> output, CancellationToken cancellationToken)
    {
        using var control = await OwnControlApiAsync(output, cancellationToken).ConfigureAwait(false);
        var log = control is not null
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

    // The engine's Control API where POST /build?version=2 will not do: on the containerd image store it resolves FROM
    // with BuildKit's "default" mode, the tag's registry first, so it builds on whatever the registry has (even by a
    // local digest, on Docker 26) and asks it even when the local image is there, where the Control API takes the mode
    // we ask for; and from Docker 29.2 the POST /session it needs is deprecated, where the socket serves gRPC itself.
    // Null: POST /build?version=2.
    private async Task<BuildKitControl?> OwnControlApiAsync(Action<string> output, CancellationToken cancellationToken)
    {
        if (BuildKitControl.ServesGrpc(_endpoint, _engineApiVersion))
        {
            output($"The engine serves BuildKit's gRPC on its API socket (API {_engineApiVersion}), and POST /session, which a build through "
                + "POST /build?version=2 needs, is deprecated there: BuildKit builds through the engine's Control API.");
        }
        else if (await UsesContainerdImageStoreAsync(cancellationToken).ConfigureAwait(false))
        {
            output("The engine keeps its images in containerd's store, where POST /build?version=2 would resolve the base image in its registry "
                + "before the local one: BuildKit builds through the engine's Control API instead, which takes the local base first.");
        }
        else
        {
            return null;
        }

        return await BuildKitControl.ConnectAsync(new EngineConnection(_endpoint, _tls, _source), _connectTimeout, cancellationToken).ConfigureAwait(false);
    }
}
