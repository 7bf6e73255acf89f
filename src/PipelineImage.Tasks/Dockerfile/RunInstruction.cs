namespace PipelineImage.Dockerfile;

/// <summary>
/// RUN in shell form: <see cref="Lines"/> are one <c>/bin/sh -c</c> command, written one a line and joined with
/// <c> \</c> continuations, so the shell sees them as a single line and each must carry its own separator
/// (<c>;</c>, <c>&amp;&amp;</c>). The writer does not quote anything: whoever builds the lines quotes every value
/// (see <c>Requirements.Shell.Quote</c>); the writer only refuses lines that would break the Dockerfile's own syntax.
/// </summary>
internal sealed record RunInstruction(IReadOnlyList<string> Lines) : Instruction
{
    /// <summary>
    /// The same step for a builder with cache mounts (BuildKit, buildah): its caches mounted and its own lines, which
    /// keep what the caches hold. Null: the step has no cache, and every builder runs <see cref="Lines"/>.
    /// </summary>
    public CachedRun? Cached { get; init; }
}

/// <param name="Mounts">The caches, mounted as <c>--mount=type=cache</c> for the step only (never in the image).</param>
/// <param name="Lines">The command with the caches mounted, as <see cref="RunInstruction.Lines"/>.</param>
internal sealed record CachedRun(IReadOnlyList<CacheMount> Mounts, IReadOnlyList<string> Lines)
{
    /// <summary>
    /// Build secrets the step reads, by id, mounted as <c>--mount=type=secret</c> at <c>/run/secrets/ID</c>. A step
    /// with secrets has no plain form: <see cref="RunInstruction.Lines"/> cannot be built without them.
    /// </summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];
}

/// <param name="Target">The absolute directory the cache is mounted at; it is also the cache's id.</param>
internal sealed record CacheMount(string Target);

/// <summary>ENV with one or more variables on one line, each value written in double quotes.</summary>
internal sealed record EnvInstruction(IReadOnlyList<EnvVariable> Variables) : Instruction;

/// <param name="Name">A variable name: a letter or <c>_</c>, then letters, digits or <c>_</c>.</param>
/// <param name="Value">The value, on one line.</param>
/// <param name="Expand">
/// The engine expands <c>$NAME</c> and <c>${NAME}</c> in the value (so <c>PATH="/opt/venv/bin:$PATH"</c> extends the
/// base's PATH); false: the value is taken literally, <c>$</c> and all.
/// </param>
internal sealed record EnvVariable(string Name, string Value, bool Expand = false);
