using PipelineImage.Engine;

namespace PipelineImage.Builders;

/// <summary>
/// The engine's own builders through its Engine API (<see cref="IContainerEngine.BuildAsync"/>): Docker's classic
/// builder, BuildKit (through <c>POST /build?version=2</c> and our session, or the engine's Control API where that will
/// not do, which <see cref="DockerEngine"/> decides and logs), and Podman's (buildah).
/// </summary>
/// <param name="engine">The engine, connected.</param>
/// <param name="choice">Which of its builders, and why.</param>
internal sealed class EngineBuilder(IContainerEngine engine, BuilderChoice choice) : IBaseBuilder
{
    public BuilderChoice Choice => choice;

    public Task<BuildResult> BuildAsync(BuildRequest request, Action<string> output, CancellationToken cancellationToken) =>
        engine.BuildAsync(request with { Options = request.Options with { Builder = choice.Builder } }, output, cancellationToken);
}
