using PipelineImage.Intermediate;

namespace PipelineImage.Tests.Intermediate;

public sealed class FileHashCacheTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pimg-hashes-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string CachePath => Path.Combine(_root, "hashes.tsv");

    [Fact]
    public async Task AFileWhoseSizeAndTimeAreUnchangedIsNotReadAgain()
    {
        var file = Write("a.dll", "one", DateTime.UtcNow.AddMinutes(-1));
        var first = FileHashCache.Load(CachePath);
        var hash = first.Hash(file);
        await first.SaveAsync();

        var second = FileHashCache.Load(CachePath);

        Assert.Equal(hash, second.Hash(file));
        Assert.Equal(1, first.FilesHashed);
        Assert.Equal(0, second.FilesHashed);
        Assert.Equal("7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed", hash); // sha256("one")
    }

    [Fact]
    public async Task AChangedSizeOrTimeIsReadAgain()
    {
        var time = DateTime.UtcNow.AddMinutes(-1);
        var file = Write("a.dll", "one", time);
        var first = FileHashCache.Load(CachePath);
        var hash = first.Hash(file);
        await first.SaveAsync();

        Write("a.dll", "two", time.AddSeconds(1)); // same size, another time
        var second = FileHashCache.Load(CachePath);

        Assert.NotEqual(hash, second.Hash(file));
        Assert.Equal(1, second.FilesHashed);
    }

    [Fact]
    public async Task AFileModifiedJustNowIsNotRememberedAndUnusedEntriesAreDropped()
    {
        var old = Write("old.dll", "old", DateTime.UtcNow.AddMinutes(-1));
        var fresh = Write("fresh.dll", "fresh", DateTime.UtcNow);
        var first = FileHashCache.Load(CachePath);
        first.Hash(old);
        first.Hash(fresh);
        await first.SaveAsync();
        Assert.DoesNotContain(fresh, await File.ReadAllTextAsync(CachePath), StringComparison.Ordinal);

        var second = FileHashCache.Load(CachePath);
        second.Hash(fresh);
        await second.SaveAsync();

        Assert.Equal(1, second.FilesHashed);
        Assert.DoesNotContain(old, await File.ReadAllTextAsync(CachePath), StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnreadableCacheIsAnEmptyOne()
    {
        File.WriteAllText(CachePath, "garbage\nmore\tgarbage\n");
        var file = Write("a.dll", "one", DateTime.UtcNow.AddMinutes(-1));

        var cache = FileHashCache.Load(CachePath);

        Assert.Equal("7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed", cache.Hash(file));
    }

    private string Write(string name, string content, DateTime time)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllText(path, content);
        File.SetLastWriteTimeUtc(path, time);
        return path;
    }
}
