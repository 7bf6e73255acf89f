using System.Formats.Tar;
using System.Text;
using PipelineImage.Context;

namespace PipelineImage.Tests.Context;

public sealed class ContextTarWriterTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pimg-tar-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task SameFilesGiveTheSameBytesWhateverTheirTimesAndOwners()
    {
        var file = Path.Combine(_directory, "a.dll");
        await File.WriteAllTextAsync(file, "payload");
        var entries = new[] { ContextEntry.FromContent("Dockerfile", "FROM x\n"u8.ToArray()), ContextEntry.FromFile("app/a.dll", file) };

        var first = await WriteAsync(entries);
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddDays(-3));
        var second = await WriteAsync(entries);

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task EntriesCarryPathContentFixedTimeRootOwnerAndMode()
    {
        var file = Path.Combine(_directory, "tool");
        await File.WriteAllTextAsync(file, "#!/bin/sh\n");
        var longName = "app/" + string.Join('/', Enumerable.Repeat("directory-name", 12)) + "/file.txt";
        var entries = new[]
        {
            ContextEntry.FromContent("Dockerfile", "FROM x\n"u8.ToArray()),
            ContextEntry.FromFile("app/tool", file, executable: true),
            ContextEntry.FromFile(longName, file),
        };

        var read = await ReadAsync(await WriteAsync(entries));

        Assert.Equal(["Dockerfile", "app/tool", longName], read.Select(e => e.Name));
        Assert.Equal("FROM x\n", read[0].Content);
        Assert.Equal("#!/bin/sh\n", read[1].Content);
        Assert.All(read, e => Assert.Equal(ContextTarWriter.FixedTime, e.ModificationTime));
        Assert.All(read, e => Assert.Equal((0, 0), (e.Uid, e.Gid)));
        Assert.Equal("755", Convert.ToString((int)read[1].Mode, 8));
        Assert.Equal("644", Convert.ToString((int)read[2].Mode, 8));
    }

    [UnixFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task KeepsTheExecutableBitOfFilesOnDisk()
    {
        var file = Path.Combine(_directory, "script.sh");
        await File.WriteAllTextAsync(file, "echo");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var read = await ReadAsync(await WriteAsync([ContextEntry.FromFile("app/script.sh", file)]));

        Assert.Equal("755", Convert.ToString((int)read[0].Mode, 8));
    }

    [Fact]
    public async Task StopsWhenCanceled()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ContextTarWriter.WriteAsync([ContextEntry.FromContent("Dockerfile", [1])], new MemoryStream(), cancellation.Token));
    }

    private static async Task<byte[]> WriteAsync(IEnumerable<ContextEntry> entries)
    {
        using var stream = new MemoryStream();
        await ContextTarWriter.WriteAsync(entries, stream, CancellationToken.None);
        return stream.ToArray();
    }

    private static async Task<List<(string Name, string Content, DateTimeOffset ModificationTime, int Uid, int Gid, UnixFileMode Mode)>> ReadAsync(byte[] tar)
    {
        var result = new List<(string, string, DateTimeOffset, int, int, UnixFileMode)>();
        await using var reader = new TarReader(new MemoryStream(tar));
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            using var content = new StreamReader(entry.DataStream!, Encoding.UTF8);
            result.Add((entry.Name, await content.ReadToEndAsync(), entry.ModificationTime, entry.Uid, entry.Gid, entry.Mode));
        }

        return result;
    }
}
