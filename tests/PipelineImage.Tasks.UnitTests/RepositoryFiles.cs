namespace PipelineImage.Tests;

/// <summary>Files of the repository the tests check (README, targets, the shipped catalog).</summary>
internal static class RepositoryFiles
{
    private static readonly string Root = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        var directory = AppContext.BaseDirectory;
        while (!File.Exists(System.IO.Path.Combine(directory, "PipelineImage.Tasks.sln")))
        {
            directory = System.IO.Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("No repository root above the tests.");
        }

        return directory;
    }
}
