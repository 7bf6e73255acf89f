using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PipelineImage.Diagnostics;

namespace PipelineImage.Transport;

/// <summary>
/// TLS to a tcp engine as the docker CLI does it: the client certificate from cert.pem and key.pem and, when
/// verifying, the engine's certificate checked against ca.pem alone (not the machine's trust store) and its name.
/// </summary>
internal static class EngineTlsCredentials
{
    /// <summary>The client certificate and the check of the engine's certificate, for any HTTP client.</summary>
    /// <exception cref="PipelineImageException">PIMG2027 when a certificate file is missing or unreadable.</exception>
    public static (X509Certificate2 Client, RemoteCertificateValidationCallback Validate) Load(EngineTls tls, string endpoint)
    {
        X509Certificate2 client;
        X509Certificate2? ca = null;
        try
        {
            client = X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile);
            if (tls.Verify)
            {
                ca = X509Certificate2.CreateFromPem(File.ReadAllText(tls.CaFile));
            }
        }
        catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException)
        {
            throw new PipelineImageException(e, DiagnosticCodes.EngineTlsFiles, endpoint, tls.CaFile, tls.CertFile, tls.KeyFile, e.Message);
        }

        return (client, ca is null ? (_, _, _, _) => true : (_, certificate, _, errors) => Trusted(ca, certificate, errors));
    }

    private static bool Trusted(X509Certificate2 ca, X509Certificate? certificate, SslPolicyErrors errors)
    {
        // The name must match; chain errors are judged against the engine's own CA below.
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var server = new X509Certificate2(certificate);
        return chain.Build(server);
    }
}
