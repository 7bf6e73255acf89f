using Google.Protobuf;
using PipelineImage.Engine;
using PipelineImage.Engine.BuildKit;

namespace PipelineImage.Tests.Engine;

/// <summary>BuildKit's progress stream as POST /build?version=2 sends it, read into the log the classic builder's reads like.</summary>
public sealed class BuildKitProgressTests
{
    private readonly List<string> _log = [];

    [Fact]
    public void StepsReadAsTheClassicBuildersWithOrWithoutAStageNameAndInternalStepsAreNotLogged()
    {
        var progress = new BuildKitProgress(_log.Add);

        progress.Report(Trace(Vertex("a", "[internal] load build definition from Dockerfile")));
        progress.Report(Trace(Vertex("b", "[1/3] FROM base", cached: true)));
        progress.Report(Trace(Vertex("c", "[stage-0 2/3] RUN --mount=type=cache,target=/var/cache/apt apt-get update")));

        Assert.Equal(["Step 1/3 : FROM base", " ---> Using cache", "Step 2/3 : RUN --mount=type=cache,target=/var/cache/apt apt-get update"], _log);
    }

    [Fact]
    public void OutputChunksBecomeWholeLinesAndTheFailedStepKeepsItsLastLines()
    {
        var progress = new BuildKitProgress(_log.Add);
        progress.Report(Trace(Vertex("c", "[2/3] RUN apt-get install x")));

        progress.Report(Trace(Log("c", "Reading package lists...\nE")));
        progress.Report(Trace(Log("c", ": Unable to locate")));
        progress.Report(Trace(Log("c", " package x\n")));
        progress.Report(Trace(Vertex("c", "[2/3] RUN apt-get install x", error: "exit code: 100")));
        progress.Report(Trace(Log("c", "\u001b[0mlast words")));
        progress.Report("""{"errorDetail":{"message":"executor failed: exit code: 100"},"error":"executor failed: exit code: 100"}""");
        progress.Complete();

        Assert.Equal(["Step 2/3 : RUN apt-get install x", "Reading package lists...", "E: Unable to locate package x", "last words"], _log);
        Assert.Equal("Step 2/3 : RUN apt-get install x", progress.FailedStep);
        Assert.Equal(["Reading package lists...", "E: Unable to locate package x", "last words"], progress.FailedStepOutput);
        Assert.Equal("executor failed: exit code: 100", progress.Error);
    }

    private static PipelineImage.Engine.BuildKit.Vertex Vertex(string digest, string name, bool cached = false, string error = "") => new()
    {
        Digest = digest,
        Name = name,
        Cached = cached,
        Started = new Time { Seconds = 1 },
        Error = error,
    };

    private static VertexLog Log(string vertex, string text) => new() { Vertex = vertex, Stream = 1, Msg = ByteString.CopyFromUtf8(text) };

    private static string Trace(PipelineImage.Engine.BuildKit.Vertex vertex) => Trace(new StatusResponse { Vertexes = { vertex } });

    private static string Trace(VertexLog log) => Trace(new StatusResponse { Logs = { log } });

    private static string Trace(StatusResponse status) =>
        $$"""{"id":"moby.buildkit.trace","aux":"{{Convert.ToBase64String(status.ToByteArray())}}"}""";
}
