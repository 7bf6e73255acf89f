using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PipelineImage.Diagnostics;

namespace PipelineImage.Transport;

/// <summary>What the environment says about the engine, as the docker CLI reads it.</summary>
/// <param name="DockerHost">DOCKER_HOST.</param>
/// <param name="TlsVerify">DOCKER_TLS_VERIFY: non-empty for TLS that verifies the engine's certificate.</param>
/// <param name="Tls">DOCKER_TLS: non-empty for TLS without verification.</param>
/// <param name="CertPath">DOCKER_CERT_PATH: the directory of ca.pem, cert.pem, key.pem; empty: the config directory.</param>
/// <param name="Context">DOCKER_CONTEXT.</param>
/// <param name="ConfigDirectory">DOCKER_CONFIG or ~/.docker.</param>
/// <param name="CurrentContext">config.json's currentContext.</param>
/// <param name="RuntimeDirectory">XDG_RUNTIME_DIR, where a rootless Podman has its socket.</param>
/// <param name="IsWindows">Whether the build runs on Windows.</param>
internal sealed record EngineEnvironment(
    string? DockerHost = null, string? TlsVerify = null, string? Tls = null, string? CertPath = null, string? Context = null,
    string ConfigDirectory = "", string CurrentContext = "", string? RuntimeDirectory = null, bool IsWindows = false);

/// <summary>TLS to a tcp engine: the client certificate and, when verifying, the CA, as PEM files in one directory.</summary>
/// <param name="CaFile">ca.pem; checked only when <paramref name="Verify"/>.</param>
/// <param name="CertFile">cert.pem, the client certificate.</param>
/// <param name="KeyFile">key.pem, its key.</param>
/// <param name="Verify">Verify the engine's certificate against the CA and its name.</param>
internal sealed record EngineTls(string CaFile, string CertFile, string KeyFile, bool Verify);

/// <param name="Endpoint">The engine's address.</param>
/// <param name="Tls">TLS settings for tcp endpoints; null: none.</param>
/// <param name="Source">Where the address came from, for the log and errors.</param>
internal sealed record EngineConnection(Uri Endpoint, EngineTls? Tls, string Source);

/// <summary>
/// Where the engine is: the PipelineImageDockerHost property, else DOCKER_HOST, else the Docker context named by
/// DOCKER_CONTEXT or config.json's currentContext, else the platform's default socket, or Podman's socket when only
/// that exists. A tcp address uses TLS as DOCKER_TLS_VERIFY, DOCKER_TLS and DOCKER_CERT_PATH (or the context) say.
/// </summary>
internal static class EngineEndpoint
{
    public const string UnixDefault = "unix:///var/run/docker.sock";
    public const string WindowsDefault = "npipe://./pipe/docker_engine";

    // What the docker CLI accepts in DOCKER_HOST, less ssh and fd (which need the CLI itself).
    private static readonly string[] Schemes = ["unix", "npipe", "tcp"];

