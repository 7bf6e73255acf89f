namespace PipelineImage.IntegrationTests.Infrastructure;

/// <summary>
/// A test that needs PowerShell 7 (build/test-env.sh installs the PowerShell global tool). Without it it is skipped
/// with the reason, except under CI=true, where it runs and fails.
/// </summary>
public sealed class PowerShellFactAttribute : FactAttribute
{
    /// <summary>Where build/test-env.sh installs pwsh.</summary>
    public const string Path = "/usr/local/lib/pipelineimage/pwsh/pwsh";

    public PowerShellFactAttribute()
    {
        Skip = File.Exists(Path) || EngineFactAttribute.IsCi ? null : $"No PowerShell at {Path}. Run build/test-env.sh as root to install it.";
    }
}
