namespace PipelineImage.Requirements;

/// <summary>POSIX shell quoting for the values written into RUN lines.</summary>
internal static class Shell
{
    /// <summary>
    /// Wraps a value in single quotes, within which the shell expands nothing; a single quote in the value is
    /// written as <c>'\''</c>. Values are validated before they get here: this is the second line of defence.
    /// </summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
