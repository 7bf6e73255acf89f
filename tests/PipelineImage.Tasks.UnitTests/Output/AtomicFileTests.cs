using PipelineImage.Output;

namespace PipelineImage.Tests.Output;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pimg-atomic-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void WritesNewFilesAndCreatesTheDirectory()
    {
        var path = Path.Combine(_directory, "sub", "Dockerfile");

        Assert.True(AtomicFile.WriteIfChanged(path, "FROM x\n"));
        Assert.Equal("FROM x\n"u8.ToArray(), File.ReadAllBytes(path)); // UTF-8, no BOM
    }

    [Fact]
    public void LeavesAnUnchangedFileAndItsTimeStampAlone()
    {
        var path = Path.Combine(_directory, "Dockerfile");
        AtomicFile.WriteIfChanged(path, "FROM x\n");
        var stamp = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, stamp);

        Assert.False(AtomicFile.WriteIfChanged(path, "FROM x\n"));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));

        Assert.True(AtomicFile.WriteIfChanged(path, "FROM y\n"));
        Assert.Equal("FROM y\n", File.ReadAllText(path));
    }

    [Fact]
    public void LeavesNoTemporaryFilesBehind()
    {
        var path = Path.Combine(_directory, "image.json");
        AtomicFile.WriteIfChanged(path, "{}");
        AtomicFile.WriteIfChanged(path, "{ }");

        Assert.Equal(["image.json"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }
}
