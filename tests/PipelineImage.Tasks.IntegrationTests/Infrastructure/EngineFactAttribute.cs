namespace PipelineImage.IntegrationTests.Infrastructure;

/// <summary>
/// A test that needs a running Docker engine. Without one it is skipped with the reason, except under CI=true,
/// where it runs and fails: CI must never pass by skipping the end-to-end tests.
/// </summary>
public sealed class EngineFactAttribute : FactAttribute
{
    public EngineFactAttribute()
    {
        Skip = SkipReason;
    }

    /// <summary>Why engine tests skip here, or null: they run (always under CI=true).</summary>
    internal static string? SkipReason => MissingEngine.Value is { } reason && !IsCi ? reason : null;

    private static readonly Lazy<string?> MissingEngine = new(FindMissingEngine);

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private static string? FindMissingEngine()
    {
        try
        {
            var result = ProcessRunner.RunAsync("docker", ["version", "--format", "{{.Server.APIVersion}}"], Path.GetTempPath(),
                timeout: TimeSpan.FromSeconds(15)).GetAwaiter().GetResult();
            return result.ExitCode == 0
                ? null
                : $"No Docker engine answers ({result.Output.Trim()}). Run build/test-env.sh as root to provision one.";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or TimeoutException)
        {
            return $"No docker CLI or engine ({e.Message}). Run build/test-env.sh as root to provision one.";
        }
    }
}

/// <summary>A theory that needs a running Docker engine, skipped or failing as <see cref="EngineFactAttribute"/> says.</summary>
public sealed class EngineTheoryAttribute : TheoryAttribute
{
    public EngineTheoryAttribute()
    {
        Skip = EngineFactAttribute.SkipReason;
    }
}
