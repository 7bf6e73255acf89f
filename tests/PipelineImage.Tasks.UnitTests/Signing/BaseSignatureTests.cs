using System.Text;
using System.Text.Json.Nodes;
using PipelineImage.Diagnostics;
using PipelineImage.Registry;
using PipelineImage.Signing;
using PipelineImage.Tests.Registry;

namespace PipelineImage.Tests.Signing;

/// <summary>PipelineImageBaseVerificationKey: a base is built on only with a signature the key verifies (<see cref="BaseSignature"/>).</summary>
public sealed class BaseSignatureTests
{
    private static string Keys(string name) => Path.Combine(AppContext.BaseDirectory, "Signing", "Keys", name);

    [Fact]
    public async Task OnlyASignatureOfTheTagsDigestByTheKeyVerifiesTheBase()
    {
        var registry = new InMemoryRegistry();
        var image = Encoding.UTF8.GetBytes("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}""");
        var digest = InMemoryRegistry.Digest(image);
        registry.Manifests[$"dotnet/runtime:{digest}"] = ("application/vnd.oci.image.index.v1+json", image);
        registry.Manifests["dotnet/runtime:10.0"] = ("application/vnd.oci.image.index.v1+json", image);
        using var client = new RegistryClient("registry.test", null, _ => { }, [], registry);
        using var publisher = SigningKey.Load("cosign.key", File.ReadAllText(Keys("cosign.key")), "fixture-password");
        using var cosignPub = VerificationKey.Load(Keys("cosign.pub"), "registry.test/dotnet/runtime:10.0");
        using var otherPub = VerificationKey.Load(Keys("pkcs8.pub"), "registry.test/dotnet/runtime:10.0");

        var unsigned = await Assert.ThrowsAsync<PipelineImageException>(() =>
            BaseSignature.VerifyAsync(client, "dotnet/runtime", "10.0", "registry.test/dotnet/runtime:10.0", "cosign.pub", cosignPub, CancellationToken.None));
        await new ImageSigner(publisher, _ => client).SignAsync(new SigningSubject("registry.test", "dotnet/runtime", digest), SigstoreBundle.SignPredicateType,
            () => Task.FromResult<JsonNode>(new JsonObject()), CancellationToken.None);
        var verified = await BaseSignature.VerifyAsync(client, "dotnet/runtime", "10.0", "registry.test/dotnet/runtime:10.0", "cosign.pub", cosignPub, CancellationToken.None);
        var other = await Assert.ThrowsAsync<PipelineImageException>(() =>
            BaseSignature.VerifyAsync(client, "dotnet/runtime", "10.0", "registry.test/dotnet/runtime:10.0", "pkcs8.pub", otherPub, CancellationToken.None));

        Assert.Equal(digest, verified);
        Assert.Equal(DiagnosticCodes.BaseNotVerified, unsigned.ResourceName);
        Assert.Contains($"finds no signature of {digest}", unsigned.Message, StringComparison.Ordinal);
        Assert.Contains($"verifies none of the 1 Sigstore bundle(s) of {digest}", other.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing.pub", "does not exist")]
    [InlineData("cosign.key", "is no ECDSA public key in PEM")]
    public void AKeyFileThatIsNoPublicKeyIsPimg2060(string name, string detail)
    {
        var e = Assert.Throws<PipelineImageException>(() => VerificationKey.Load(Keys(name), "base:1"));

        Assert.Equal(DiagnosticCodes.BaseNotVerified, e.ResourceName);
        Assert.Contains(detail, e.Message, StringComparison.Ordinal);
    }
}
