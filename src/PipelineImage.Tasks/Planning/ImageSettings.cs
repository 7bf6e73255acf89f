namespace PipelineImage.Planning;

/// <summary>The user's image settings (PipelineImage* properties); empty values take the documented defaults.</summary>
public sealed record ImageSettings
{
    /// <summary>PipelineImageName; empty: derived from the AssemblyName.</summary>
    public string Name { get; init; } = "";

    /// <summary>PipelineImageTags; empty: the project's Version and <c>latest</c>.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The project's Version, for the default tag.</summary>
    public string Version { get; init; } = "";

    /// <summary>PipelineImageBase; empty: chosen by <see cref="BaseImage.Choose"/>.</summary>
    public string BaseImage { get; init; } = "";
}
