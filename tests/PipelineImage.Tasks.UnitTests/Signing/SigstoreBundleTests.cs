using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PipelineImage.Signing;

namespace PipelineImage.Tests.Signing;

/// <summary>A cosign 3 signature of an image: the statement, the DSSE envelope, the bundle (<see cref="SigstoreBundle"/>).</summary>
public sealed class SigstoreBundleTests
{
    private const string Digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    private static SigningKey Key(string name = "pkcs8.pem") =>
        SigningKey.Load(name, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Signing", "Keys", name)), "fixture-password");

    [Fact]
    public void DssesPreAuthenticationEncodingIsItsSpecsBytes()
    {
        Assert.Equal("DSSEv1 28 application/vnd.in-toto+json 2 {}"u8.ToArray(), SigstoreBundle.PreAuthenticationEncoding("application/vnd.in-toto+json", "{}"u8.ToArray()));
    }

    [Fact]
    public void TheBundleHoldsTheStatementAboutTheDigestSignedOverItsEnvelopeWithTheKeysHint()
    {
        using var key = Key();
        var statement = SigstoreBundle.Statement("localhost:5000/app", Digest, SigstoreBundle.SignPredicateType, new JsonObject());

        var bundle = SigstoreBundle.Sign(statement, key);

        using var document = JsonDocument.Parse(bundle);
        var root = document.RootElement;
        Assert.Equal("application/vnd.dev.sigstore.bundle.v0.3+json", root.GetProperty("mediaType").GetString());
        Assert.Equal(key.Hint, root.GetProperty("verificationMaterial").GetProperty("publicKey").GetProperty("hint").GetString());
        var envelope = root.GetProperty("dsseEnvelope");
        Assert.Equal("application/vnd.in-toto+json", envelope.GetProperty("payloadType").GetString());
        Assert.Equal(
            """{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"localhost:5000/app","digest":{"sha256":"1111111111111111111111111111111111111111111111111111111111111111"}}],"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}""",
            Encoding.UTF8.GetString(envelope.GetProperty("payload").GetBytesFromBase64()));
        Assert.True(SigstoreBundle.IsSignedBy(bundle, Digest, SigstoreBundle.SignPredicateType, key.Verifies));
    }

    [Fact]
    public void ABundleOfAnotherDigestPredicateOrKeyIsNotThisKeysSignatureOfTheImage()
    {
        using var key = Key();
        using var other = Key("cosign.key");
        var bundle = SigstoreBundle.Sign(SigstoreBundle.Statement("localhost:5000/app", Digest, SigstoreBundle.SignPredicateType, new JsonObject()), key);

        Assert.False(SigstoreBundle.IsSignedBy(bundle, Digest.Replace('1', '2'), SigstoreBundle.SignPredicateType, key.Verifies));
        Assert.False(SigstoreBundle.IsSignedBy(bundle, Digest, "https://slsa.dev/provenance/v1", key.Verifies));
        Assert.False(SigstoreBundle.IsSignedBy(bundle, Digest, SigstoreBundle.SignPredicateType, other.Verifies));
        Assert.False(SigstoreBundle.IsSignedBy("not json"u8.ToArray(), Digest, SigstoreBundle.SignPredicateType, key.Verifies));
    }
}