    /// <param name="property">The PipelineImageDockerHost property (may be empty).</param>
    /// <param name="environment">The environment variables and config the docker CLI reads.</param>
    /// <param name="readFile">Reads a file: its text, or null when there is none.</param>
    /// <param name="exists">Whether a file (a socket) exists.</param>
    /// <exception cref="PipelineImageException">PIMG2006 for a value that is no engine address, PIMG2027 for an unknown context.</exception>
    public static EngineConnection Resolve(string? property, EngineEnvironment environment, Func<string, string?> readFile, Func<string, bool> exists)
    {
        if (!string.IsNullOrWhiteSpace(property))
        {
            return FromHost(property.Trim(), "PipelineImageDockerHost", environment);
        }

        if (!string.IsNullOrWhiteSpace(environment.DockerHost))
        {
            return FromHost(environment.DockerHost.Trim(), "DOCKER_HOST", environment);
        }

        var (context, contextSource) = !string.IsNullOrWhiteSpace(environment.Context) ? (environment.Context.Trim(), "DOCKER_CONTEXT")
            : (environment.CurrentContext.Trim(), "currentContext of the docker config.json");
        if (context.Length > 0 && context != "default")
        {
            return FromContext(context, contextSource, environment, readFile, exists);
        }

        if (environment.IsWindows)
        {
            return new EngineConnection(new Uri(WindowsDefault), null, "the default");
        }

        // A machine with Podman and no Docker: its Docker-compatible socket, rootless first.
        if (!exists("/var/run/docker.sock"))
        {
            var podmanSockets = string.IsNullOrEmpty(environment.RuntimeDirectory)
                ? ["/run/podman/podman.sock"]
                : new[] { $"{environment.RuntimeDirectory.TrimEnd('/')}/podman/podman.sock", "/run/podman/podman.sock" };
            if (podmanSockets.FirstOrDefault(exists) is { } podman)
            {
                return new EngineConnection(new Uri("unix://" + podman), null, "Podman's socket");
            }
        }

        return new EngineConnection(new Uri(UnixDefault), null, "the default");
    }

    /// <summary>The directory name the docker CLI stores a context under: the SHA-256 of its name, in hex.</summary>
    public static string ContextDirectoryName(string context) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(context))).ToLowerInvariant();

    private static EngineConnection FromHost(string value, string source, EngineEnvironment environment)
    {
        var uri = Parse(value, source);
        var verify = !string.IsNullOrEmpty(environment.TlsVerify);
        if (uri.Scheme != "tcp" || !(verify || !string.IsNullOrEmpty(environment.Tls)))
        {
            return new EngineConnection(uri, null, source);
        }

        var directory = string.IsNullOrWhiteSpace(environment.CertPath) ? environment.ConfigDirectory : environment.CertPath.Trim();
        var tls = new EngineTls(Path.Combine(directory, "ca.pem"), Path.Combine(directory, "cert.pem"), Path.Combine(directory, "key.pem"), verify);
        return new EngineConnection(uri, tls, $"{source} with TLS from {directory}");
    }

    // The docker CLI's context store: contexts/meta/<hash>/meta.json holds the endpoint, contexts/tls/<hash>/docker/
    // its TLS files.
    private static EngineConnection FromContext(
        string context, string source, EngineEnvironment environment, Func<string, string?> readFile, Func<string, bool> exists)
    {
        var hash = ContextDirectoryName(context);
        var metaPath = Path.Combine(environment.ConfigDirectory, "contexts", "meta", hash, "meta.json");
        var meta = readFile(metaPath) ?? throw new PipelineImageException(DiagnosticCodes.DockerContextNotFound, context, source, metaPath);
        string host;
        bool skipVerify;
        try
        {
            using var document = JsonDocument.Parse(meta);
            var docker = document.RootElement.GetProperty("Endpoints").GetProperty("docker");
            host = docker.GetProperty("Host").GetString() ?? "";
            skipVerify = docker.TryGetProperty("SkipTLSVerify", out var skip) && skip.ValueKind == JsonValueKind.True;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new PipelineImageException(e, DiagnosticCodes.DockerContextNotFound, context, source, metaPath);
        }

        var uri = Parse(host, $"the Docker context '{context}'");
        var tlsDirectory = Path.Combine(environment.ConfigDirectory, "contexts", "tls", hash, "docker");
        var certFile = Path.Combine(tlsDirectory, "cert.pem");
        var tls = uri.Scheme == "tcp" && exists(certFile)
            ? new EngineTls(Path.Combine(tlsDirectory, "ca.pem"), certFile, Path.Combine(tlsDirectory, "key.pem"), !skipVerify)
            : null;
        return new EngineConnection(uri, tls, $"the Docker context '{context}' ({source})");
    }

    private static Uri Parse(string value, string source) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && Schemes.Contains(uri.Scheme)
            ? uri
            : throw new PipelineImageException(DiagnosticCodes.InvalidDockerHost, value, source);
}
