using PipelineImage.Engine;

namespace PipelineImage.Builders;

/// <summary>
/// Builds a Dockerfile with steps only a builder runs (RUN): the requirements base, a parent image, or the whole
/// Dockerfile where the engine's builder makes the image (Building/BuildRoutes). One is chosen for a build, in one
/// place: <see cref="BaseBuilders.Choose"/>.
/// </summary>
internal interface IBaseBuilder
{
    /// <summary>Which builder, and why: what the log says.</summary>
    BuilderChoice Choice { get; }

    /// <summary>Builds the request into the engine's store, tagged with its references.</summary>
    /// <exception cref="ImageBuildFailedException">A step failed (PIMG1003).</exception>
    Task<BuildResult> BuildAsync(BuildRequest request, Action<string> output, CancellationToken cancellationToken);
}
