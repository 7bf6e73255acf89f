using System.Text;
using PipelineImage.Context;
using PipelineImage.Dockerfile;

namespace PipelineImage.Planning;

/// <summary>
/// Reads the Dockerfile's instructions as the builders do and says what each makes: a COPY a layer of the context
/// entries it names (as COPY places them: a source ending in <c>/</c> is a directory whose contents go under the
/// destination, another source a file that keeps its name), the other instructions configuration. RUN steps are
/// what only an engine can build.
/// </summary>
internal static class AssemblyPlanner
{
    /// <summary>The time of every entry without SOURCE_DATE_EPOCH: the Unix epoch plus one second, as the context's.</summary>
    public const long DefaultEpoch = 1;

    private const string DirectoryMode = "0755";

    /// <summary>SOURCE_DATE_EPOCH (reproducible-builds.org): whole seconds since the Unix epoch; unset or empty: <see cref="DefaultEpoch"/>.</summary>
    /// <exception cref="Diagnostics.PipelineImageException">PIMG2039 when it is not such a number.</exception>
    public static long Epoch(string? value) =>
        string.IsNullOrWhiteSpace(value) ? DefaultEpoch
        : long.TryParse(value.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds <= 253402300799
            ? seconds
            : throw new Diagnostics.PipelineImageException(Diagnostics.DiagnosticCodes.InvalidSourceDateEpoch, value);

    /// <param name="instructions">The Dockerfile's instructions, FROM first.</param>
    /// <param name="context">The build context.</param>
    /// <param name="epoch">SOURCE_DATE_EPOCH, or <see cref="DefaultEpoch"/>.</param>
    /// <param name="requirementsBase">
    /// How many of the instructions, from FROM on, the requirements base holds (<see cref="AssemblyPlan.Requirements"/>):
    /// an engine builds them, and the layers and configuration planned here go on top. 0: the layers go on FROM's image.
    /// </param>
    public static AssemblyPlan Plan(IReadOnlyList<Instruction> instructions, IReadOnlyList<ContextEntry> context, long epoch, int requirementsBase = 0)
    {
        var byPath = context.ToDictionary(entry => entry.ContextPath, StringComparer.Ordinal);
        var layers = new List<PlannedLayer>();
        var config = new PlannedConfig();
        var env = new List<PlannedVariable>();
        var labels = new List<KeyValuePair<string, string>>();
        var ports = new List<string>();
        var runSteps = 0;
        string? workingDir = null;
        var owners = new Dictionary<string, string>(StringComparer.Ordinal); // the directories a COPY --chown gave away
        foreach (var instruction in instructions.Skip(requirementsBase))
        {
            switch (instruction)
            {
                case FromInstruction:
                    break;
                case WorkdirInstruction workdir:
                    workingDir = workdir.Path;
                    config = config with { WorkingDir = workdir.Path };
                    break;
                case CopyInstruction copy:
                    layers.Add(Layer(copy, context, byPath, layers.Count == 0 ? workingDir : null, owners));
                    break;
                case RunInstruction:
                    runSteps++;
                    break;
                case UserInstruction user:
                    config = config with { User = user.User };
                    break;
                case EnvInstruction variables:
                    env.AddRange(variables.Variables.Select(variable => new PlannedVariable(variable.Name, variable.Value, variable.Expand)));
                    break;
                case LabelInstruction label:
                    labels.AddRange(label.Labels);
                    break;
                case ExposeInstruction expose:
                    ports.AddRange(expose.Ports);
                    break;
                case EntrypointInstruction entrypoint:
                    // As the builders do: an ENTRYPOINT drops the CMD the base image had.
                    config = config with { Entrypoint = entrypoint.Arguments, Cmd = config.Cmd is null ? [] : config.Cmd };
                    break;
                case CmdInstruction cmd:
                    config = config with { Cmd = cmd.Arguments };
                    break;
                default:
                    throw new ArgumentException($"The assembler does not know {instruction.GetType().Name}.", nameof(instructions));
            }
        }

        var plan = new AssemblyPlan(epoch, null, layers, config with { Env = env, Labels = labels, Ports = ports });
        return runSteps > 0 ? plan.NeedingEngineFor($"{runSteps} RUN step(s) of the requirements and integrations (@(PipelineRequirement), @(PipelineImageIntegration))") : plan;
    }

    /// <summary>The image history's line for a COPY, as the Dockerfile has it.</summary>
    public static string CreatedBy(CopyInstruction copy) =>
        $"COPY {(copy.Chown is { } owner ? $"--chown={owner} " : "")}{string.Join(' ', copy.Sources)} {copy.Destination} # PipelineImage.Tasks";

    private static PlannedLayer Layer(
        CopyInstruction copy, IReadOnlyList<ContextEntry> context, Dictionary<string, ContextEntry> byPath, string? workingDir, Dictionary<string, string> owners)
    {
        var entries = new SortedDictionary<string, LayerEntry>(StringComparer.Ordinal);
        var destination = copy.Destination.TrimStart('/');
        foreach (var source in copy.Sources.Select(Unescape))
        {
            if (source.EndsWith('/'))
            {
                var prefix = source;
                foreach (var entry in context.Where(entry => entry.ContextPath.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    Add(entries, Combine(destination, entry.ContextPath[prefix.Length..]), entry, copy.Chown);
                }
            }
            else if (byPath.TryGetValue(source, out var entry))
            {
                Add(entries, destination.EndsWith('/') || destination.Length == 0 ? Combine(destination, source.Split('/')[^1]) : destination, entry, copy.Chown);
            }
            else
            {
                throw new ArgumentException($"COPY names {source}, which the context does not hold.", nameof(copy));
            }
        }

        // The destination and every parent of an entry exist in the layer, as the builders create them: root's, 0755;
        // a COPY into a directory leaves its owner alone, so one an earlier COPY --chown gave away stays the user's.
        foreach (var path in entries.Keys.ToList().Append(destination.TrimEnd('/')).Append(workingDir?.TrimStart('/') ?? ""))
        {
            for (var parent = Parent(path); parent.Length > 0; parent = Parent(parent))
            {
                entries.TryAdd(parent, new LayerEntry(parent, "directory", DirectoryMode) { Owner = owners.GetValueOrDefault(parent) });
            }

            if (path.Length > 0 && !entries.ContainsKey(path))
            {
                entries[path] = new LayerEntry(path, "directory", DirectoryMode) { Owner = owners.GetValueOrDefault(path) };
            }
        }

        foreach (var owned in entries.Values.Where(entry => entry.Owner is not null && entry.Kind == "directory"))
        {
            owners[owned.Path] = owned.Owner!;
        }

        return new PlannedLayer(CreatedBy(copy), entries.Values.ToList());
    }

    private static void Add(SortedDictionary<string, LayerEntry> entries, string path, ContextEntry entry, string? owner)
    {
        path = path.TrimEnd('/');
        if (path.Length == 0)
        {
            return;
        }

        // A file's mode is the context's, which the plan file reads from disk (AssemblyPlan.WithFileModes).
        entries[path] = (entry.Kind switch
        {
            ContextEntryKind.Directory => new LayerEntry(path, "directory", Octal(ContextTarWriter.ModeOf(entry))),
            ContextEntryKind.Symlink => new LayerEntry(path, "symlink", Octal(ContextTarWriter.ModeOf(entry)), Target: entry.LinkTarget),
            _ => new LayerEntry(path, "file", "", From: entry.ContextPath),
        }) with { Owner = owner };
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode, 8);

    private static string Combine(string directory, string relative) =>
        directory.Length == 0 ? relative : directory.EndsWith('/') ? directory + relative : $"{directory}/{relative}";

    private static string Parent(string path) => path.LastIndexOf('/') is var slash and > 0 ? path[..slash] : "";

    // COPY sources are patterns; ours escape *, ?, [ and \ with a backslash.
    private static string Unescape(string source)
    {
        var text = new StringBuilder(source.Length);
        for (var i = 0; i < source.Length; i++)
        {
            if (source[i] == '\\' && i + 1 < source.Length)
            {
                i++;
            }

            text.Append(source[i]);
        }

        return text.ToString();
    }
}
