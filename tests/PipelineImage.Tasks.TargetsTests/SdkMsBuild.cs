using System.Runtime.CompilerServices;

namespace PipelineImage.TargetsTests;

/// <summary>Registers the .NET SDK's MSBuild before any MSBuild type loads, as every in-process MSBuild host must.</summary>
internal static class SdkMsBuild
{
    [ModuleInitializer]
    internal static void Register()
    {
        if (!Microsoft.Build.Locator.MSBuildLocator.IsRegistered)
        {
            Microsoft.Build.Locator.MSBuildLocator.RegisterDefaults();
        }
    }
}
