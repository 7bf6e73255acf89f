using System.Security.Cryptography;
using PipelineImage.Diagnostics;

namespace PipelineImage.Signing;

/// <summary>A public key that verifies signatures: <c>cosign.pub</c> (a <c>PUBLIC KEY</c> PEM, ECDSA P-256).</summary>
internal sealed class VerificationKey : IDisposable
{
    private readonly ECDsa _key;

    private VerificationKey(ECDsa key) => _key = key;

    /// <summary>Whether <paramref name="signature"/> (DER) is a signature of SHA-256(<paramref name="data"/>) by this key's private key.</summary>
    public bool Verifies(byte[] data, byte[] signature) => _key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    public void Dispose() => _key.Dispose();

    /// <exception cref="PipelineImageException">PIMG2060 naming the file when it is no ECDSA public key.</exception>
    public static VerificationKey Load(string path, string baseImage)
    {
        if (!File.Exists(path))
        {
            throw new PipelineImageException(DiagnosticCodes.BaseNotVerified, baseImage, path, "does not exist: give the public key of the base's signer (cosign.pub)");
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
            return new VerificationKey(key);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new PipelineImageException(DiagnosticCodes.BaseNotVerified, baseImage, path, $"is no ECDSA public key in PEM ({e.Message}): give cosign.pub, as cosign generate-key-pair wrote it");
        }
    }
}
