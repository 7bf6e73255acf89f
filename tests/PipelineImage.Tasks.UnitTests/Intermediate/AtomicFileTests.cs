using PipelineImage.Intermediate;

namespace PipelineImage.Tests.Intermediate;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pimg-atomic-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task WritesNewFilesAndCreatesTheDirectory()
    {
        var path = Path.Combine(_directory, "sub", "Dockerfile");

        Assert.True(await AtomicFile.WriteIfChangedAsync(path, "FROM x\n"));
        Assert.Equal("FROM x\n"u8.ToArray(), File.ReadAllBytes(path)); // UTF-8, no BOM
    }

    [Fact]
    public async Task LeavesAnUnchangedFileAndItsTimeStampAlone()
    {
        var path = Path.Combine(_directory, "Dockerfile");
        await AtomicFile.WriteIfChangedAsync(path, "FROM x\n");
        var stamp = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, stamp);

        Assert.False(await AtomicFile.WriteIfChangedAsync(path, "FROM x\n"));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));

        Assert.True(await AtomicFile.WriteIfChangedAsync(path, "FROM y\n"));
        Assert.Equal("FROM y\n", File.ReadAllText(path));
    }

    [Fact]
    public async Task LeavesNoTemporaryFilesBehind()
    {
        var path = Path.Combine(_directory, "image.json");
        await AtomicFile.WriteIfChangedAsync(path, "{}");
        await AtomicFile.WriteIfChangedAsync(path, "{ }");

        Assert.Equal(["image.json"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }
}
