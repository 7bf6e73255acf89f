namespace PipelineImage.Intermediate;

/// <summary>
/// One image build of a project at a time: concurrent publishes of one project take turns, so the second finds
/// every step in the engine's cache and ends with the very image of the first, leaving no dangling loser. An
/// exclusive open of a file beside the Dockerfile (an advisory lock on Unix, a sharing lock on Windows), released by
/// the system even when the process dies.
/// </summary>
internal sealed class BuildLock : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);
    private readonly FileStream _file;

    private BuildLock(FileStream file) => _file = file;

    /// <param name="path">The lock file; created when missing and never deleted (deleting a lock file races).</param>
    /// <param name="waiting">Called once when another holds the lock, before waiting for it.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    public static async Task<BuildLock> AcquireAsync(string path, Action waiting, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var announced = false;
        while (true)
        {
            try
            {
                return new BuildLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (File.Exists(path))
            {
                if (!announced)
                {
                    waiting();
                    announced = true;
                }

                await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
