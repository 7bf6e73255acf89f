using PipelineImage.Dockerfile;

namespace PipelineImage.Tests.Dockerfile;

public class DockerfileWriterTests
{
    [Fact]
    public void RendersExecFormAsJsonSoQuotesSpacesAndDollarsSurvive()
    {
        var text = DockerfileWriter.Render(new DockerfileDefinition([], [
            new CopyInstruction(["dir with space/", "a\"b"], "/app/$HOME, x/"),
            new EntrypointInstruction(["dotnet", "/app/My App.dll", "--opt=\\x", "ünï"]),
        ]));

        Assert.Equal(
            "COPY [\"dir with space/\", \"a\\\"b\", \"/app/$HOME, x/\"]\n" +
            "ENTRYPOINT [\"dotnet\", \"/app/My App.dll\", \"--opt=\\\\x\", \"ünï\"]\n",
            text);
    }

    [Fact]
    public void ACachedRunIsWrittenWithItsMountsOnlyForABuilderWithCacheMounts()
    {
        var definition = new DockerfileDefinition([], [
            new RunInstruction(["tool --no-cache", "--fetch"])
            {
                Cached = new CachedRun([new CacheMount("/var/cache/tool"), new CacheMount("/root/.cache")], ["tool", "--fetch"]),
            },
        ]);

        Assert.True(DockerfileWriter.HasCacheMounts(definition));
        Assert.Equal("RUN tool --no-cache \\\n    --fetch\n", DockerfileWriter.Render(definition));
        Assert.Equal(
            "RUN --mount=type=cache,target=/var/cache/tool --mount=type=cache,target=/root/.cache \\\n    tool \\\n    --fetch\n",
            DockerfileWriter.Render(definition, cacheMounts: true));
        Assert.False(DockerfileWriter.HasCacheMounts(new DockerfileDefinition([], [new RunInstruction(["true"])])));
    }

    [Theory]
    [InlineData("relative/dir")]
    [InlineData("/a,target=/etc")]
    [InlineData("/with space")]
    public void RefusesACacheMountTargetThatWouldChangeTheMount(string target)
    {
        var definition = new DockerfileDefinition([], [new RunInstruction(["true"]) { Cached = new CachedRun([new CacheMount(target)], ["true"]) }]);

        Assert.Throws<ArgumentException>(() => DockerfileWriter.Render(definition, cacheMounts: true));
    }

    [Fact]
    public void HeaderLinesAreComments()
    {
        var text = DockerfileWriter.Render(new DockerfileDefinition(["one", "two"], [new FromInstruction("base")]));

        Assert.Equal("# one\n# two\nFROM base\n", text);
    }

    [Theory]
    [InlineData("base image")]
    [InlineData("base\nRUN evil")]
    [InlineData("base\\")]
    [InlineData("")]
    public void RefusesSingleWordValuesThatWouldSplitTheLine(string value)
    {
        Assert.Throws<ArgumentException>(() => DockerfileWriter.Render(new DockerfileDefinition([], [new FromInstruction(value)])));
        Assert.Throws<ArgumentException>(() => DockerfileWriter.Render(new DockerfileDefinition([], [new UserInstruction(value)])));
    }

    [Fact]
    public void RefusesMultiLineHeaders() =>
        Assert.Throws<ArgumentException>(() => DockerfileWriter.Render(new DockerfileDefinition(["a\nFROM evil"], [])));
}

public class DockerfileWriterShellTests
{
    [Fact]
    public void RunLinesAreJoinedWithContinuations()
    {
        var text = DockerfileWriter.Render(new DockerfileDefinition([], [new RunInstruction(["set -eu;", "apt-get install", "    'curl'"])]));

        Assert.Equal("RUN set -eu; \\\n    apt-get install \\\n        'curl'\n", text);
    }

