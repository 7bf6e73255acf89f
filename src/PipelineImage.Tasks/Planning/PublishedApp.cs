namespace PipelineImage.Planning;

/// <summary>What a publish produced and how the project was set up: everything the plan is derived from.</summary>
internal sealed record PublishedApp
{
    /// <summary>The project's AssemblyName.</summary>
    public required string AssemblyName { get; init; }

    /// <summary>The project file's name, for the generated Dockerfile's header.</summary>
    public required string ProjectFileName { get; init; }

    /// <summary>The main assembly's file name (TargetFileName), run with <c>dotnet</c> when there is no apphost.</summary>
    public required string TargetFileName { get; init; }

    /// <summary>TargetFrameworkIdentifier, such as <c>.NETCoreApp</c>.</summary>
    public required string TargetFrameworkIdentifier { get; init; }

    /// <summary>TargetFrameworkVersion, such as <c>v10.0</c>.</summary>
    public required string TargetFrameworkVersion { get; init; }

    public string RuntimeIdentifier { get; init; } = "";

    public bool SelfContained { get; init; }

    /// <summary>Native AOT: the app is a native executable needing only runtime-deps.</summary>
    public bool PublishAot { get; init; }

    /// <summary>PublishSingleFile: one bundle, run as its apphost (on the runtime image unless self-contained).</summary>
    public bool SingleFile { get; init; }

    /// <summary>
    /// The single-file bundle extracts files when it starts (IncludeAllContentForSelfExtract or
    /// IncludeNativeLibrariesForSelfExtract): into <c>DOTNET_BUNDLE_EXTRACT_BASE_DIR</c>, else <c>$HOME/.net</c>.
    /// </summary>
    public bool SelfExtracts { get; init; }

    /// <summary>RollForward: how the app takes a later runtime than its own (<c>Major</c> runs on the next major); empty: <c>Minor</c>.</summary>
    public string RollForward { get; init; } = "";

    /// <summary>A Web SDK project, or one with a FrameworkReference to Microsoft.AspNetCore.App.</summary>
    public bool UsesAspNetCore { get; init; }

    /// <summary>The files of the publish output, with their paths relative to the publish directory.</summary>
    public required IReadOnlyList<PublishedFile> Files { get; init; }
}

/// <param name="SourcePath">Where the file is on disk.</param>
/// <param name="RelativePath">Its path in the publish output, with <c>/</c> separators.</param>
/// <param name="IsDependency">
/// It comes from a NuGet package (or a runtime pack): it changes rarely and goes into an earlier layer than the
/// app's own files.
/// </param>
internal sealed record PublishedFile(string SourcePath, string RelativePath, bool IsDependency);
