using Docker.DotNet.Models;
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

        progress.Report(new JSONMessage { Status = "The push refers to repository [127.0.0.1:5000/app]" });
        progress.Report(new JSONMessage { ID = "aaa", Status = "Pushing", Progress = new JSONProgress { Current = 10, Total = 2048 } });
        progress.Report(new JSONMessage { ID = "aaa", Status = "Pushed" });
        progress.Report(new JSONMessage { ID = "bbb", Status = "Layer already exists" });
        progress.Report(new JSONMessage { Status = $"1.0.0: digest: {Digest} size: 1214" });
        progress.Report(new JSONMessage { Aux = new ObjectExtensionData { ExtensionData = new Dictionary<string, object> { ["Digest"] = Digest } } });

        Assert.Equal(Digest, progress.Digest);
        Assert.True(progress.LayersReported);
        Assert.Equal((1, 1, 2048L), (progress.LayersPushed, progress.LayersPresent, progress.BytesUploaded));
    }

    [Fact]
    public void PodmanSaysOnlyTheDigestInItsStatus()
    {
        var progress = new PushProgress(_ => { });

        progress.Report(new JSONMessage { Status = "The push refers to repository [127.0.0.1:5000/app:1.0.0]" });
        progress.Report(new JSONMessage { Status = $"1.0.0: digest: {Digest} size: 1214" });

        Assert.Equal(Digest, progress.Digest);
        Assert.False(progress.LayersReported);
    }

    [Fact]
    public void TheContainerdStoreSkipsTheProgressOfAQuickUploadSoTheSizeIsUnknownNotZero()
    {
        // As Docker 26.1 on the containerd image store answered a push of a BuildKit image.
        var progress = new PushProgress(_ => { });

        progress.Report(new JSONMessage { Status = "The push refers to repository [127.0.0.1:5000/app]" });
        progress.Report(new JSONMessage { ID = "8b8bb1e6f369", Status = "Pushing", Progress = new JSONProgress { Total = 1076 } });
        progress.Report(new JSONMessage { ID = "fa08a1808c4e", Status = "Waiting", Progress = new JSONProgress() });
        progress.Report(new JSONMessage { ID = "fa08a1808c4e", Status = "Pushing", Progress = new JSONProgress() });
        progress.Report(new JSONMessage { ID = "8b8bb1e6f369", Status = "Pushed", Progress = new JSONProgress() });
        progress.Report(new JSONMessage { ID = "fa08a1808c4e", Status = "Pushed", Progress = new JSONProgress() });
        progress.Report(new JSONMessage { ID = "2db98217ce6a", Status = "Mounted from app2", Progress = new JSONProgress() });
        progress.Report(new JSONMessage { Status = $"1: digest: {Digest} size: 856" });

        Assert.Equal(Digest, progress.Digest);
        Assert.Equal((2, 1, (long?)null), (progress.LayersPushed, progress.LayersPresent, progress.BytesUploaded));
    }

    [Theory]
    [InlineData(2048L, false, "2.0 KiB before compression")]
    [InlineData(1076L, true, "1.1 KiB compressed")]
    [InlineData(null, true, "the engine did not report their size")]
    public void TheLogSaysWhatTheSizesAre(long? bytes, bool compressed, string expected) =>
        Assert.Equal(expected, new PushResult(Digest, bytes, 1, 0, Compressed: compressed).DescribeBytes());
}
