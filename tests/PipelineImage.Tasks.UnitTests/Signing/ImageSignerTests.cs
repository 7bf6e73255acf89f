using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PipelineImage.Registry;
using PipelineImage.Signing;
using PipelineImage.Tests.Registry;

namespace PipelineImage.Tests.Signing;

/// <summary>Statements about a pushed manifest, each attached once per key and predicate type (<see cref="ImageSigner"/>).</summary>
public sealed class ImageSignerTests
{
    private static SigningKey Key(string name) =>
        SigningKey.Load(name, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Signing", "Keys", name)), "fixture-password");

    private static Func<Task<JsonNode>> Predicate(JsonNode predicate) => () => Task.FromResult(predicate);

    [Fact]
    public async Task AStatementIsMadeOncePerKeyAndPredicateTypeAndFoundThroughTheReferrersTag()
    {
        var registry = new InMemoryRegistry();
        var image = Encoding.UTF8.GetBytes("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}""");
        var digest = InMemoryRegistry.Digest(image);
        registry.Manifests[$"team/app:{digest}"] = ("application/vnd.oci.image.manifest.v1+json", image);
        using var client = new RegistryClient("registry.test", null, _ => { }, [], registry);
        using var key = Key("pkcs8.pem");
        using var other = Key("cosign.key");
        var subject = new SigningSubject("registry.test", "team/app", digest);
        var signer = new ImageSigner(key, _ => client);

        var signed = await signer.SignAsync(subject, SigstoreBundle.SignPredicateType, Predicate(new JsonObject()), CancellationToken.None);
        // Found again, its predicate is not even made.
        var again = await signer.SignAsync(subject, SigstoreBundle.SignPredicateType, () => throw new InvalidOperationException("made again"), CancellationToken.None);
        var provenance = await signer.SignAsync(subject, "https://slsa.dev/provenance/v1", Predicate(new JsonObject { ["buildDefinition"] = new JsonObject() }), CancellationToken.None);
        var otherKey = await new ImageSigner(other, _ => client).SignAsync(subject, SigstoreBundle.SignPredicateType, Predicate(new JsonObject()), CancellationToken.None);

        Assert.False(signed.Reused);
        Assert.Equal((signed.Referrer, true), (again.Referrer, again.Reused));
        Assert.False(provenance.Reused);
        Assert.False(otherKey.Reused);
        using var artifact = JsonDocument.Parse(registry.Manifests[$"team/app:{signed.Referrer}"].Bytes);
        Assert.Equal(SigstoreBundle.MediaType, artifact.RootElement.GetProperty("artifactType").GetString());
        Assert.Equal(digest, artifact.RootElement.GetProperty("subject").GetProperty("digest").GetString());
        Assert.Equal("dsse-envelope", artifact.RootElement.GetProperty("annotations").GetProperty("dev.sigstore.bundle.content").GetString());
        using var index = JsonDocument.Parse(registry.Manifests[$"team/app:{digest.Replace(':', '-')}"].Bytes);
        var listed = index.RootElement.GetProperty("manifests").EnumerateArray().ToList();
        Assert.Equal([signed.Referrer, provenance.Referrer, otherKey.Referrer], listed.Select(entry => entry.GetProperty("digest").GetString()));
        Assert.Equal("https://slsa.dev/provenance/v1", listed[1].GetProperty("annotations").GetProperty("dev.sigstore.bundle.predicateType").GetString());
    }
}
