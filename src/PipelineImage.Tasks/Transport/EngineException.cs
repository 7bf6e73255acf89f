using PipelineImage.Diagnostics;

namespace PipelineImage.Transport;

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

/// <summary>The engine refused or failed a request.</summary>
internal sealed class EngineRequestFailedException(string operation, string reason, Exception? inner = null)
    : EngineException(inner, DiagnosticCodes.EngineRequestFailed, operation, reason);

/// <summary>The engine answered a request with a status that is not success: its code and the engine's message.</summary>
internal sealed class EngineApiStatusException(int status, string reason, string message)
    : Exception($"{status} {reason}: {message}");
