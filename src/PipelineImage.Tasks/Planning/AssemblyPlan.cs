using System.Text.Json.Serialization;

namespace PipelineImage.Planning;

/// <summary>
/// The image as our own assembler writes it (every image without a parent Dockerfile): the layers of the Dockerfile's COPY steps
/// and the configuration of its other instructions, on top of the base image; derived from the same instructions as
/// the Dockerfile (<see cref="AssemblyPlanner"/>), so that <c>docker build</c> of that Dockerfile gives an image with the
/// same files and configuration.
/// </summary>
/// <param name="Epoch">The time of every layer entry and of the image, in Unix seconds (SOURCE_DATE_EPOCH, or 1).</param>
/// <param name="NeedsEngine">What of the Dockerfile only an engine can build (RUN steps), for the error; null: nothing.</param>
/// <param name="Layers">The layers, in order.</param>
/// <param name="Config">The configuration the instructions set.</param>
internal sealed record AssemblyPlan(
    [property: JsonPropertyName("epoch")] long Epoch,
    [property: JsonPropertyName("needsEngine"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NeedsEngine,
    [property: JsonPropertyName("layers")] IReadOnlyList<PlannedLayer> Layers,
    [property: JsonPropertyName("config")] PlannedConfig Config)
{
    /// <summary>
    /// The requirements base the layers go on, when the requirements and integrations have RUN steps: an engine builds
    /// it once, and the registry keeps it under its content key. Null: the layers go on the base image itself.
    /// </summary>
    [JsonPropertyName("requirements"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PlannedRequirementsBase? Requirements { get; init; }

    /// <summary>The plan with one more thing only an engine builds (RUN steps, a parent Dockerfile), after any before it.</summary>
    public AssemblyPlan NeedingEngineFor(string reason) => this with { NeedsEngine = NeedsEngine is null ? reason : $"{NeedsEngine} and {reason}" };

    /// <summary>The plan with each file's mode as the context sends it (<paramref name="modeOf"/> its context path).</summary>
    public AssemblyPlan WithFileModes(Func<string, string> modeOf) => this with
    {
        Layers = Layers.Select(layer => layer with
        {
            Entries = layer.Entries.Select(entry => entry.From is { } from ? entry with { Mode = modeOf(from) } : entry).ToList(),
        }).ToList(),
    };
}

/// <summary>
/// The image of the Dockerfile's instructions up to its requirements' last RUN step (FROM, WORKDIR and the
/// requirements'): what only an engine builds. Its FROM is pinned to the base's digest when it is built, and its tag
/// is its content key (<see cref="Intermediate.PlanFile.ForRequirementsBase"/>).
/// </summary>
/// <param name="Dockerfile">Its Dockerfile, FROM the base image as PipelineImageBase names it.</param>
/// <param name="ClassicDockerfile">The classic builder's, when it needs its own (Dockerfile then has cache mounts).</param>
/// <param name="Context">The paths of the plan's context its COPY steps take (the pip requirements files).</param>
internal sealed record PlannedRequirementsBase(
    [property: JsonPropertyName("dockerfile")] string Dockerfile,
    [property: JsonPropertyName("classicDockerfile"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ClassicDockerfile,
    [property: JsonPropertyName("context")] IReadOnlyList<string> Context);

/// <param name="CreatedBy">The instruction that makes the layer, for the image's history.</param>
/// <param name="Entries">Its entries, parents before children, sorted by path.</param>
internal sealed record PlannedLayer(
    [property: JsonPropertyName("createdBy")] string CreatedBy,
    [property: JsonPropertyName("entries")] IReadOnlyList<LayerEntry> Entries);

/// <summary>One entry of a layer, owned by root unless <see cref="Owner"/> says otherwise.</summary>
/// <param name="Path">Its path in the image, without the leading <c>/</c>.</param>
/// <param name="Kind"><c>file</c>, <c>directory</c> or <c>symlink</c>.</param>
/// <param name="Mode">The permission bits, in octal (<c>0644</c>).</param>
/// <param name="From">A file's path in the build context (the plan's context says where it is and its hash).</param>
/// <param name="Target">A link's target.</param>
internal sealed record LayerEntry(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("from"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? From = null,
    [property: JsonPropertyName("target"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Target = null)
{
    /// <summary>Its numeric owner, <c>uid:gid</c> (a COPY --chown); null: root.</summary>
    [JsonPropertyName("owner"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Owner { get; init; }
}

/// <summary>What the Dockerfile's WORKDIR, USER, ENV, LABEL, EXPOSE, ENTRYPOINT and CMD set; null: left as the base has it.</summary>
internal sealed record PlannedConfig
{
    [JsonPropertyName("workingDir"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? WorkingDir { get; init; }

    [JsonPropertyName("user"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? User { get; init; }

    /// <summary>ENV in order; a value with <see cref="PlannedVariable.Expand"/> takes <c>$NAME</c> from the variables before it.</summary>
    [JsonPropertyName("env")] public IReadOnlyList<PlannedVariable> Env { get; init; } = [];

    [JsonPropertyName("labels")] public IReadOnlyList<KeyValuePair<string, string>> Labels { get; init; } = [];

    /// <summary>EXPOSE, as <c>number/protocol</c>.</summary>
    [JsonPropertyName("ports")] public IReadOnlyList<string> Ports { get; init; } = [];

    [JsonPropertyName("entrypoint"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Entrypoint { get; init; }

    [JsonPropertyName("cmd"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Cmd { get; init; }
}

internal sealed record PlannedVariable(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("value")] string Value,
    [property: JsonPropertyName("expand")] bool Expand);
