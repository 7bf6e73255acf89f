using Google.Protobuf;
using PipelineImage.Engine;
using PipelineImage.Engine.BuildKit;

namespace PipelineImage.Tests.Engine;

/// <summary>BuildKit's progress stream as POST /build?version=2 sends it, read into the same events as the classic builder's.</summary>
public sealed class BuildKitProgressTests
{
    private readonly List<string> _log = [];

    [Fact]
    public void StepsReadAsTheClassicBuildersWithOrWithoutAStageNameAndInternalStepsAreNotLogged()
    {
        var progress = new BuildKitProgress(new BuildEventLog(_log.Add));

        progress.Report(Trace(Vertex("a", "[internal] load build definition from Dockerfile")));
        progress.Report(Trace(Vertex("b", "[1/3] FROM base", cached: true)));
        progress.Report(Trace(Vertex("c", "[stage-0 2/3] RUN --mount=type=cache,target=/var/cache/apt apt-get update")));

        Assert.Equal(["Step 1/3 : FROM base", " ---> Using cache", "Step 2/3 : RUN --mount=type=cache,target=/var/cache/apt apt-get update"], _log);
    }

    [Fact]
    public void OutputChunksBecomeWholeLinesAndTheFailedStepKeepsItsLastLines()
    {
        var log = new BuildEventLog(_log.Add);
        var progress = new BuildKitProgress(log);
        progress.Report(Trace(Vertex("c", "[2/3] RUN apt-get install x")));

        progress.Report(Trace(Log("c", "Reading package lists...\nE")));
        progress.Report(Trace(Log("c", ": Unable to locate")));
        progress.Report(Trace(Log("c", " package x\n")));
        progress.Report(Trace(Vertex("c", "[2/3] RUN apt-get install x", error: "exit code: 100")));
        progress.Report(Trace(Log("c", "\u001b[0mlast words")));
        progress.Report("""{"errorDetail":{"message":"executor failed: exit code: 100"},"error":"executor failed: exit code: 100"}""");
        progress.Complete();

        Assert.Equal(["Step 2/3 : RUN apt-get install x", "Reading package lists...", "E: Unable to locate package x", "last words"], _log);
        var failure = log.Failure()!;
        Assert.Equal("PIMG1003: The image build failed at Step 2/3 : RUN apt-get install x: executor failed: exit code: 100. "
            + "Its last output: Reading package lists... | E: Unable to locate package x | last words. The whole output is in the build log at normal verbosity (-v:n).",
            failure.Message);
    }

    [Fact]
    public void ABaseImageBuildKitCannotResolveFailsItsOwnStepAndGetsTheHint()
    {
        var log = new BuildEventLog(_log.Add);
        var progress = new BuildKitProgress(log);

        progress.Report(Trace(Vertex("m", "[internal] load metadata for docker.io/library/nope:1", error: "pull access denied")));
        progress.Report("""{"errorDetail":{"message":"failed to solve: nope:1: pull access denied"}}""");
        progress.Complete();

        Assert.StartsWith("PIMG1003: The image build failed at [internal] load metadata for docker.io/library/nope:1: failed to solve: nope:1: pull access denied.", log.Failure()!.Message);
        Assert.Empty(_log);
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
