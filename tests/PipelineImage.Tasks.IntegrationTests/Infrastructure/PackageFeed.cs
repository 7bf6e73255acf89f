namespace PipelineImage.IntegrationTests.Infrastructure;

/// <summary>
/// Packs PipelineImage.Tasks once per test run into a local feed, with a private NuGet packages folder, so the
/// consumer projects install exactly the package under test. Removed with everything else at the end.
/// </summary>
public sealed class PackageFeed : IAsyncLifetime
{
    public string Root { get; } = Directory.CreateTempSubdirectory("pimg-e2e-").FullName;

    public string FeedDirectory => Path.Combine(Root, "feed");

    public string PackagesDirectory => Path.Combine(Root, "packages");

    /// <summary>A version no other build has, so nothing stale can be restored in its place.</summary>
    public string Version { get; } = $"0.1.0-e2e.{DateTime.UtcNow:yyyyMMddHHmmss}";

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public async Task InitializeAsync()
    {
        var result = await ProcessRunner.RunAsync("dotnet",
            ["pack", Path.Combine(RepositoryRoot, "nuget", "PipelineImage.Tasks.Package.csproj"), "-c", "Release", "-o", FeedDirectory,
             $"-p:Version={Version}", "-nodeReuse:false"],
            RepositoryRoot);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet pack failed:\n{result}");
        }
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }

    private static string FindRepositoryRoot()
    {
        var directory = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(directory, "PipelineImage.Tasks.sln")))
        {
            directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("No repository root above the tests.");
        }

        return directory;
    }
}

[CollectionDefinition(Name)]
public sealed class EngineCollection : ICollectionFixture<PackageFeed>
{
    public const string Name = "engine";
}
