namespace PipelineImage.Dockerfile;

/// <summary>One Dockerfile instruction. Values are kept as data; <see cref="DockerfileWriter"/> renders them.</summary>
internal abstract record Instruction;

internal sealed record FromInstruction(string Image) : Instruction;

internal sealed record WorkdirInstruction(string Path) : Instruction;

/// <summary>COPY of paths in the build context to a destination in the image.</summary>
internal sealed record CopyInstruction(IReadOnlyList<string> Sources, string Destination) : Instruction
{
    /// <summary><c>--chown</c>: the numeric <c>uid:gid</c> that owns what is copied; null: root.</summary>
    public string? Chown { get; init; }
}

internal sealed record UserInstruction(string User) : Instruction;

/// <summary>ENTRYPOINT in exec form: no shell, arguments passed as they are.</summary>
internal sealed record EntrypointInstruction(IReadOnlyList<string> Arguments) : Instruction;

/// <summary>CMD in exec form: the default arguments of the entrypoint, or the default command without one.</summary>
internal sealed record CmdInstruction(IReadOnlyList<string> Arguments) : Instruction;

/// <summary>LABEL with one or more key/value pairs, each written in double quotes, with nothing expanded.</summary>
internal sealed record LabelInstruction(IReadOnlyList<KeyValuePair<string, string>> Labels) : Instruction;

/// <summary>EXPOSE of ports written as <c>number/protocol</c>, such as <c>8080/tcp</c>.</summary>
internal sealed record ExposeInstruction(IReadOnlyList<string> Ports) : Instruction;
