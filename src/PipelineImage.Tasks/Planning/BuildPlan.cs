using PipelineImage.Context;
using PipelineImage.Dockerfile;
using PipelineImage.Naming;
using PipelineImage.Requirements;

namespace PipelineImage.Planning;

/// <summary>Everything the engine needs to build and tag the image, derived purely from the inputs.</summary>
/// <param name="Name">The repository name.</param>
/// <param name="References">The name with each tag, in the order the tags were given.</param>
/// <param name="BaseImage">The FROM image.</param>
/// <param name="Dockerfile">The Dockerfile's text, as written to obj/ and sent in the context.</param>
/// <param name="Context">The files of the build context, sorted by context path, the Dockerfile among them.</param>
/// <param name="Requirements">What the requirements and integrations added, for the build log.</param>
internal sealed record BuildPlan(
    string Name,
    IReadOnlyList<ImageReference> References,
    string BaseImage,
    string Dockerfile,
    IReadOnlyList<ContextEntry> Context,
    RequirementPlan Requirements)
{
    /// <summary>
    /// The Dockerfile for the classic builder, when it differs from <see cref="Dockerfile"/> (which then has cache
    /// mounts) and the engine picks the builder; also in the context, at <see cref="ImagePlanner.ClassicDockerfilePath"/>.
    /// </summary>
    public string? ClassicDockerfile { get; init; }

    /// <summary>The same image as our own assembler builds it, from the same instructions.</summary>
    public required AssemblyPlan Assembly { get; init; }
}
