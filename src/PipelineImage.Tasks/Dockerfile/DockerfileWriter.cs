using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PipelineImage.Dockerfile;

/// <summary>
/// Renders a <see cref="DockerfileDefinition"/> to text: the same definition always gives the same bytes
/// (UTF-8 without BOM, <c>\n</c> line ends, no timestamps). Paths and arguments go into JSON (exec) form, so
/// spaces, quotes and <c>$</c> reach the engine as they are, never through a shell. The one exception is
/// <see cref="RunInstruction"/>, whose lines are shell code: their builder quotes every value in them, and this
/// writer refuses lines that would change the Dockerfile's structure (line breaks, continuations, comments).
/// </summary>
internal static class DockerfileWriter
{
    private static readonly JsonSerializerOptions JsonForm = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = DockerfileJson.Default,
    };

    /// <param name="definition">The Dockerfile.</param>
    /// <param name="cacheMounts">
    /// For a builder with <c>RUN --mount=type=cache</c> (BuildKit, buildah): steps with a <see cref="RunInstruction.Cached"/>
    /// form are written in it. False: every step in its plain form, which every builder runs.
    /// </param>
    public static string Render(DockerfileDefinition definition, bool cacheMounts = false)
    {
        var text = new StringBuilder();
        foreach (var line in definition.Header)
        {
            if (line.Contains('\n') || line.Contains('\r'))
            {
                throw new ArgumentException("A header line cannot span lines.", nameof(definition));
            }

            text.Append("# ").Append(line).Append('\n');
        }

        foreach (var instruction in definition.Instructions)
        {
            text.Append(Render(instruction, cacheMounts)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Whether any step has a cached form: only then do the two forms of the Dockerfile differ.</summary>
    public static bool HasCacheMounts(DockerfileDefinition definition) =>
        definition.Instructions.Any(instruction => instruction is RunInstruction { Cached: not null });

    /// <summary>The secrets the steps read (in order, once each): a Dockerfile with any has only its mounted form.</summary>
    public static IReadOnlyList<string> Secrets(DockerfileDefinition definition) =>
        definition.Instructions.OfType<RunInstruction>().SelectMany(run => run.Cached?.Secrets ?? []).Distinct(StringComparer.Ordinal).ToList();

    private static string Render(Instruction instruction, bool cacheMounts) => instruction switch
    {
        FromInstruction from => $"FROM {SingleToken(from.Image)}",
        WorkdirInstruction workdir => $"WORKDIR {SingleToken(workdir.Path)}",
        CopyInstruction copy => $"COPY {(copy.Chown is { } owner ? $"--chown={SingleToken(owner)} " : "")}{Json([.. copy.Sources, copy.Destination])}",
        UserInstruction user => $"USER {SingleToken(user.User)}",
        EntrypointInstruction entrypoint => $"ENTRYPOINT {Json(entrypoint.Arguments)}",
        CmdInstruction cmd => $"CMD {Json(cmd.Arguments)}",
        LabelInstruction label => $"LABEL {string.Join(" \\\n      ", label.Labels.Select(pair => $"{Quoted(pair.Key, false)}={Quoted(pair.Value, false)}"))}",
        ExposeInstruction expose => $"EXPOSE {string.Join(" ", expose.Ports.Select(SingleToken))}",
        RunInstruction { Cached: { } cached } when cacheMounts => $"RUN {Mounts(cached)} \\\n    {ShellLines(cached.Lines)}",
        RunInstruction { Cached.Secrets.Count: > 0 } => throw new ArgumentException("A RUN instruction with secrets has only its mounted form.", nameof(instruction)),
        RunInstruction run => $"RUN {ShellLines(run.Lines)}",
        EnvInstruction env => $"ENV {string.Join(" ", env.Variables.Select(EnvPair))}",
        _ => throw new ArgumentOutOfRangeException(nameof(instruction), instruction.GetType().Name, "Unknown instruction."),
    };

    private static string Mounts(CachedRun run)
    {
        if (run.Mounts.Count == 0 && run.Secrets.Count == 0)
        {
            throw new ArgumentException("A cached RUN instruction needs a mount.", nameof(run));
        }

        static bool Plain(string value) => value.Length > 0 && !value.Any(c => c is ',' or '=' or '"' or '\\' || char.IsWhiteSpace(c) || char.IsControl(c));
        var caches = run.Mounts.Select(mount => mount.Target.StartsWith('/') && Plain(mount.Target)
            ? $"--mount=type=cache,target={mount.Target}"
            : throw new ArgumentException($"'{mount.Target}' cannot be written as a cache mount's target.", nameof(run)));
        var secrets = run.Secrets.Select(id => Plain(id) && !id.Contains('/')
            ? $"--mount=type=secret,id={id}"
            : throw new ArgumentException($"'{id}' cannot be written as a secret mount's id.", nameof(run)));
        return string.Join(" ", caches.Concat(secrets).ToList());
    }

    // Continuation lines are indented by four spaces. A line that is empty, ends with the escape character, starts
    // with '#' (the parser would drop it as a comment) or holds a control character could change what the engine
    // runs, so it is refused.
    private static string ShellLines(IReadOnlyList<string> lines)
    {
        if (lines.Count == 0)
        {
            throw new ArgumentException("A RUN instruction needs a command.", nameof(lines));
        }

        foreach (var line in lines)
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.EndsWith('\\') || trimmed.StartsWith('#') || line.Any(char.IsControl))
            {
                throw new ArgumentException($"'{line}' cannot be written as a line of a RUN command.", nameof(lines));
            }
        }

        return string.Join(" \\\n    ", lines);
    }

    private static string EnvPair(EnvVariable variable)
    {
        var name = variable.Name;
        if (!VariableName.IsValid(name))
        {
            throw new ArgumentException($"'{name}' is not an environment variable name.", nameof(variable));
        }

        return $"{name}={Quoted(variable.Value, variable.Expand)}";
    }

    // A double-quoted word of ENV or LABEL: backslash escapes '\' and '"', and '$' unless references are to expand.
    // A Dockerfile has no escape for a line break or other control characters, so they are refused.
    private static string Quoted(string value, bool expand)
    {
        if (value.Any(char.IsControl))
        {
            throw new ArgumentException($"'{value}' cannot be written on one Dockerfile line.", nameof(value));
        }

        var escaped = value.Replace("\\", "\\\\").Replace("\"", "\\\"");
        return "\"" + (expand ? escaped : escaped.Replace("$", "\\$")) + "\"";
    }

    private static string Json(IReadOnlyList<string> values) =>
        "[" + string.Join(", ", values.Select(value => JsonSerializer.Serialize(value, JsonForm))) + "]";

    // FROM, WORKDIR and USER take one word; anything that would split or continue the line is refused here, as the
    // last guard behind the validation of the values the user gave.
    private static string SingleToken(string value)
    {
        if (value.Length == 0 || value.Any(c => char.IsWhiteSpace(c) || c == '\\' || char.IsControl(c)))
        {
            throw new ArgumentException($"'{value}' cannot be written as a single Dockerfile word.", nameof(value));
        }

        return value;
    }
}
