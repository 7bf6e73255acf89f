using PipelineImage.Engine;
using PipelineImage.Engine.BuildKit;
using PipelineImage.Transport;

namespace PipelineImage.Builders;

/// <summary>
/// BuildKit's Control API at PipelineImageBuildKitHost, when it is a Docker engine's: its <c>moby</c> exporter puts the
/// image into that engine's store, where the build's engine finds it. (A standalone buildkitd pushes instead: that is a
/// route of its own, <c>Building/BuildRoutes</c>.)
/// </summary>
/// <param name="control">The Control API, connected.</param>
/// <param name="engine">The engine whose store the image lands in.</param>
/// <param name="choice">BuildKit there, and why.</param>
internal sealed class ControlApiBuilder(BuildKitControl control, IContainerEngine engine, BuilderChoice choice) : IBaseBuilder
{
    public BuilderChoice Choice => choice;

    public async Task<BuildResult> BuildAsync(BuildRequest request, Action<string> output, CancellationToken cancellationToken)
    {
        var (log, _) = await control.BuildAsync(request, output, cancellationToken).ConfigureAwait(false);
        var reference = request.References[0].ToString();
        return new BuildResult(log.ImageId
            ?? (await engine.InspectImageAsync(reference, cancellationToken).ConfigureAwait(false))?.Id
            ?? throw new EngineRequestFailedException($"inspect {reference}", $"the engine has no {reference} after BuildKit at {control.Host.Endpoint} built it"));
    }
}
