namespace PipelineImage.Dockerfile;

/// <param name="Header">Comment lines written first, without the leading <c>#</c>.</param>
/// <param name="Instructions">The instructions, in order.</param>
internal sealed record DockerfileDefinition(IReadOnlyList<string> Header, IReadOnlyList<Instruction> Instructions);
