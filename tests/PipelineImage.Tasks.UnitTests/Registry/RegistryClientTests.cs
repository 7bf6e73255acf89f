using System.Text;
using PipelineImage.Registry;

namespace PipelineImage.Tests.Registry;

public sealed class RegistryClientTests
{
    private static readonly TimeSpan[] NoWait = [TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero];

    private readonly List<string> _log = [];

    private RegistryClient Client(InMemoryRegistry registry, RegistryCredential? credential = null) =>
        new("registry.test", credential, _log.Add, NoWait, registry);

    [Fact]
    public async Task ABearerChallengeIsAnsweredWithATokenForTheCredentialAndTheTokenIsKeptForItsScope()
    {
        var registry = new InMemoryRegistry { Credentials = ("ci", "s3cret") };
        using var client = Client(registry, new RegistryCredential("ci", "s3cret"));
        var blob = "layer"u8.ToArray();

        await client.UploadAsync("team/app", InMemoryRegistry.Digest(blob), blob.Length, () => new MemoryStream(blob), CancellationToken.None);
        Assert.True(await client.HasBlobAsync("team/app", InMemoryRegistry.Digest(blob), CancellationToken.None));

        Assert.Equal(1, registry.Requests.Count(request => request.StartsWith("GET /token", StringComparison.Ordinal)));
        Assert.Contains(registry.Requests, request => request.StartsWith("GET /token?service=registry.test&scope=repository%3Ateam%2Fapp%3Apull%2Cpush", StringComparison.Ordinal));
        Assert.Equal(blob, registry.Blobs[$"team/app@{InMemoryRegistry.Digest(blob)}"]);
    }

    [Fact]
    public async Task ARefusedCredentialIsUnauthorizedAndNotRetried()
    {
        var registry = new InMemoryRegistry { Credentials = ("ci", "s3cret") };
        using var client = Client(registry, new RegistryCredential("ci", "wrong"));

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.HasBlobAsync("team/app", "sha256:00", CancellationToken.None));

        Assert.Equal(RegistryFailure.Unauthorized, e.Failure);
        Assert.Equal("registry.test", e.Registry);
        Assert.DoesNotContain("wrong", e.Message);
        Assert.Equal(2, registry.Requests.Count);
    }

    [Fact]
    public async Task A503IsTriedAgainAndTheRetryIsLogged()
    {
        var registry = new InMemoryRegistry();
        registry.Unavailable["PUT /v2/team/app/manifests/"] = 2;
        using var client = Client(registry);

        var (digest, _) = await client.PutManifestAsync("team/app", "1.0.0", "application/vnd.oci.image.manifest.v1+json", "{}"u8.ToArray(), CancellationToken.None);

        Assert.Equal(InMemoryRegistry.Digest("{}"u8.ToArray()), digest);
        Assert.Equal(2, _log.Count(line => line.Contains("answered 503 Service Unavailable; trying again", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ALargeBlobGoesUpInChunksAndAChunkCutOffMidwayResumesWhereTheRegistryStopped()
    {
        var registry = new InMemoryRegistry();
        registry.Broken["PATCH /v2/team/app/blobs/uploads/"] = 1;
        using var client = Client(registry);
        var blob = new byte[RegistryClient.ChunkSize * 2 + 1000];
        new Random(7).NextBytes(blob);
        var digest = InMemoryRegistry.Digest(blob);

        await client.UploadAsync("team/app", digest, blob.Length, () => new MemoryStream(blob), CancellationToken.None);

        Assert.Equal(blob, registry.Blobs[$"team/app@{digest}"]);
        Assert.Contains(_log, line => line.Contains($"The upload of {digest} to registry.test/team/app failed at byte 0", StringComparison.Ordinal));
        Assert.Contains(registry.Requests, request => request.StartsWith("GET /v2/team/app/blobs/uploads/", StringComparison.Ordinal));
        // The broken chunk had delivered half: the rest goes from there, in two chunks.
        Assert.Equal(3, registry.Requests.Count(request => request.StartsWith("PATCH ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AMountTakesTheBlobFromAnotherRepositoryWithoutUploadingIt()
    {
        var registry = new InMemoryRegistry();
        var blob = "base layer"u8.ToArray();
        registry.Blobs[$"dotnet/runtime@{InMemoryRegistry.Digest(blob)}"] = blob;
        using var client = Client(registry);

        Assert.True(await client.MountAsync("team/app", InMemoryRegistry.Digest(blob), "dotnet/runtime", CancellationToken.None));
        Assert.False(await client.MountAsync("team/app", "sha256:missing", "dotnet/runtime", CancellationToken.None));

        Assert.Equal(blob, registry.Blobs[$"team/app@{InMemoryRegistry.Digest(blob)}"]);
        Assert.Contains(registry.Requests, request => request.StartsWith("DELETE /v2/team/app/blobs/uploads/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AManifestIsReadWithItsMediaTypeAndDigestAndAMissingOneIsNull()
    {
        var registry = new InMemoryRegistry();
        var manifest = Encoding.UTF8.GetBytes("""{"schemaVersion":2}""");
        registry.Manifests["dotnet/runtime:10.0"] = ("application/vnd.docker.distribution.manifest.v2+json", manifest);
        using var client = Client(registry);

        var found = await client.GetManifestAsync("dotnet/runtime", "10.0", CancellationToken.None);

        Assert.Equal(("application/vnd.docker.distribution.manifest.v2+json", InMemoryRegistry.Digest(manifest)), (found!.Value.MediaType, found.Value.Digest));
        Assert.Null(await client.GetManifestAsync("dotnet/runtime", "9.0", CancellationToken.None));
    }

    [Theory]
    [InlineData("localhost:5000", "http://localhost:5000/")]
    [InlineData("127.0.0.1:5001", "http://127.0.0.1:5001/")]
    [InlineData("[::1]:5000", "http://[::1]:5000/")]
    [InlineData("registry.example.com", "https://registry.example.com/")]
    [InlineData("docker.io", "https://registry-1.docker.io/")]
    public void OnlyLoopbackRegistriesAreSpokenToWithoutTls(string registry, string expected) =>
        Assert.Equal(expected, RegistryClient.BaseAddressOf(registry).ToString());
}
