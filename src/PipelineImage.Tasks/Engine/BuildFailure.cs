using System.Text.RegularExpressions;

namespace PipelineImage.Engine;

/// <summary>
/// Turns a failed step into what one error line can say: the step with its command, the error, the last lines of
/// its output without terminal escape codes, and a hint for the causes users meet most.
/// </summary>
internal static partial class BuildFailure
{
    /// <summary>How many of the step's last output lines the error quotes (the log has them all).</summary>
    public const int QuotedLines = 6;

    /// <summary>
    /// A line of engine output as the log shows it: no ANSI escape sequences and, of a line that a carriage return
    /// overwrote (progress), what a terminal would show last.
    /// </summary>
    public static string Clean(string line)
    {
        var text = AnsiEscape().Replace(line, "");
        return (text.Split('\r').LastOrDefault(segment => segment.Trim().Length > 0) ?? "").TrimEnd();
    }

    /// <summary>The last non-empty lines of the step's output, joined into one line with " | ".</summary>
    public static string LastLines(IEnumerable<string> output)
    {
        var lines = output.Select(Clean).Where(line => line.Trim().Length > 0).TakeLast(QuotedLines).ToList();
        return lines.Count == 0 ? "(the step printed nothing)" : string.Join(" | ", lines);
    }

    /// <summary>A hint for a known cause, starting with a space; empty when none fits.</summary>
    /// <param name="step">The step line (<c>Step 3/9 : RUN ...</c>), or BuildKit's vertex where no step was reached.</param>
    /// <param name="error">The engine's error.</param>
    /// <param name="output">The step's output.</param>
    public static string Hint(string step, string error, IReadOnlyList<string> output)
    {
        var text = string.Join("\n", output.Append(error));
        var command = step.Contains(" : ", StringComparison.Ordinal) ? step[(step.IndexOf(" : ", StringComparison.Ordinal) + 3)..] : step;
        // BuildKit resolves each base before any step, in a vertex of its own.
        const string resolving = "[internal] load metadata for ";
        var from = command.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase) ? command[5..]
            : step.StartsWith(resolving, StringComparison.Ordinal) ? step[resolving.Length..] : null;
        if (from is not null)
        {
            var image = from.Trim().Split(' ')[0];
            return $" Hint: the base image '{image}' is not on the engine and could not be pulled: check the reference (PipelineImageBase, or the parent Dockerfile's FROM), log in to its registry, or make it local (docker pull, docker load) and keep PipelineImagePull=missing.";
        }

        if (error.Contains("network bridge not found", StringComparison.Ordinal))
        {
            return " Hint: the engine has no bridge network for RUN steps (BuildKit uses it by default): set PipelineImageNetwork=host for steps that download, or none.";
        }

        if (PipCannotReachIndex().IsMatch(text))
        {
            return " Hint: pip could not reach its package index: point PipelineImagePipIndexUrl (or PipelineImagePipExtraIndexUrls, PipelineImagePipFindLinks) at an index the build can reach, and if RUN steps have no network on this engine, set PipelineImageNetwork=host.";
        }

        if (OsPackageManagerCannotReachIndex().IsMatch(text))
        {
            return " Hint: the OS package manager could not reach its package index: if RUN steps have no network on this engine, set PipelineImageNetwork=host; to use a mirror, configure it in the base image (PipelineImageBase or PipelineImageParentDockerfile).";
        }

        return "";
    }

    [GeneratedRegex(@"\x1B(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1B]*(?:\x07|\x1B\\)|[@-Z\\-_])")]
    private static partial Regex AnsiEscape();

    // pip retries and then says "No matching distribution"; what it retried on names the network failure.
    [GeneratedRegex(@"(NewConnectionError|Failed to establish a new connection|ConnectTimeoutError|Temporary failure in name resolution|Name or service not known|Network is unreachable|Could not fetch URL|ProxyError)", RegexOptions.IgnoreCase)]
    private static partial Regex PipCannotReachIndex();

    // apt-get, apk and tdnf on a network they cannot use.
    [GeneratedRegex(@"(Temporary failure resolving|Could not resolve|Failed to fetch|Unable to connect to|Could not connect to|Network is unreachable|DNS lookup error|temporary error \(try again later\)|Curl error \(6\)|Curl error \(7\))", RegexOptions.IgnoreCase)]
    private static partial Regex OsPackageManagerCannotReachIndex();
}
