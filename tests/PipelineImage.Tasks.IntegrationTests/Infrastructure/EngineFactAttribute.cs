namespace PipelineImage.IntegrationTests.Infrastructure;

/// <summary>
/// A test that needs the default engine (<see cref="EngineUnderTest.Default"/>). Without it the test is skipped with the
/// reason, except under CI=true, where it runs and fails: CI must never pass by skipping the end-to-end tests.
/// </summary>
public sealed class EngineFactAttribute : FactAttribute
{
    public EngineFactAttribute()
    {
        Skip = SkipReason;
    }

    /// <summary>Why engine tests skip here, or null: they run (always under CI=true).</summary>
    internal static string? SkipReason => EngineUnderTest.Default.Missing() is { } reason && !IsCi ? reason : null;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A theory that needs the default engine, skipped or failing as <see cref="EngineFactAttribute"/> says.</summary>
public sealed class EngineTheoryAttribute : TheoryAttribute
{
    public EngineTheoryAttribute()
    {
        Skip = EngineFactAttribute.SkipReason;
    }
}
