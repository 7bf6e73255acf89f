namespace PipelineImage.Dockerfile;

/// <summary>One Dockerfile instruction. Values are kept as data; <see cref="DockerfileWriter"/> renders them.</summary>
public abstract record Instruction;

public sealed record FromInstruction(string Image) : Instruction;

public sealed record WorkdirInstruction(string Path) : Instruction;

/// <summary>COPY of paths in the build context to a destination in the image.</summary>
public sealed record CopyInstruction(IReadOnlyList<string> Sources, string Destination) : Instruction;

public sealed record UserInstruction(string User) : Instruction;

/// <summary>ENTRYPOINT in exec form: no shell, arguments passed as they are.</summary>
public sealed record EntrypointInstruction(IReadOnlyList<string> Arguments) : Instruction;
