namespace PipelineImage.IntegrationTests.Infrastructure;

/// <summary>
/// A test that needs Mono (build/test-env.sh installs Debian's mono-runtime). Without it it is skipped with the
/// reason, except under CI=true, where it runs and fails.
/// </summary>
public sealed class MonoFactAttribute : FactAttribute
{
    private static readonly Lazy<bool> Installed = new(() =>
        Environment.GetEnvironmentVariable("PATH")?.Split(Path.PathSeparator).Any(directory => File.Exists(Path.Combine(directory, "mono"))) == true);

    public MonoFactAttribute()
    {
        Skip = Installed.Value || EngineFactAttribute.IsCi ? null : "No mono on PATH. Run build/test-env.sh as root to install Debian's mono-runtime.";
    }
}
