namespace PipelineImage.IntegrationTests.Infrastructure;

/// <summary>
/// A test that needs a running Docker engine. Without one it is skipped with the reason, except under CI=true,
/// where it runs and fails: CI must never pass by skipping the end-to-end tests.
/// </summary>
public sealed class EngineFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> MissingEngine = new(FindMissingEngine);

    public EngineFactAttribute()
    {
        if (MissingEngine.Value is { } reason && !IsCi)
        {
            Skip = reason;
        }
    }

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
