using PipelineImage.Diagnostics;

namespace PipelineImage.Engine;

/// <summary>A failure of the engine or of talking to it; each kind has its own PIMG1xxx code.</summary>
internal class EngineException : PipelineImageException
{
    public EngineException(Exception? inner, string resourceName, params object[] arguments)
        : base(inner, resourceName, arguments)
    {
    }
}

/// <summary>No engine answered at the endpoint, found through <paramref name="source"/> (DOCKER_HOST, a property, a context).</summary>
internal sealed class EngineUnavailableException(string endpoint, string source, string reason, Exception? inner = null)
    : EngineException(inner, DiagnosticCodes.EngineUnavailable, endpoint, source, reason)
{
    public string Endpoint { get; } = endpoint;

    public string FoundThrough { get; } = source;

    public string Reason { get; } = reason;
}

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

/// <summary>The engine refused or failed a request.</summary>
internal sealed class EngineRequestFailedException(string operation, string reason, Exception? inner = null)
    : EngineException(inner, DiagnosticCodes.EngineRequestFailed, operation, reason);

/// <summary>The engine answered a request with a status that is not success: its code and the engine's message.</summary>
internal sealed class EngineApiStatusException(int status, string reason, string message)
    : Exception($"{status} {reason}: {message}");
