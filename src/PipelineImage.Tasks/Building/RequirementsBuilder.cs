using PipelineImage.Engine;
using PipelineImage.Engine.BuildKit;
using PipelineImage.Transport;

namespace PipelineImage.Building;

/// <summary>What builds an assembled image's requirements base (its RUN steps), one of three; it decides where the image goes.</summary>
internal abstract record RequirementsBuilder : IDisposable
{
    public virtual void Dispose()
    {
    }
}

/// <summary>
/// The engine the image goes into: its builder (PipelineImageBuilder) builds the requirements base, or BuildKit's Control API
/// at PipelineImageBuildKitHost, the same engine's (<paramref name="ControlApi"/>).
/// </summary>
internal sealed record EngineRequirementsBuilder(ConnectedEngine Engine, BuildKitControl? ControlApi) : RequirementsBuilder
{
    public override void Dispose()
    {
        Engine.Engine.Dispose();
        ControlApi?.Dispose();
    }
}

/// <summary>
/// A standalone buildkitd (PipelineImageBuildKitHost): it builds the requirements base and pushes it under its content key,
/// and the image is pushed through the registry API; no engine is used.
/// </summary>
internal sealed record BuildkitdRequirementsBuilder(BuildKitControl Buildkitd) : RequirementsBuilder
{
    public override void Dispose() => Buildkitd.Dispose();
}

/// <summary>Nothing here builds RUN steps, as no engine answered (<paramref name="Unavailable"/> says why): the registry must have the requirements base.</summary>
internal sealed record NoRequirementsBuilder(EngineUnavailableException Unavailable) : RequirementsBuilder;
