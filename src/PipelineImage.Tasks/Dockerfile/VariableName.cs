namespace PipelineImage.Dockerfile;

/// <summary>The names ENV and ARG take: a letter or <c>_</c>, then ASCII letters, digits and <c>_</c>.</summary>
internal static class VariableName
{
    public static bool IsValid(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
