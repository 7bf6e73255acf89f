using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PipelineImage.Dockerfile;

/// <summary>
/// Renders a <see cref="DockerfileDefinition"/> to text: the same definition always gives the same bytes
/// (UTF-8 without BOM, <c>\n</c> line ends, no timestamps). Paths and arguments go into JSON (exec) form, so
/// spaces, quotes and <c>$</c> reach the engine as they are, never through a shell.
/// </summary>
public static class DockerfileWriter
{
    private static readonly JsonSerializerOptions JsonForm = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Render(DockerfileDefinition definition)
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
            text.Append(Render(instruction)).Append('\n');
        }

        return text.ToString();
    }

    private static string Render(Instruction instruction) => instruction switch
    {
        FromInstruction from => $"FROM {SingleToken(from.Image)}",
        WorkdirInstruction workdir => $"WORKDIR {SingleToken(workdir.Path)}",
        CopyInstruction copy => $"COPY {Json([.. copy.Sources, copy.Destination])}",
        UserInstruction user => $"USER {SingleToken(user.User)}",
        EntrypointInstruction entrypoint => $"ENTRYPOINT {Json(entrypoint.Arguments)}",
        _ => throw new ArgumentOutOfRangeException(nameof(instruction), instruction.GetType().Name, "Unknown instruction."),
    };

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
