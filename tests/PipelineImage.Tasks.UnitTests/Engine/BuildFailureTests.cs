using PipelineImage.Engine;

namespace PipelineImage.Tests.Engine;

public sealed class BuildFailureTests
{
    [Fact]
    public void AFailedStepIsOneLineWithTheStepAndItsLastOutputWithoutEscapes()
    {
        var output = new[]
        {
            "\u001b[1mReading package lists...\u001b[0m",
            "",
            "E: Unable to locate package nosuchpackage\r",
        };

        var error = new ImageBuildFailedException("Step 3/9 : RUN apt-get install -y nosuchpackage",
            "The command '/bin/sh -c apt-get install -y nosuchpackage' returned a non-zero code: 100", output);

        Assert.Equal("PIMG1003: The image build failed at Step 3/9 : RUN apt-get install -y nosuchpackage: The command '/bin/sh -c apt-get install -y nosuchpackage' returned a non-zero code: 100. "
            + "Its last output: Reading package lists... | E: Unable to locate package nosuchpackage. The whole output is in the build log at normal verbosity (-v:n).", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void OnlyTheLastLinesAreQuoted()
    {
        var output = Enumerable.Range(1, 20).Select(i => $"line {i}").ToList();

        Assert.Equal("line 15 | line 16 | line 17 | line 18 | line 19 | line 20", BuildFailure.LastLines(output));
    }

    [Fact]
    public void AStepWithoutOutputSaysSo() => Assert.Equal("(the step printed nothing)", BuildFailure.LastLines(["", "\r"]));

    [Theory]
    [InlineData("\u001b[31mred\u001b[0m", "red")]
    [InlineData("\u001b]0;title\u0007text", "text")]
    [InlineData("50%\rdone\r", "done")]
    public void EscapeCodesAreRemoved(string raw, string clean) => Assert.Equal(clean, BuildFailure.Clean(raw));

    // The classic builder fails at the FROM step; BuildKit before any step, at the vertex that resolves the base.
    [Theory]
    [InlineData("Step 1/6 : FROM 127.0.0.1:9/missing/base:1")]
    [InlineData("[internal] load metadata for 127.0.0.1:9/missing/base:1")]
    public void ABaseImageThatCannotBePulledNamesTheReferenceAndPipelineImagePull(string step)
    {
        var hint = BuildFailure.Hint(step, "Get \"https://127.0.0.1:9/v2/\": dial tcp 127.0.0.1:9: connect: connection refused", []);

        Assert.Contains("the base image '127.0.0.1:9/missing/base:1' is not on the engine and could not be pulled", hint);
        Assert.Contains("PipelineImageBase", hint);
        Assert.Contains("PipelineImagePull", hint);
    }

    [Fact]
    public void PipThatCannotReachItsIndexNamesTheIndexPropertiesAndTheNetwork()
    {
        string[] output =
        [
            "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused')': /simple/demo/",
            "ERROR: Could not find a version that satisfies the requirement demo==1.0 (from versions: none)",
            "ERROR: No matching distribution found for demo==1.0",
        ];

        var hint = BuildFailure.Hint("Step 7/12 : RUN /opt/venv/bin/pip install -r requirements.txt", "returned a non-zero code: 1", output);

        Assert.Contains("pip could not reach its package index", hint);
        Assert.Contains("PipelineImagePipIndexUrl", hint);
        Assert.Contains("PipelineImageNetwork=host", hint);
    }

    [Theory]
    [InlineData("W: Failed to fetch http://mirror/debian/dists/bookworm/InRelease  Temporary failure resolving 'mirror'")]
    [InlineData("Err:1 http://mirror/debian bookworm InRelease Could not connect to mirror:80 (10.0.0.1), connection timed out")]
    [InlineData("WARNING: fetching https://dl-cdn/alpine/v3.20/main: DNS lookup error")]
    public void AnOsPackageManagerThatCannotReachItsIndexNamesPipelineImageNetwork(string line)
    {
        var hint = BuildFailure.Hint("Step 3/9 : RUN apt-get update", "returned a non-zero code: 100", [line]);

        Assert.Contains("the OS package manager could not reach its package index", hint);
        Assert.Contains("PipelineImageNetwork=host", hint);
    }

    [Fact]
    public void AnUnknownCauseHasNoHint() =>
        Assert.Equal("", BuildFailure.Hint("Step 3/9 : RUN apt-get install -y x", "returned a non-zero code: 100", ["E: Unable to locate package x"]));

    [Fact]
    public void ARunStepWithoutTheBridgeNetworkHintsAtPipelineImageNetwork()
    {
        var hint = BuildFailure.Hint("Step 2/2 : RUN echo hi", "executor failed running [/bin/sh -c echo hi]: network bridge not found", []);

        Assert.Contains("set PipelineImageNetwork=host", hint);
    }
}