    [Fact]
    public void EnvValuesAreDoubleQuotedWithDollarsLeftForTheEngine()
    {
        var text = DockerfileWriter.Render(new DockerfileDefinition([], [
            new EnvInstruction([new EnvVariable("PATH", "/opt/venv/bin:$PATH", Expand: true), new EnvVariable("_X1", "a \"b\" \\c $HOME")]),
        ]));

        Assert.Equal("ENV PATH=\"/opt/venv/bin:$PATH\" _X1=\"a \\\"b\\\" \\\\c \\$HOME\"\n", text);
    }

    [Fact]
    public void LabelsAreQuotedLiterallyOneALine()
    {
        var text = DockerfileWriter.Render(new DockerfileDefinition([], [
            new LabelInstruction([KeyValuePair.Create("org.example.a", "x \"y\" $z"), KeyValuePair.Create("b", "")]),
        ]));

        Assert.Equal("LABEL \"org.example.a\"=\"x \\\"y\\\" \\$z\" \\\n      \"b\"=\"\"\n", text);
    }

    [Fact]
    public void ExposeAndCmdRender()
    {
        var text = DockerfileWriter.Render(new DockerfileDefinition([], [
            new ExposeInstruction(["80/tcp", "53/udp"]), new CmdInstruction(["--step", "a b", "$X"]),
        ]));

        Assert.Equal("EXPOSE 80/tcp 53/udp\nCMD [\"--step\", \"a b\", \"$X\"]\n", text);
    }

    [Theory]
    [InlineData("a\nb")]
    [InlineData("a\rb")]
    [InlineData("\t")]
    public void RefusesLabelValuesThatWouldSpanLines(string value) =>
        Assert.Throws<ArgumentException>(() => DockerfileWriter.Render(new DockerfileDefinition([], [
            new LabelInstruction([KeyValuePair.Create("k", value)]),
        ])));

    [Theory]
    [InlineData("echo a\nRUN evil")]
    [InlineData("echo a\r")]
    [InlineData("echo a \\")]
    [InlineData("# a comment the parser would drop")]
    [InlineData("   ")]
    [InlineData("")]
    public void RefusesRunLinesThatWouldChangeTheDockerfile(string line)
    {
        Assert.Throws<ArgumentException>(() => DockerfileWriter.Render(new DockerfileDefinition([], [new RunInstruction(["set -eu;", line])])));
    }

    [Fact]
    public void RefusesEmptyRunInstructions() =>
        Assert.Throws<ArgumentException>(() => DockerfileWriter.Render(new DockerfileDefinition([], [new RunInstruction([])])));

    [Theory]
    [InlineData("", "x")]
    [InlineData("1A", "x")]
    [InlineData("A-B", "x")]
    [InlineData("A B", "x")]
    [InlineData("A", "x\ny")]
    public void RefusesBadEnvVariables(string name, string value)
    {
        Assert.Throws<ArgumentException>(() => DockerfileWriter.Render(new DockerfileDefinition([], [new EnvInstruction([new EnvVariable(name, value)])])));
    }

    [Fact]
    public void ASecretIsMountedByIdAfterTheCachesAndItsStepHasNoPlainForm()
    {
        var definition = new DockerfileDefinition([], [
            new RunInstruction(["tool"]) { Cached = new CachedRun([new CacheMount("/root/.cache")], ["tool"]) { Secrets = ["pip-netrc"] } },
        ]);

        Assert.Equal(["pip-netrc"], DockerfileWriter.Secrets(definition));
        Assert.Equal("RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=pip-netrc \\\n    tool\n", DockerfileWriter.Render(definition, cacheMounts: true));
        Assert.Throws<ArgumentException>(() => DockerfileWriter.Render(definition));
    }

    [Theory]
    [InlineData("a,target=/etc/passwd")]
    [InlineData("a b")]
    [InlineData("../x")]
    [InlineData("")]
    public void RefusesASecretIdThatWouldChangeTheMount(string id)
    {
        var definition = new DockerfileDefinition([], [new RunInstruction(["true"]) { Cached = new CachedRun([], ["true"]) { Secrets = [id] } }]);

        Assert.Throws<ArgumentException>(() => DockerfileWriter.Render(definition, cacheMounts: true));
    }
}
