namespace PipelineImage.IntegrationTests.Infrastructure;

/// <summary>
/// Packs PipelineImage.Tasks once per test run into a local feed, with a private NuGet packages folder, so the
/// consumer projects install exactly the package under test. Each collection (lane) of end-to-end tests has this
/// fixture; they share one pack, removed with everything else when the test process ends (the collection that runs
/// alone starts after the lanes have ended, so no lane's end may take the feed).
/// </summary>
public sealed class PackageFeed : IAsyncLifetime
{
    /// <summary>The run's feed folder, shared by every lane.</summary>
    public string Root { get; } = SharedRoot.Value;

    private static readonly Lazy<string> SharedRoot = new(() =>
    {
        var root = Directory.CreateTempSubdirectory("pimg-e2e-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(root, recursive: true);
        return root;
    });

    public string FeedDirectory => Path.Combine(Root, "feed");

    public string PackagesDirectory => Path.Combine(Root, "packages");

    /// <summary>A version no other build has, so nothing stale can be restored in its place.</summary>
    public string Version => SharedVersion;

    private static readonly string SharedVersion = $"0.1.0-e2e.{DateTime.UtcNow:yyyyMMddHHmmss}";

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public Task InitializeAsync() => Packed.Value;

    private static readonly Lazy<Task> Packed = new(() => PackAsync(Path.Combine(SharedRoot.Value, "feed"), SharedVersion));

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

    public Task DisposeAsync() => Task.CompletedTask;

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

/// <summary>
/// The lane of tests on the default engine (<see cref="EngineUnderTest.Default"/>), one test at a time. The lanes run
/// at once, and a test of one may use any engine: a test that checks an engine's whole list of images or containers
/// belongs in <see cref="WholeEngineCollection"/>.
/// </summary>
[CollectionDefinition(Name)]
public sealed class EngineCollection : ICollectionFixture<PackageFeed>
{
    public const string Name = "engine";
}

/// <summary>The lane of the builder matrix, on every engine, and of the containerd store's own tests; one test at a time.</summary>
[CollectionDefinition(Name)]
public sealed class BuilderMatrixCollection : ICollectionFixture<PackageFeed>
{
    public const string Name = "builder matrix";
}

/// <summary>
/// The tests that compare an engine's whole list of images or containers before and after: they run alone, after the
/// lanes, where no other test's build can add to those lists.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WholeEngineCollection : ICollectionFixture<PackageFeed>
{
    public const string Name = "whole engine";
}

/// <summary>The lane of the multi-platform tests, whose RUN steps for arm64 run under QEMU; one test at a time.</summary>
[CollectionDefinition(Name)]
public sealed class PlatformsCollection : ICollectionFixture<PackageFeed>
{
    public const string Name = "platforms";
}

/// <summary>The lane of the dockerignore differential test (no package needed), on Docker 26's overlay2 engine.</summary>
[CollectionDefinition(Name)]
public sealed class DifferentialCollection
{
    public const string Name = "dockerignore differential";
}
