using PipelineImage.Intermediate;

namespace PipelineImage.Tests.Intermediate;

public sealed class BuildLockTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pimg-lock-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task ASecondBuildWaitsUntilTheFirstReleasesTheLock()
    {
        var path = Path.Combine(_root, "pipelineimage", "build.lock");
        var first = await BuildLock.AcquireAsync(path, () => throw new InvalidOperationException("the first must not wait"), CancellationToken.None);
        var waited = new TaskCompletionSource();

        var second = BuildLock.AcquireAsync(path, () => waited.TrySetResult(), CancellationToken.None);
        await waited.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(second.IsCompleted);

        first.Dispose();
        using var acquired = await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task TheWaitEndsWhenTheBuildIsCancelled()
    {
        var path = Path.Combine(_root, "build.lock");
        using var first = await BuildLock.AcquireAsync(path, () => { }, CancellationToken.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => BuildLock.AcquireAsync(path, () => { }, cancel.Token));
    }
}
