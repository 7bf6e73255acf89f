using PipelineImage.Engine;

namespace PipelineImage.Tests.Engine;

/// <summary>The answers of POST /images/{name}/push from dockerd and from Podman, which says less.</summary>
public sealed class PushProgressTests
{
    private const string Digest = "sha256:436b2d73c18943abba07af7be8c15c28b489b36fad98f322b1fd6242c88ad433";

    [Fact]
    public void DockerdReportsEachLayerAndTheDigest()
    {
        var lines = new List<string>();
        var progress = new PushProgress(lines.Add);

        progress.Report("""{"status":"The push refers to repository [127.0.0.1:5000/app]"}""");
        progress.Report("""{"status":"Pushing","progressDetail":{"current":10,"total":2048},"progress":"[>   ]  10B/2.048kB","id":"aaa"}""");
        progress.Report("""{"status":"Pushed","progressDetail":{},"id":"aaa"}""");
        progress.Report("""{"status":"Layer already exists","progressDetail":{},"id":"bbb"}""");
        progress.Report($$"""{"status":"1.0.0: digest: {{Digest}} size: 1214"}""");
        progress.Report($$$"""{"progressDetail":{},"aux":{"Tag":"1.0.0","Digest":"{{{Digest}}}","Size":1214}}""");

        Assert.Equal(Digest, progress.Digest);
        Assert.True(progress.LayersReported);
        Assert.Equal((1, 1, 2048L), (progress.LayersPushed, progress.LayersPresent, progress.BytesUploaded));
    }

    [Fact]
    public void PodmanSaysOnlyTheDigestInItsStatus()
    {
        var progress = new PushProgress(_ => { });

        progress.Report("""{"status":"The push refers to repository [127.0.0.1:5000/app:1.0.0]"}""");
        progress.Report($$"""{"status":"1.0.0: digest: {{Digest}} size: 1214"}""");

        Assert.Equal(Digest, progress.Digest);
        Assert.False(progress.LayersReported);
    }

    [Fact]
    public void TheContainerdStoreSkipsTheProgressOfAQuickUploadSoTheSizeIsUnknownNotZero()
    {
        // As Docker 26.1 on the containerd image store answered a push of a BuildKit image.
        var progress = new PushProgress(_ => { });

        progress.Report("""{"status":"The push refers to repository [127.0.0.1:5000/app]"}""");
        progress.Report("""{"status":"Pushing","progressDetail":{"total":1076},"id":"8b8bb1e6f369"}""");
        progress.Report("""{"status":"Waiting","progressDetail":{},"id":"fa08a1808c4e"}""");
        progress.Report("""{"status":"Pushing","progressDetail":{},"id":"fa08a1808c4e"}""");
        progress.Report("""{"status":"Pushed","progressDetail":{},"id":"8b8bb1e6f369"}""");
        progress.Report("""{"status":"Pushed","progressDetail":{},"id":"fa08a1808c4e"}""");
        progress.Report("""{"status":"Mounted from app2","progressDetail":{},"id":"2db98217ce6a"}""");
        progress.Report($$"""{"status":"1: digest: {{Digest}} size: 856"}""");

        Assert.Equal(Digest, progress.Digest);
        Assert.Equal((2, 1, (long?)null), (progress.LayersPushed, progress.LayersPresent, progress.BytesUploaded));
    }

    [Fact]
    public void AnErrorInTheStreamIsTheErrorWhicheverFieldCarriesIt()
    {
        var dockerd = new PushProgress(_ => { });
        var podman = new PushProgress(_ => { });

        dockerd.Report("""{"errorDetail":{"message":"unauthorized: authentication required\n"},"error":"unauthorized: authentication required\n"}""");
        podman.Report("""{"error":"denied: requested access to the resource is denied"}""");

        Assert.Equal("unauthorized: authentication required", dockerd.Error);
        Assert.Equal("denied: requested access to the resource is denied", podman.Error);
    }

    [Theory]
    [InlineData(2048L, false, "2.0 KiB before compression")]
    [InlineData(1076L, true, "1.1 KiB compressed")]
    [InlineData(null, true, "the engine did not report their size")]
    public void TheLogSaysWhatTheSizesAre(long? bytes, bool compressed, string expected) =>
        Assert.Equal(expected, new PushResult(Digest, bytes, 1, 0, Compressed: compressed).DescribeBytes());
}
