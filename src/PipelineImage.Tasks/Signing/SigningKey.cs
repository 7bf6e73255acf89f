using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;
using PipelineImage.Diagnostics;

namespace PipelineImage.Signing;

/// <summary>
/// PipelineImageSigningKey: an ECDSA P-256 private key, as <c>cosign generate-key-pair</c> writes it (an
/// <c>ENCRYPTED SIGSTORE PRIVATE KEY</c> PEM: go-tuf's envelope, scrypt and NaCl's secretbox around the PKCS#8 key,
/// password in COSIGN_PASSWORD) or as openssl writes it (PKCS#8 <c>PRIVATE KEY</c>, <c>ENCRYPTED PRIVATE KEY</c> with
/// COSIGN_PASSWORD, or SEC1 <c>EC PRIVATE KEY</c>). The key's bytes never leave this object: not in a message, not in
/// an exception. Signs with SHA-256, DER-encoded signatures, as cosign does.
/// </summary>
internal sealed class SigningKey : IDisposable
{
    private readonly ECDsa _key;

    private SigningKey(ECDsa key)
    {
        _key = key;
        PublicKeyDer = key.ExportSubjectPublicKeyInfo();
    }

    /// <summary>The public key, SubjectPublicKeyInfo DER.</summary>
    public byte[] PublicKeyDer { get; }

    /// <summary>The public key as <c>cosign.pub</c> holds it: a <c>PUBLIC KEY</c> PEM.</summary>
    public string PublicKeyPem => PemEncoding.WriteString("PUBLIC KEY", PublicKeyDer) + "\n";

    /// <summary>The key's hint in a Sigstore bundle, as cosign gives it: the base64 SHA-256 of the public key's DER.</summary>
    public string Hint => Convert.ToBase64String(SHA256.HashData(PublicKeyDer));

    /// <summary>An ECDSA P-256 signature of SHA-256(<paramref name="data"/>), DER-encoded.</summary>
    public byte[] Sign(byte[] data) => _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    /// <summary>Whether <paramref name="signature"/> (DER) is this key's signature of <paramref name="data"/>.</summary>
    public bool Verifies(byte[] data, byte[] signature) => _key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    public void Dispose() => _key.Dispose();

    /// <summary>The key in a PEM text.</summary>
    /// <param name="source">Where the text came from, for the messages: the file, or the secret's id.</param>
    /// <param name="pem">The PEM text.</param>
    /// <param name="password">COSIGN_PASSWORD; null when it is not set (an empty password is one).</param>
    /// <exception cref="PipelineImageException">PIMG2059 naming the source and what is wrong, never the key.</exception>
    public static SigningKey Load(string source, string pem, string? password)
    {
        PemFields fields;
        try
        {
            fields = PemEncoding.Find(pem);
        }
        catch (ArgumentException)
        {
            throw Invalid(source, "holds no PEM block: give the private key cosign generate-key-pair wrote (cosign.key), or a PKCS#8 ECDSA P-256 key in PEM");
        }

        var label = pem[fields.Label];
        var der = Convert.FromBase64String(pem[fields.Base64Data]);
        var key = ECDsa.Create();
        try
        {
            switch (label)
            {
                case "ENCRYPTED SIGSTORE PRIVATE KEY" or "ENCRYPTED COSIGN PRIVATE KEY":
                    var pkcs8 = DecryptCosign(source, der, password ?? throw Invalid(source, "is cosign's encrypted key, and COSIGN_PASSWORD is not set: set it to the key's password (empty for none)"));
                    try
                    {
                        key.ImportPkcs8PrivateKey(pkcs8, out _);
                    }
                    finally
                    {
                        CryptographicOperations.ZeroMemory(pkcs8);
                    }

                    break;
                case "PRIVATE KEY":
                    key.ImportPkcs8PrivateKey(der, out _);
                    break;
                case "ENCRYPTED PRIVATE KEY":
                    key.ImportEncryptedPkcs8PrivateKey(password ?? throw Invalid(source, "is an encrypted PKCS#8 key, and COSIGN_PASSWORD is not set: set it to the key's password"),
                        der, out _);
                    break;
                case "EC PRIVATE KEY":
                    key.ImportECPrivateKey(der, out _);
                    break;
                default:
                    throw Invalid(source, $"is a PEM of type '{label}': give cosign's key (ENCRYPTED SIGSTORE PRIVATE KEY, from cosign generate-key-pair) or an ECDSA P-256 "
                        + "private key in PKCS#8 (PRIVATE KEY or ENCRYPTED PRIVATE KEY, from openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)");
            }
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            throw Invalid(source, label is "ENCRYPTED PRIVATE KEY"
                ? $"could not be decrypted with COSIGN_PASSWORD ({e.Message}): set the key's password"
                : $"is a '{label}' PEM that holds no ECDSA private key ({e.Message}): give an ECDSA P-256 key");
        }
        catch (PipelineImageException)
        {
            key.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }

        var curve = key.ExportParameters(includePrivateParameters: false).Curve;
        if (curve.Oid?.Value != "1.2.840.10045.3.1.7" && curve.Oid?.FriendlyName is not ("nistP256" or "ECDSA_P256"))
        {
            key.Dispose();
            throw Invalid(source, $"is an ECDSA key on the curve {curve.Oid?.FriendlyName ?? curve.Oid?.Value ?? "(explicit parameters)"}: cosign's keys are P-256; make one on P-256");
        }

        return new SigningKey(key);
    }

