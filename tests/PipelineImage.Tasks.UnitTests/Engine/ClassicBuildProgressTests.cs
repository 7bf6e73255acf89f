using PipelineImage.Engine;

namespace PipelineImage.Tests.Engine;

/// <summary>
/// The classic builder's and Podman's answers to POST /build, which differ only in their lines: both read into the
/// same events, so the same log and the same PIMG1003, and both know which images their steps committed.
/// </summary>
public sealed class ClassicBuildProgressTests
{
    private static readonly string[] Classic =
    [
        "Step 1/4 : FROM base\n", " ---> 1111111111aa\n",
        "Step 2/4 : WORKDIR /app\n", " ---> Using cache\n", " ---> 2222222222bb\n",
        "Step 3/4 : COPY . /app/\n", " ---> 3333333333cc\n",
        "Step 4/4 : RUN apt-get install x\n", " ---> Running in 9999999999ff\n", "Reading package lists...\n", "E: Unable to locate package x\n",
    ];

    private static readonly string[] Podman =
    [
        "STEP 1/4: FROM base\n",
        "STEP 2/4: WORKDIR /app\n", "--> Using cache 2222222222bb2222222222bb\n", "--> 2222222222b\n",
        "STEP 3/4: COPY . /app/\n", "--> 3333333333c\n",
        "STEP 4/4: RUN apt-get install x\n", "Reading package lists...\n", "E: Unable to locate package x\n",
    ];

    [Theory]
    [InlineData("classic")]
    [InlineData("podman")]
    public void BothBuildersStreamsReadAlikeAndTheFailureNamesTheStepWithItsOutput(string builder)
    {
        var lines = new List<string>();
        var log = new BuildEventLog(lines.Add);
        var progress = new ClassicBuildProgress(log);

        foreach (var line in builder == "classic" ? Classic : Podman)
        {
            progress.Report(new EngineMessage(Stream: line));
        }

        progress.Report("""{"errorDetail":{"code":100,"message":"exit code 100"},"error":"exit code 100"}""");
        progress.Flush();

        Assert.Equal(
            ["Step 1/4 : FROM base", "Step 2/4 : WORKDIR /app", " ---> Using cache", "Step 3/4 : COPY . /app/", "Step 4/4 : RUN apt-get install x",
             "Reading package lists...", "E: Unable to locate package x"],
            lines);
        Assert.Equal([builder == "classic" ? "3333333333cc" : "3333333333c"], progress.CreatedImages);
        Assert.False(progress.Built);
        Assert.StartsWith("PIMG1003: The image build failed at Step 4/4 : RUN apt-get install x: exit code 100. Its last output: Reading package lists... | E: Unable to locate package x.",
            log.Failure()!.Message);
    }

    [Fact]
    public void ALineSplitAcrossMessagesIsOneLineAndTheImageIdComesFromAux()
    {
        var lines = new List<string>();
        var log = new BuildEventLog(lines.Add);
        var progress = new ClassicBuildProgress(log);

        progress.Report("""{"stream":"Step 1/1 : FR"}""");
        progress.Report("""{"stream":"OM base\nSuccessfully built 1111111111aa\nlast"}""");
        progress.Report("""{"aux":{"ID":"sha256:abc"}}""");
        progress.Flush();

        Assert.Equal(["Step 1/1 : FROM base", "Successfully built 1111111111aa", "last"], lines);
        Assert.True(progress.Built);
        Assert.Equal("sha256:abc", log.ImageId);
        Assert.Null(log.Failure());
    }

    [Theory]
    [InlineData("""{"stream":"Step 2/2 : RUN echo hi \u0026\u0026 false"}""", """{"errorDetail":{"code":1,"message":"The command '/bin/sh -c echo hi \u0026\u0026 false' returned a non-zero code: 1"},"error":"The command '/bin/sh -c echo hi \u0026\u0026 false' returned a non-zero code: 1"}""",
        "Step 2/2 : RUN echo hi && false", "The command '/bin/sh -c echo hi && false' returned a non-zero code: 1")]
    [InlineData("""{"stream":"STEP 2/2: RUN echo hi \u0026\u0026 false\n"}""", """{"errorDetail":{"message":"building at STEP \"RUN echo hi \u0026\u0026 false\": while running runtime: exit status 1\n"},"error":"building at STEP \"RUN echo hi \u0026\u0026 false\": while running runtime: exit status 1\n"}""",
        "Step 2/2 : RUN echo hi && false", "building at STEP \"RUN echo hi && false\": while running runtime: exit status 1")]
    public void TheEnginesLinesAsSentReadAsTheirMessages(string step, string error, string stepName, string message)
    {
        var lines = new List<string>();
        var log = new BuildEventLog(lines.Add);
        var progress = new ClassicBuildProgress(log);

        progress.Report(step);
        progress.Report("""{"stream":"\n"}""");
        progress.Report("""{"stream":"hi\n"}""");
        progress.Report(error);
        progress.Flush();

        Assert.Equal([stepName, "hi"], lines);
        Assert.StartsWith($"PIMG1003: The image build failed at {stepName}: {message}. Its last output: hi.", log.Failure()!.Message);
    }

    [Fact]
    public void PodmansImageIdComesFromItsAuxLine()
    {
        var log = new BuildEventLog(_ => { });
        var progress = new ClassicBuildProgress(log);

        progress.Report("""{"stream":"COMMIT docker.io/library/psec:1\n"}""");
        progress.Report("""{"aux":{"ID":"sha256:2c32678259aea5412b39825faf8121b8534b4150cde5e9ab0240983c4516234a"}}""");

        Assert.Equal("sha256:2c32678259aea5412b39825faf8121b8534b4150cde5e9ab0240983c4516234a", log.ImageId);
        Assert.True(progress.Built);
    }
}
