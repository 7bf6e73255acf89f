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