    // go-tuf's encrypted envelope: {"kdf": {"name": "scrypt", "params": {"N", "r", "p"}, "salt"}, "cipher": {"name":
    // "nacl/secretbox", "nonce"}, "ciphertext"}, the byte fields base64; the key is scrypt(password, salt, N, r, p, 32)
    // and the ciphertext NaCl's secretbox (XSalsa20 and Poly1305: the tag, then the encrypted PKCS#8 key).
    private static byte[] DecryptCosign(string source, byte[] envelope, string password)
    {
        byte[] salt, nonce, box;
        int n, r, p;
        try
        {
            using var document = JsonDocument.Parse(envelope);
            var root = document.RootElement;
            var kdf = root.GetProperty("kdf");
            var cipher = root.GetProperty("cipher");
            if (kdf.GetProperty("name").GetString() != "scrypt" || cipher.GetProperty("name").GetString() != "nacl/secretbox")
            {
                throw Invalid(source, $"is cosign's encrypted key with the key derivation '{kdf.GetProperty("name").GetString()}' and the cipher "
                    + $"'{cipher.GetProperty("name").GetString()}': only scrypt and nacl/secretbox, which cosign writes, are read");
            }

            var parameters = kdf.GetProperty("params");
            (n, r, p) = (parameters.GetProperty("N").GetInt32(), parameters.GetProperty("r").GetInt32(), parameters.GetProperty("p").GetInt32());
            salt = kdf.GetProperty("salt").GetBytesFromBase64();
            nonce = cipher.GetProperty("nonce").GetBytesFromBase64();
            box = root.GetProperty("ciphertext").GetBytesFromBase64();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw Invalid(source, "is an ENCRYPTED SIGSTORE PRIVATE KEY PEM whose content is not cosign's encrypted key: write it again with cosign generate-key-pair");
        }

        if (nonce.Length != 24 || box.Length < 16 || n < 2 || (n & (n - 1)) != 0 || r < 1 || p < 1)
        {
            throw Invalid(source, "is cosign's encrypted key with invalid parameters: write it again with cosign generate-key-pair");
        }

        var secret = SCrypt.Generate(Encoding.UTF8.GetBytes(password), salt, n, r, p, 32);
        try
        {
            var stream = new XSalsa20Engine();
            stream.Init(forEncryption: false, new ParametersWithIV(new KeyParameter(secret), nonce));
            var macKey = new byte[32];
            stream.ProcessBytes(new byte[32], 0, 32, macKey, 0);
            var mac = new Poly1305();
            mac.Init(new KeyParameter(macKey));
            mac.BlockUpdate(box, 16, box.Length - 16);
            var tag = new byte[16];
            mac.DoFinal(tag, 0);
            CryptographicOperations.ZeroMemory(macKey);
            if (!CryptographicOperations.FixedTimeEquals(tag, box.AsSpan(0, 16)))
            {
                throw Invalid(source, "could not be decrypted with COSIGN_PASSWORD: set it to the password the key was made with");
            }

            var plain = new byte[box.Length - 16];
            stream.ProcessBytes(box, 16, plain.Length, plain, 0);
            return plain;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static PipelineImageException Invalid(string source, string why) => new(DiagnosticCodes.InvalidSigningKey, source, why);
}
