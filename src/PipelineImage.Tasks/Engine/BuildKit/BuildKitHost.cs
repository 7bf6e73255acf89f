using PipelineImage.Diagnostics;
using PipelineImage.Transport;

namespace PipelineImage.Engine.BuildKit;

/// <summary>
/// PipelineImageBuildKitHost: a BuildKit reached through its Control API, as buildctl's <c>--addr</c> names one:
/// <c>unix:///run/buildkit/buildkitd.sock</c> or <c>tcp://buildkitd:1234</c>, with TLS when
/// PipelineImageBuildKitCertPath names a directory holding ca.pem, cert.pem and key.pem (the docker CLI's layout).
/// A Docker engine's address works too: its Control API is HTTP/2 on its unix socket from Docker 29.2, <c>POST /grpc</c> before.
/// </summary>
internal static class BuildKitHost
{
    /// <summary>The host's connection; null when the property is empty.</summary>
    /// <exception cref="PipelineImageException">PIMG2034 for an address of another scheme, or a certificate path on a unix socket.</exception>
    /// <param name="value">The address.</param>
    /// <param name="certPath">The directory of ca.pem, cert.pem and key.pem; empty: no TLS.</param>
    /// <param name="source">What named it, for the log.</param>
    public static EngineConnection? Parse(string value, string certPath, string source = "PipelineImageBuildKitHost")
    {
        value = value.Trim();
        certPath = certPath.Trim();
        if (value.Length == 0)
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("unix" or "tcp")
            || (uri.Scheme == "tcp" && (uri.Host.Length == 0 || uri.Port <= 0)) || (uri.Scheme == "unix" && uri.LocalPath.Length <= 1))
        {
            throw new PipelineImageException(DiagnosticCodes.InvalidBuildKitHost, value, "it is neither unix:///path nor tcp://host:port");
        }

        if (certPath.Length > 0 && uri.Scheme == "unix")
        {
            throw new PipelineImageException(DiagnosticCodes.InvalidBuildKitHost, value, "PipelineImageBuildKitCertPath is for tcp:// addresses");
        }

        var tls = certPath.Length == 0 ? null
            : new EngineTls(Path.Combine(certPath, "ca.pem"), Path.Combine(certPath, "cert.pem"), Path.Combine(certPath, "key.pem"), Verify: true);
        return new EngineConnection(uri, tls, source + (tls is null ? "" : $" with TLS from {certPath}"));
    }
}
