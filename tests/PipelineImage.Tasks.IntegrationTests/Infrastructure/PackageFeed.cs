namespace PipelineImage.IntegrationTests.Infrastructure;

/// <summary>
/// Packs PipelineImage.Tasks once per test run into a local feed, with a private NuGet packages folder, so the
/// consumer projects install exactly the package under test. Each collection (lane) of end-to-end tests has this
/// fixture; they share one pack, removed with everything else when the last lane ends.
/// </summary>
public sealed class PackageFeed : IAsyncLifetime
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Task? _packed;
    private static int _lanes;

    /// <summary>The run's feed folder, shared by every lane.</summary>
    public string Root { get; } = SharedRoot.Value;

    private static readonly Lazy<string> SharedRoot = new(() => Directory.CreateTempSubdirectory("pimg-e2e-").FullName);

    public string FeedDirectory => Path.Combine(Root, "feed");

    public string PackagesDirectory => Path.Combine(Root, "packages");

    /// <summary>A version no other build has, so nothing stale can be restored in its place.</summary>
    public string Version => SharedVersion;

    private static readonly string SharedVersion = $"0.1.0-e2e.{DateTime.UtcNow:yyyyMMddHHmmss}";

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public async Task InitializeAsync()
    {
        await Gate.WaitAsync();
        try
        {
            _lanes++;
            _packed ??= PackAsync(FeedDirectory, Version);
        }
        finally
        {
            Gate.Release();
        }

        await _packed;
    }

    private static async Task PackAsync(string feed, string version)
    {
        var result = await ProcessRunner.RunAsync("dotnet",
            ["pack", Path.Combine(RepositoryRoot, "nuget", "PipelineImage.Tasks.Package.csproj"), "-c", "Release", "-o", feed,
             $"-p:Version={version}", "-nodeReuse:false"],
            RepositoryRoot);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet pack failed:\n{result}");
        }
    }

    public async Task DisposeAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (--_lanes == 0 && Directory.Exists(Root))
            {
                Directory.Delete(Root, recursive: true);
            }
        }
        finally
        {
            Gate.Release();
        }
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

/// <summary>The lane of tests on this machine's Docker 20.10 and Podman 4.3; one test at a time.</summary>
[CollectionDefinition(Name)]
public sealed class EngineCollection : ICollectionFixture<PackageFeed>
{
    public const string Name = "engine";
}

/// <summary>
/// The lane of tests on today's engines (build/modern-engines.sh): one test at a time, beside the other lane, whose
/// engines are other processes with other stores.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ModernEngineCollection : ICollectionFixture<PackageFeed>
{
    public const string Name = "modern engines";
}

/// <summary>The lane of the dockerignore differential test (no package needed), on an engine of its own.</summary>
[CollectionDefinition(Name)]
public sealed class DifferentialCollection
{
    public const string Name = "dockerignore differential";
}
