using System.Text;
using PipelineImage.Diagnostics;
using PipelineImage.Signing;

namespace PipelineImage.Tests.Signing;

/// <summary>PipelineImageSigningKey's formats: cosign's and PKCS#8 P-256, and what each refusal says (<see cref="SigningKey"/>).</summary>
public sealed class SigningKeyTests
{
    private const string Password = "fixture-password";

    private static string Key(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Signing", "Keys", name));

    [Theory]
    [InlineData("cosign.key", "cosign.pub", Password)]
    [InlineData("pkcs8.pem", "pkcs8.pub", null)]
    [InlineData("pkcs8-encrypted.pem", "pkcs8.pub", Password)]
    public void CosignsKeyAndPkcs8KeysLoadAndSignAsTheirPublicKeyVerifies(string key, string publicKey, string? password)
    {
        using var loaded = SigningKey.Load(key, Key(key), password);

        Assert.Equal(Key(publicKey).Trim(), loaded.PublicKeyPem.Trim());
        var data = Encoding.UTF8.GetBytes("the statement");
        Assert.True(loaded.Verifies(data, loaded.Sign(data)));
        Assert.False(loaded.Verifies(Encoding.UTF8.GetBytes("another statement"), loaded.Sign(data)));
    }

    [Theory]
    [InlineData("cosign.key", "wrong", "could not be decrypted with COSIGN_PASSWORD")]
    [InlineData("cosign.key", null, "is cosign's encrypted key, and COSIGN_PASSWORD is not set")]
    [InlineData("pkcs8-encrypted.pem", "wrong", "could not be decrypted with COSIGN_PASSWORD")]
    [InlineData("p384.pem", null, "is an ECDSA key on the curve")]
    [InlineData("rsa.pem", null, "is a 'PRIVATE KEY' PEM that holds no ECDSA private key")]
    [InlineData("cosign.pub", null, "is a PEM of type 'PUBLIC KEY': give cosign's key")]
    public void AnyOtherKeyIsPimg2059NamingTheSourceAndNeverTheKey(string key, string? password, string detail)
    {
        var text = Key(key);

        var e = Assert.Throws<PipelineImageException>(() => SigningKey.Load($"keys/{key}", text, password));

        Assert.Equal(DiagnosticCodes.InvalidSigningKey, e.ResourceName);
        Assert.StartsWith($"PIMG2059: PipelineImageSigningKey 'keys/{key}' ", e.Message, StringComparison.Ordinal);
        Assert.Contains(detail, e.Message, StringComparison.Ordinal);
        var body = text.Split('\n').Where(line => line.Length > 20 && !line.StartsWith("-----", StringComparison.Ordinal));
        Assert.All(body, line => Assert.DoesNotContain(line, e.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public void TextWithoutAPemBlockIsPimg2059()
    {
        var e = Assert.Throws<PipelineImageException>(() => SigningKey.Load("key.txt", "not a key", null));

        Assert.Contains("holds no PEM block", e.Message, StringComparison.Ordinal);
    }
}
