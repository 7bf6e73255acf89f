using PipelineImage.Diagnostics;
using PipelineImage.Transport;

namespace PipelineImage.Engine;

/// <summary>The engine speaks an API older than the builder features we use.</summary>
internal sealed class EngineApiTooOldException(string endpoint, string apiVersion, string minimum)
    : EngineException(null, DiagnosticCodes.EngineApiTooOld, endpoint, apiVersion, minimum);

/// <summary>A Dockerfile step failed: one line with the step, the error, the step's last output and a hint.</summary>
internal sealed class ImageBuildFailedException(string step, string error, IReadOnlyList<string> stepOutput)
    : EngineException(null, DiagnosticCodes.ImageBuildFailed, BuildFailure.Clean(step), OneLine(error),
        BuildFailure.LastLines(stepOutput), BuildFailure.Hint(step, error, stepOutput))
{
    private static string OneLine(string text) => string.Join(" | ", text.Split('\n').Select(BuildFailure.Clean).Where(line => line.Length > 0)).TrimEnd('.');
}

/// <summary>A push failed: <paramref name="resourceName"/> says whether for credentials, the network, TLS or otherwise.</summary>
internal sealed class PushFailedException(string resourceName, string reference, string registry, string detail, string credentialSource)
    : EngineException(null, resourceName, reference, registry, detail, credentialSource)
{
    /// <summary>
    /// Whether the registry failed in a way that passes (a 5xx answer, a connection it reset or closed early): the push
    /// is worth trying again, and the layers it uploaded are not uploaded again.
    /// </summary>
    public bool IsTransient { get; } = Transient(detail);

    private static bool Transient(string detail)
    {
        var text = detail.ToLowerInvariant();
        return System.Text.RegularExpressions.Regex.IsMatch(text, @"\b5(0[0-4])\b")
               || new[] { "service unavailable", "bad gateway", "gateway timeout", "internal server error", "connection reset", "broken pipe", "unexpected eof", ": eof" }
                   .Any(text.Contains);
    }
}
