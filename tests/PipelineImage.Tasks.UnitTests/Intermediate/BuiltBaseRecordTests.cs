using PipelineImage.Intermediate;
using PipelineImage.Naming;

namespace PipelineImage.Tests.Intermediate;

public sealed class BuiltBaseRecordTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pimg-built-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task WritesTheReferenceAsPlanJsonDoesAndReadsItBack()
    {
        var path = Path.Combine(_directory, "requirements", "built.json");
        var reference = new ImageReference("localhost:5000/app", "pipelineimage-requirements-" + new string('a', 64));

        await BuiltBaseRecord.WriteAsync(path, reference);

        Assert.Equal($$"""{"name":"localhost:5000/app","tag":"{{reference.Tag}}"}""" + "\n", File.ReadAllText(path));
        Assert.Equal(reference, await BuiltBaseRecord.ReadAsync(path, CancellationToken.None));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"name":"app"}""")]
    public async Task NoFileOrAnythingElseReadsAsNone(string? content)
    {
        var path = Path.Combine(_directory, "built.json");
        if (content is not null)
        {
            File.WriteAllText(path, content);
        }

        Assert.Null(await BuiltBaseRecord.ReadAsync(path, CancellationToken.None));
    }
}
